"""Both companies of a Slack Connect channel install the app (issue 17, point 4): one alliance, whichever installation.

Alpha Pharma (Maria, Lee) and Beta Bio (Kenji, Anna) each install the app through OAuth, in one
deployment. Slack delivers Kenji's commands and his App Home through Beta's installation, clicks on
a message through the installation whose bot posted it, and channel events through whichever
installation it names (`event_authorization`; Slack does not say which). Beta's bot is not invited
to the channel: Alpha's speaks there. The double refuses DMs between a bot and people of another
organisation, so Beta's people are DMed by Beta's bot.

Each test runs over Socket Mode and over signed HTTP, on SQLite and on PostgreSQL; in Socket Mode the
install pages are served over HTTP beside the connection, as `alliancebot run` does.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from bot.app import LISTENER_THREADS, build_app, build_services
from bot.clock import FixedClock
from bot.domain.recurrence import WeeklyRule
from bot.http_server import bind, make_http_server, stop_waitress
from bot.jobs import build_senders
from bot.scheduler import Scheduler
from bot.scheduler.digests import schedule_digest
from bot.scheduler.milestones import NUDGE
from bot.settings import load_settings
from bot.slack_edge.http_edge import SlackHttpEdge
from bot.slack_edge.socket_mode import SocketModeConnection
from storage.actions import channel_items
from storage.decisions import channel_decisions
from storage.digests import set_digest_rule
from storage.due_work import state_of
from storage.installations import find_installation
from storage.models.alliances import AllianceRow
from storage.models.due_work import DueWorkRow
from tests.conftest import migrated_sqlite, pg_database
from tests.e2e.conftest import CHANNEL, HOME, PARTNER, SECRET, RunningBot, TrackedExecutor, eventually, patient
from tests.e2e.test_meetings import propose
from tests.e2e.test_oauth import get
from tests.e2e.test_panel import panels
from tests.slack_double import HttpTransport, SlackDouble, SocketModeTransport
from tests.slack_double.clock import PATIENCE


@dataclass
class TwoInstalls(RunningBot):
    """The bot in OAuth mode with Alpha and Beta installed; `url` serves the install pages."""

    url: str = ""

    def installation(self, team: str) -> int:
        with self.services.db.read() as session:
            found = find_installation(session, enterprise_id=None, team_id=team)
        assert found is not None
        return found

    def install(self, user: str) -> None:
        """`user` clicks "Add to Slack" for their own workspace and allows it."""
        status, headers, _ = get(self.url + "/slack/install")
        assert status == 302
        state = parse_qs(urlparse(headers["Location"]).query)["state"][0]
        cookie = "; ".join(f"{k}={v.value}" for k, v in SimpleCookie(headers["Set-Cookie"]).items())
        status, _, page = get(self.url + "/slack/oauth_redirect?" + urlencode({"code": self.slack.approve_install(user=user), "state": state}),
                              cookie)
        assert status == 200, page

    def tick_at(self, instant: datetime, worker: str = "w1") -> None:
        Scheduler(self.services.db, build_senders(self.services), clock=FixedClock(instant), worker=worker).tick()


@pytest.fixture(params=["socket-sqlite", "socket-postgresql", "http-sqlite", "http-postgresql"])
def both(request: pytest.FixtureRequest, slack: SlackDouble, tmp_path: Any) -> Iterator[TwoInstalls]:
    mode, backend = request.param.split("-")
    databases = migrated_sqlite(tmp_path) if backend == "sqlite" else pg_database()
    database = next(databases)
    env = {"SLACK_CLIENT_ID": slack.client_id, "SLACK_CLIENT_SECRET": slack.client_secret, "SLACK_API_URL": slack.api_url,
           "ALLIANCEBOT_ENCRYPTION_KEY": Fernet.generate_key().decode()}
    env.update({"SLACK_APP_TOKEN": slack.app_token} if mode == "socket" else {"SLACK_SIGNING_SECRET": SECRET})
    settings = load_settings(env, dotenv=None)
    services = build_services(settings, db=database, update_interval=0.25)
    services.listener_executor.shutdown()
    services.listener_executor = TrackedExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="listener")
    services.gateway.client.timeout = int(PATIENCE)
    services.vote_ack_wait = PATIENCE
    app = patient(build_app(services))
    edge = SlackHttpEdge(app, database, services.clock, settings.signing_secret or "", services.oauth_flow)
    server = make_http_server(edge, bind("127.0.0.1", 0), threads=8)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}"
    connection = None
    if mode == "socket":
        connection = SocketModeConnection(app, settings.app_token or "", settings.api_url)
        connection.connect()
        assert slack.socket.wait_connected(), "the app did not connect over Socket Mode"
        transport: Any = SocketModeTransport(slack)
    else:
        transport = HttpTransport(slack, url + "/slack/events")
    running = TwoInstalls(services, app, transport, slack, url)
    running.install("UMARIA")  # Alpha's admin
    running.install("UKENJI")  # Beta's admin
    slack.refuse_external_dms()
    try:
        yield running
    finally:
        if connection is not None:
            connection.close()
        stop_waitress(server, thread, timeout=PATIENCE)
        services.listener_executor.shutdown(wait=True)
        services.coalescer.close()
        databases.close()


def decisions_in_channel(bot: TwoInstalls) -> list[Any]:
    return [m for m in bot.slack.messages(CHANNEL) if m.text.startswith("Decision")]


def alliances(bot: TwoInstalls) -> list[int]:
    with bot.services.db.read() as session:
        return list(session.scalars(select(AllianceRow.installation_id).where(AllianceRow.channel_id == CHANNEL)))


def private_to(bot: TwoInstalls, user: str, needle: str) -> list[Any]:
    return [m for m in bot.slack.ephemerals(CHANNEL, user) if needle in str(m.text) + str(m.blocks)]


def open_items(bot: TwoInstalls, installation: int) -> list[Any]:
    with bot.services.db.read() as session:
        return channel_items(session, installation, CHANNEL, bot.services.clock.now())


def pending_nudges(bot: TwoInstalls, installation: int) -> list[datetime]:
    with bot.services.db.read() as session:
        return list(session.scalars(select(DueWorkRow.due_at).where(DueWorkRow.installation_id == installation, DueWorkRow.kind == NUDGE,
                                                                    DueWorkRow.status == "pending")))


def two_schedulers_at(bot: TwoInstalls, instant: datetime) -> None:
    """Two schedulers tick at once when the work is due (as two processes serving both installations would), and
    one more a little later."""
    runs = [threading.Thread(target=bot.tick_at, args=(instant + timedelta(seconds=s), f"w{s}")) for s in (0, 1)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    bot.tick_at(instant + timedelta(minutes=5), "w3")


def started_by_both(bot: TwoInstalls) -> tuple[int, int]:
    """Maria's decision (through Alpha's installation), then Kenji's (through Beta's): one alliance under Alpha."""
    alpha, beta = bot.installation(HOME), bot.installation(PARTNER)
    assert bot.person("UMARIA").run("/consensus", "Move the Phase 2 start to Q3", channel=CHANNEL).acked
    eventually(lambda: decisions_in_channel(bot), what="Maria's decision")
    assert bot.person("UKENJI").run("/consensus", "Add a Beta CMC site", channel=CHANNEL).acked
    eventually(lambda: len(decisions_in_channel(bot)) == 2, what="Kenji's decision")
    return alpha, beta


def test_a_shared_channel_is_one_alliance_whichever_installation_a_request_comes_through(both: TwoInstalls) -> None:
    bot = both
    alpha, beta = started_by_both(bot)
    kenji, maria = bot.person("UKENJI"), bot.person("UMARIA")
    assert [c.team_id for c in bot.slack.calls("chat.postMessage") if c.params.get("channel") == CHANNEL] == [HOME] * len(
        [c for c in bot.slack.calls("chat.postMessage") if c.params.get("channel") == CHANNEL]), "Alpha's bot speaks in the channel"
    assert alliances(bot) == [alpha], "one alliance, not one per installation"
    assert len(panels(bot)) == 1
    assert "Decision 2" in decisions_in_channel(bot)[-1].text, "numbered in one sequence"

    # Both decisions, for everyone: Kenji's list (through Beta) and Maria's (through Alpha) show the same two.
    kenji.run("/consensus", "list", channel=CHANNEL)
    maria.run("/consensus", "list", channel=CHANNEL)
    for user in ("UKENJI", "UMARIA"):
        eventually(lambda u=user: private_to(bot, u, "Move the Phase 2 start") and private_to(bot, u, "Add a Beta CMC site"),  # type: ignore[misc]
                   what=f"{user}'s list with both decisions")

    # Votes: Kenji on Maria's decision, Maria on Kenji's, each counted for their own company.
    assert kenji.click("Support", channel=CHANNEL, message_ts=decisions_in_channel(bot)[0].ts).acked
    assert maria.click("Support", channel=CHANNEL, message_ts=decisions_in_channel(bot)[1].ts).acked
    eventually(lambda: "*Beta Bio* (1/2 voted): Support 1" in str(decisions_in_channel(bot)[0].blocks), what="Kenji's vote")
    eventually(lambda: "*Alpha Pharma* (1/2 voted): Support 1" in str(decisions_in_channel(bot)[1].blocks), what="Maria's vote")
    with bot.services.db.read() as session:
        assert [d.id for d in channel_decisions(session, alpha, CHANNEL, open_ones=True)] == [1, 2]
        assert channel_decisions(session, beta, CHANNEL, open_ones=True) == []

    # Items: Kenji's /action (through Beta) and a :memo: reaction Slack delivers through Beta land in the one alliance.
    due = (datetime.now(timezone.utc) + timedelta(days=6)).date()
    assert kenji.run("/action", f"Send the batch records <@UKENJI|kenji> by {due}", channel=CHANNEL).acked
    bot.slack.event_authorization = "other"  # Slack names Beta's installation on the event
    ts = maria.post_message(CHANNEL, "Lee to book the JSC room <@ULEE|lee>")
    assert kenji.react(CHANNEL, ts, "memo").acked
    eventually(lambda: len(open_items(bot, alpha)) == 2, what="both items, in Alpha's alliance")
    bot.slack.event_authorization = "host"
    assert kenji.react(CHANNEL, ts, "memo").acked  # the same message again, through Alpha's installation this time
    eventually(lambda: private_to(bot, "UKENJI", "already action item"), what="no second item")

    # Kenji's App Home is Beta's; it shows his item from the shared channel, and Done there closes it.
    assert kenji.open_home().acked
    home = eventually(lambda: "Send the batch records" in str(bot.slack.home_view("UKENJI", PARTNER)) and bot.slack.home_view("UKENJI", PARTNER),
                      what="Kenji's Home tab")
    assert home is not None
    assert kenji.click("Done", home=True).acked
    eventually(lambda: "Send the batch records" not in str(bot.slack.home_view("UKENJI", PARTNER)), what="the item done")
    publishes = bot.slack.calls("views.publish")
    assert {c.team_id for c in publishes if c.params.get("user_id") == "UKENJI"} == {PARTNER}


def test_a_partners_people_are_dmed_by_their_own_companys_bot(both: TwoInstalls) -> None:
    bot = both
    alpha, _ = started_by_both(bot)
    due = (datetime.now(timezone.utc) + timedelta(days=6)).date()
    bot.person("UMARIA").run("/action", f"Send the batch records <@UKENJI|kenji> <@ULEE|lee> by {due}", channel=CHANNEL)
    [item] = eventually(lambda: open_items(bot, alpha), what="the item")
    for user in ("UKENJI", "ULEE"):
        with bot.services.db.read() as session:
            work = state_of(session, f"{alpha}:action:{item.id}:v1:due:{user}")
        assert work is not None
        bot.tick_at(work.due_at)
    kenji_dm, lee_dm = bot.slack.dm_channel_id("UKENJI", PARTNER), bot.slack.dm_channel_id("ULEE", HOME)
    assert ["Send the batch records" in m.text + str(m.blocks) for m in bot.slack.messages(kenji_dm)] == [True], "Kenji: by Beta's bot"
    assert ["Send the batch records" in m.text + str(m.blocks) for m in bot.slack.messages(lee_dm)] == [True], "Lee: by Alpha's bot"
    assert not private_to(bot, "UKENJI", "Send the batch records"), "no fallback needed"
    assert not [c for c in bot.slack.calls("conversations.open") if c.team_id == HOME and c.params.get("users") == "UKENJI"]

    # The reminder's Done button, in Beta's DM, closes the item in Alpha's alliance.
    assert bot.person("UKENJI").click("Done", channel=kenji_dm).acked
    eventually(lambda: not open_items(bot, alpha), what="the item done")


def test_scheduled_posts_go_out_once_with_both_installations_schedulers_running(both: TwoInstalls) -> None:
    bot = both
    alpha, _ = started_by_both(bot)
    start = bot.services.clock.now()
    rule = WeeklyRule(0, datetime.strptime("09:00", "%H:%M").time(), "Europe/Zurich")
    with bot.services.db.write() as session:
        version = set_digest_rule(session, alpha, CHANNEL, rule, start)
        first = schedule_digest(session, alpha, CHANNEL, rule, version, start)
    assert first is not None
    two_schedulers_at(bot, first)
    digests = [m for m in bot.slack.messages(CHANNEL) if "Channel digest" in str(m.blocks)]
    assert len(digests) == 1 and digests[0].team_id == HOME
    assert "Add a Beta CMC site" in str(digests[0].blocks), "the digest covers what came through either installation"

    # A milestone Kenji adds through Beta's installation is nudged once, in the channel, by Alpha's bot.
    due = (bot.services.clock.now() + timedelta(days=8)).date()  # its 7-day nudge is tomorrow 09:00
    assert bot.person("UKENJI").run("/milestone", f"add Beta batch release {due.isoformat()}", channel=CHANNEL).acked
    nudges = eventually(lambda: pending_nudges(bot, alpha), what="the milestone's nudges, under the channel's home")
    two_schedulers_at(bot, min(nudges))
    said = [m for m in bot.slack.messages(CHANNEL) if "Beta batch release" in m.text + str(m.blocks) and "Due in 7 days" in m.text + str(m.blocks)]
    assert len(said) == 1 and said[0].team_id == HOME


def test_uninstalling_one_side_leaves_the_other_working(both: TwoInstalls) -> None:
    bot = both
    alpha, beta = started_by_both(bot)
    kenji, maria = bot.person("UKENJI"), bot.person("UMARIA")

    # Beta uninstalls: nothing moves (the alliance is Alpha's); Kenji acts by clicks; the readiness check says so.
    for envelope in bot.slack.uninstall(PARTNER):
        assert kenji.transport.deliver("events", envelope).acked
    assert kenji.click("Support", channel=CHANNEL, message_ts=decisions_in_channel(bot)[0].ts).acked
    eventually(lambda: "*Beta Bio* (1/2 voted): Support 1" in str(decisions_in_channel(bot)[0].blocks), what="Kenji's click")
    maria.run("/alliance", "", channel=CHANNEL)
    summary = eventually(lambda: private_to(bot, "UMARIA", "Private messages"), what="the readiness check")[-1]
    assert "has not installed Alliance Bot" in str(summary.blocks).split("*Beta Bio*")[1]

    # A meeting proposal waits for its organiser when Alpha uninstalls (below).
    day = (bot.services.clock.now() + timedelta(days=10)).date().isoformat()
    proposal = propose(bot, "JSC", day)
    assert proposal.team_id == HOME

    # Beta installs again and invites its bot; then Alpha uninstalls: Beta's installation carries the alliance on.
    bot.install("UKENJI")
    bot.slack.join(CHANNEL, bot.slack.bot_user(PARTNER))
    kenji.run("/consensus", "list", channel=CHANNEL)  # Beta's installation sees the channel again
    eventually(lambda: private_to(bot, "UKENJI", "Add a Beta CMC site"), what="Kenji's list")
    for envelope in bot.slack.uninstall(HOME):
        assert maria.transport.deliver("events", envelope).acked
    eventually(lambda: alliances(bot) == [beta], what="the alliance handed to Beta's installation")
    eventually(lambda: any("removed Alliance Bot" in m.text and m.team_id == PARTNER for m in bot.slack.messages(CHANNEL)),
               what="the channel told")
    reposted = eventually(lambda: [m for m in decisions_in_channel(bot) if m.team_id == PARTNER and "Add a Beta CMC site" in m.text + str(m.blocks)],
                          what="the open decisions posted again by Beta's bot")
    eventually(lambda: any(m.team_id == PARTNER for m in panels(bot)), what="the panel posted again by Beta's bot")
    # Slack sends app_uninstalled and tokens_revoked together, and both hand over: the channel is handed over once.
    bot.settle()
    assert len([m for m in bot.slack.messages(CHANNEL) if "removed Alliance Bot" in m.text]) == 1
    assert len([m for m in decisions_in_channel(bot) if m.team_id == PARTNER]) == 2
    assert len([m for m in panels(bot) if m.team_id == PARTNER]) == 1
    again = [m for m in bot.slack.messages(CHANNEL) if m.text == "Meeting proposal: JSC" and m.team_id == PARTNER]
    assert len(again) == 1, "the proposal waiting for Maria, posted again"
    assert maria.click("Confirm 1", channel=CHANNEL, message_ts=again[0].ts).acked
    eventually(lambda: "Confirmed: JSC" in next(m for m in bot.slack.messages(CHANNEL) if m.ts == again[0].ts).text, what="confirmed")

    # Everything is still there, and Beta's people go on: a vote on the reposted decision, a list, a digest.
    assert bot.person("UANNA").click("Accept", channel=CHANNEL, message_ts=reposted[-1].ts).acked
    eventually(lambda: bot.slack.open_views("UANNA"), what="Anna's concern form")
    assert bot.person("UANNA").submit_view({"Your concern (optional)": "Capacity"}).acked
    eventually(lambda: "Accept 1" in str(next(m for m in decisions_in_channel(bot) if m.ts == reposted[-1].ts).blocks), what="Anna's vote")
    with bot.services.db.read() as session:
        assert [d.id for d in channel_decisions(session, beta, CHANNEL, open_ones=True)] == [1, 2]
        assert session.scalar(select(func.count()).select_from(AllianceRow).where(AllianceRow.installation_id == alpha)) == 0


def test_a_partners_home_tab_shows_and_closes_their_items_from_a_channel_their_installation_never_saw(both: TwoInstalls) -> None:
    bot = both
    alpha, _ = started_by_both(bot)  # Beta's installation has seen CHANNEL, not the second one
    second = "C0SECOND"
    bot.slack.add_channel(second, "alpha-beta-cmc", members=["UMARIA", "UKENJI", "UANNA", "ULEE", "UBOT"], is_ext_shared=True)
    due = (datetime.now(timezone.utc) + timedelta(days=6)).date()
    assert bot.person("UMARIA").run("/action", f"Sign the quality agreement <@UKENJI|kenji> by {due}", channel=second).acked
    with bot.services.db.read() as session:
        eventually(lambda: bot.slack.messages(second) and [m for m in bot.slack.messages(second) if m.text.startswith("Action item")],
                   what="the item in the second channel")
    kenji = bot.person("UKENJI")
    assert kenji.open_home().acked
    eventually(lambda: "Sign the quality agreement" in str(bot.slack.home_view("UKENJI", PARTNER)), what="the item on Kenji's Home tab")
    assert kenji.click("Done", home=True).acked
    eventually(lambda: "Sign the quality agreement" not in str(bot.slack.home_view("UKENJI", PARTNER)), what="the item done")
    with bot.services.db.read() as session:
        assert channel_items(session, alpha, second, bot.services.clock.now()) == []
