"""Private messages reach a partner's people when Slack refuses the host's bot a DM to them (issue 17, point 2).

Beta Bio has not installed the app, and the double refuses DMs to its people (`refuse_external_dms`):
their reminders and nudges come as an ephemeral in the alliance channel, the route is remembered
so the next one makes no DM attempt, and Alpha's people still get DMs.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

from bot.clock import FixedClock
from bot.domain import tz
from bot.domain.reach import Route
from bot.jobs import build_senders
from bot.scheduler import Scheduler
from storage.decisions import load_decision
from storage.due_work import state_of
from storage.private_routes import load_route
from tests.e2e.conftest import CHANNEL, RunningBot, eventually, with_alliance
from tests.e2e.test_actions import items, reminder_at, tick_at
from tests.e2e.test_panel import panels


def status(bot: RunningBot) -> str:
    with bot.services.db.read() as session:
        decision = load_decision(session, bot.services.default_installation_id, 1)
    return decision.status.value if decision is not None else ""


def dm_attempts(bot: RunningBot, user: str) -> int:
    """Calls that tried to DM `user`: a post to their user id or DM channel, or opening the DM."""
    dm = bot.slack.ws.dm_channel(user).channel_id
    return (len([c for c in bot.slack.calls("chat.postMessage") if c.params.get("channel") in (user, dm)])
            + len([c for c in bot.slack.calls("conversations.open") if c.params.get("users") == user]))


def told_in_channel(bot: RunningBot, user: str, needle: str) -> int:
    return len([m for m in bot.slack.ephemerals(CHANNEL, user) if needle in str(m.text) + str(m.blocks)])


def dms(bot: RunningBot, user: str, needle: str) -> int:
    return len([m for m in bot.slack.messages(bot.slack.ws.dm_channel(user).channel_id) if needle in str(m.text) + str(m.blocks)])


def test_a_partners_action_reminders_come_in_the_channel_and_the_route_is_remembered(bot2: RunningBot) -> None:
    bot = bot2
    bot.slack.refuse_external_dms()
    maria = bot.person("UMARIA")
    due = (datetime.now(timezone.utc) + timedelta(days=6)).date()
    maria.run("/action", f"Send the batch records <@UKENJI|kenji> <@ULEE|lee> by {due}", channel=CHANNEL)
    maria.run("/action", f"Book the JSC room <@UKENJI|kenji> by {due + timedelta(days=1)}", channel=CHANNEL)
    eventually(lambda: len(items(bot)) == 2, what="two items")
    batch, room = sorted(items(bot), key=lambda i: i.text != "Send the batch records")  # in whichever order they were stored

    first = reminder_at(bot, batch.id, "due", "UKENJI")
    tick_at(bot, first)
    assert told_in_channel(bot, "UKENJI", "Send the batch records") == 1
    assert dm_attempts(bot, "UKENJI") == 1  # tried once, refused (channel_not_found), then the channel
    with bot.services.db.read() as session:
        state = state_of(session, f"{bot.services.default_installation_id}:action:{batch.id}:v1:due:UKENJI")
    assert state is not None and state.status == "sent" and state.result and state.result["route"] == "ephemeral"
    known = load_route(bot.services.db, bot.services.default_installation_id, "UKENJI")
    assert known is not None and known.route is Route.EPHEMERAL

    tick_at(bot, reminder_at(bot, room.id, "due", "UKENJI"))
    assert told_in_channel(bot, "UKENJI", "Book the JSC room") == 1
    assert dm_attempts(bot, "UKENJI") == 1  # the second reminder went straight to the channel

    tick_at(bot, reminder_at(bot, batch.id, "due", "ULEE"))
    assert dms(bot, "ULEE", "Send the batch records") == 1  # Alpha's people still get DMs
    assert told_in_channel(bot, "ULEE", "Send the batch records") == 0

    # The readiness check in /alliance: per partner, whether their organisation installed the app and how
    # private messages reach their people (Kenji: in the channel; Lee: by DM; the others: nothing sent yet).
    with_alliance(bot)
    maria.run("/alliance", "", channel=CHANNEL)
    summary = eventually(lambda: [str(m.blocks) for m in bot.slack.ephemerals(CHANNEL, "UMARIA") if "Private messages" in str(m.blocks)],
                         what="the readiness check")[-1]
    alpha, beta = summary.split("*Beta Bio*")
    assert "installed Alliance Bot: commands" in alpha and "1 by DM · 0 in this channel" in alpha and "1 not sent any yet" in alpha
    assert "has not installed Alliance Bot" in beta and "0 by DM · 1 in this channel" in beta and "1 not sent any yet" in beta


def test_a_partners_vote_reminder_is_private_in_the_channel_never_a_public_mention(bot2: RunningBot) -> None:
    bot = with_alliance(bot2)
    bot.slack.refuse_external_dms()
    maria = bot.person("UMARIA")
    maria.run("/consensus", "", channel=CHANNEL)
    eventually(lambda: bot.slack.open_views("UMARIA"), what="the new-decision form")
    deadline = bot.services.clock.now().replace(microsecond=0) + timedelta(days=3)
    maria.submit_view({"Proposal": "Adopt the 2027 joint development plan",
                       "Who decides (leave empty for the channel's members)": ["UMARIA", "UKENJI", "UANNA"],
                       "Deadline (in your own time zone)": int(deadline.timestamp())})
    eventually(lambda: any("2027 joint development plan" in str(m.blocks) for m in bot.slack.messages(CHANNEL)), what="the decision")
    in_channel = len(bot.slack.messages(CHANNEL))

    clock = FixedClock(deadline - timedelta(hours=23))
    scheduler = Scheduler(bot.services.db, build_senders(bot.services), clock=clock, worker="test")
    scheduler.tick()  # the 24 h reminders
    for partner in ("UKENJI", "UANNA"):
        assert told_in_channel(bot, partner, "Your vote is still missing") == 1 and dm_attempts(bot, partner) == 1
    assert dms(bot, "UMARIA", "Your vote is still missing") == 1
    bot.settle()
    assert len(bot.slack.messages(CHANNEL)) == in_channel  # nothing public says who has not voted

    clock.set(deadline - timedelta(minutes=59))
    scheduler.tick()  # the 1 h reminders: straight to the channel for Beta's people
    for partner in ("UKENJI", "UANNA"):
        assert told_in_channel(bot, partner, "Your vote is still missing") == 2 and dm_attempts(bot, partner) == 1


def test_a_partner_owners_milestone_nudge_comes_in_the_channel(bot2: RunningBot) -> None:
    bot = with_alliance(bot2)
    bot.slack.refuse_external_dms()
    maria = bot.person("UMARIA")
    maria.run("/milestone", "zone Europe/Zurich", channel=CHANNEL)
    eventually(lambda: any("Europe/Zurich" in str(m.text) for m in bot.slack.ephemerals(CHANNEL, "UMARIA")), what="the zone")
    maria.run("/milestone", "", channel=CHANNEL)
    eventually(lambda: bot.slack.open_views("UMARIA"), what="the form")
    due = bot.services.clock.now().date() + timedelta(days=45)
    maria.submit_view({"Name": "Phase 2 readout", "Due date": due.isoformat(), "Owner (nudged by DM)": "UKENJI"})

    def queued() -> bool:
        with bot.services.db.read() as session:
            return state_of(session, f"{bot.services.default_installation_id}:milestone:1:{due.isoformat()}:d7:UKENJI") is not None

    eventually(queued, what="the owner's nudges queued")
    for days, label in ((30, "Due in 30 days"), (7, "Due in 7 days")):
        nine = datetime.combine(due - timedelta(days=days), time(9, 0)).replace(tzinfo=tz.zone("Europe/Zurich")).astimezone(timezone.utc)
        Scheduler(bot.services.db, build_senders(bot.services), clock=FixedClock(nine), worker="test").tick()
        assert told_in_channel(bot, "UKENJI", label) == 1
        assert len([m for m in bot.slack.messages(CHANNEL) if label in str(m.text) + str(m.blocks)]) == 1  # the channel's own nudge
    assert dm_attempts(bot, "UKENJI") == 1  # refused once; the 7-day nudge made no DM attempt


def test_a_partners_meeting_reminder_by_dm_comes_in_the_channel(bot2: RunningBot) -> None:
    from tests.e2e.test_meetings import propose, stored
    from tests.e2e.test_meetings import tick_at as tick_meetings

    bot = bot2
    bot.slack.refuse_external_dms()
    day = (bot.services.clock.now() + timedelta(days=3)).date().isoformat()
    propose(bot, "JSC", day, **{"Reminders": "By direct message"})
    assert bot.person("UMARIA").click("Confirm 1", channel=CHANNEL).acked
    eventually(lambda: (found := stored(bot)) is not None and found.occurrences, what="the confirmed meeting")
    start = stored(bot).occurrences[0].starts_at
    tick_meetings(bot, start - timedelta(minutes=9))
    assert told_in_channel(bot, "UKENJI", "JSC") >= 1  # Beta's participant: privately, in the channel
    assert dms(bot, "UMARIA", "JSC") >= 1 and told_in_channel(bot, "UMARIA", "JSC") == 0  # Alpha's: by DM


def test_a_partners_errors_reach_them_privately_from_a_message_a_modal_and_a_reaction(bot2: RunningBot) -> None:
    """Kenji acts by clicks and reactions only, and cannot be DMed: every error still reaches him, and only him."""
    bot = bot2
    bot.slack.refuse_external_dms()
    with_alliance(bot)
    maria, kenji = bot.person("UMARIA"), bot.person("UKENJI")
    assert maria.run("/consensus", "Move the Phase 2 start to Q3", channel=CHANNEL).acked
    eventually(lambda: [m for m in bot.slack.messages(CHANNEL) if m.text.startswith("Decision")], what="the decision")

    # A message button: only the creator closes; Kenji's click is answered through its response_url.
    assert kenji.click("Close decision", channel=CHANNEL).acked
    eventually(lambda: told_in_channel(bot, "UKENJI", "Only <@UMARIA>"), what="the refusal, to Kenji")

    # A modal refusal goes back into the form: the decision was closed while Kenji's concern form was open.
    assert kenji.click("Accept", channel=CHANNEL).acked
    eventually(lambda: bot.slack.open_views("UKENJI"), what="the concern form")
    maria.click("Close decision", channel=CHANNEL)
    eventually(lambda: status(bot) == "closed", what="the decision closed")
    refused = kenji.submit_view({"Your concern (optional)": "CMC capacity at Beta in Q3"})
    assert refused.payload and refused.payload["response_action"] == "errors" and "closed" in str(refused.payload["errors"])
    kenji.close_view()

    # A modal whose work fails after it closed: the submission names no channel of Slack's, but the form's own;
    # Slack refuses the DM, so Kenji is told there.
    assert maria.run("/alliance", "panel", channel=CHANNEL).acked
    panel_ts = eventually(lambda: panels(bot), what="the panel")[-1].ts
    assert kenji.click("Add an action item", channel=CHANNEL, message_ts=panel_ts).acked
    eventually(lambda: bot.slack.open_views("UKENJI"), what="the action item form")
    bot.slack.inject("chat.postMessage", "error", error="internal_error", times=2)
    assert kenji.submit_view({"What needs doing": "Send the CMC data package"}).acked
    eventually(lambda: told_in_channel(bot, "UKENJI", "incident"), what="Kenji told, in the channel")
    before = len(bot.slack.ephemerals(CHANNEL, "UKENJI"))

    # A reaction: :memo: on a message whose due date cannot be read; Kenji is told in the channel what to do instead.
    ts = kenji.post_message(CHANNEL, "Send the CMC data package by 2026-13-45")
    assert kenji.react(CHANNEL, ts, "memo").acked
    eventually(lambda: told_in_channel(bot, "UKENJI", "Nothing was captured"), what="the reaction's failure explained")
    assert len(bot.slack.ephemerals(CHANNEL, "UKENJI")) == before + 1
    assert dm_attempts(bot, "UKENJI") <= 1, "one refused DM at most, then the channel"
    assert not [m for m in bot.slack.ephemerals(CHANNEL) if m.user != "UKENJI" and "closed" in str(m.text) + str(m.blocks)]
