"""Timed escalation (issue 19): a body decision that ends unresolved becomes a dispute of its body, goes up the ladder when
the body's window of business days ends, and at the top ends in the configured default; every step is in the thread and
in `/consensus log`, and the clocks are due work that survives a restart.

Decisions are started by the `/consensus` form (its decision type and *Body that decides*), votes are clicks, and a
party's vote is cast by its lead's *Cast party vote* form. The bot's clock and the scheduler's are one `FixedClock` the
test moves: nothing here waits for real time to pass.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from bot.app import build_services
from bot.clock import FixedClock
from bot.domain import tz
from bot.domain.errors import UserError
from bot.domain.escalation import DisputeStatus, Resolution, StepKind
from bot.jobs import build_senders
from bot.scheduler import Scheduler
from bot.scheduler.escalation import END
from bot.services import Services
from bot.settings import load_settings
from bot.usecases import consensus, escalation
from bot.usecases.governance_load import paths
from bot.views.consensus_export import export_record
from storage.decisions import decision_history, load_decision
from storage.disputes import load_dispute
from storage.due_work import claim_due, state_of
from tests.e2e.conftest import CHANNEL, HOME, SECRET, RunningBot, eventually

START = datetime(2027, 4, 30, 8, 0, tzinfo=timezone.utc)  # Friday 30 April 2027, 10:00 in Berlin
BODY_FORM = {"How it decides": "Consensus of all members", "Resolution window (business days)": "2"}


def berlin(month: int, day: int, hour: int = 0) -> datetime:
    """A wall time in Berlin (the alliance's zone) as a UTC instant."""
    return datetime(2027, month, day, hour, tzinfo=tz.zone("Europe/Berlin")).astimezone(timezone.utc)


def token(moment: datetime) -> str:
    return f"<!date^{int(moment.timestamp())}^"


@pytest.fixture
def clock(bot2: RunningBot) -> Iterator[FixedClock]:
    """The bot's clock, moved by the test (the scheduler runs on it too)."""
    fixed = FixedClock(START)
    bot2.services.clock = fixed
    yield fixed


def set_up_alliance(bot: RunningBot) -> None:
    """The alliance by its setup form (Alpha Pharma keeps US holidays, Beta Bio German ones), in Berlin time."""
    maria = bot.person("UMARIA")
    maria.run("/alliance", "setup", channel=CHANNEL)
    eventually(lambda: any(v.get("callback_id") == "alliance_setup" for v in bot.slack.views()), what="the setup form")
    assert maria.submit_view({"Alliance name": "Alpha–Beta oncology", "Partner 1 name": "Alpha Pharma",
                              "Partner 1 Slack organisation": "Alpha Pharma (2 here)", "Partner 1 country (public holidays)": "US",
                              "Partner 2 name": "Beta Bio", "Partner 2 Slack organisation": "Beta Bio (2 here)",
                              "Partner 2 country (public holidays)": "DE"}).acked
    eventually(lambda: any("Set up by" in str(m.blocks) for m in bot.slack.messages(CHANNEL)), what="the alliance")
    maria.run("/milestone", "zone Europe/Berlin", channel=CHANNEL)
    eventually(lambda: any("Europe/Berlin" in str(m.text) + str(m.blocks) for m in bot.slack.ephemerals(CHANNEL, "UMARIA")),
               what="the alliance's zone")


def add_body(bot: RunningBot, fields: dict[str, object]) -> None:
    maria = bot.person("UMARIA")
    maria.run("/alliance", "body add", channel=CHANNEL)
    eventually(lambda: bot.slack.open_views("UMARIA"), what="the body form")
    assert maria.submit_view(fields).acked
    eventually(lambda: any(f"set up the {fields['Name']}" in m.text for m in bot.slack.messages(CHANNEL)), what=f"the {fields['Name']}")


def tick(bot: RunningBot, clock: FixedClock, at: datetime, services: Services | None = None) -> None:
    """Move the clock to `at` and let the scheduler send everything due, and what that work made due at once. The app
    first finishes what it was doing (a message refresh after a click renders what is stored when it runs)."""
    bot.settle()
    clock.set(at)
    running = services or bot.services
    scheduler = Scheduler(running.db, build_senders(running), clock=clock, worker="test")
    for _ in range(5):
        if not scheduler.tick():
            break
    bot.settle()


def said(bot: RunningBot, needle: str) -> list:  # type: ignore[type-arg]
    return [m for m in bot.slack.messages(CHANNEL) if needle in str(m.text) + str(m.blocks)]


def dispute(bot: RunningBot, decision_id: int = 1):  # type: ignore[no-untyped-def]
    with bot.services.db.read() as session:
        return load_dispute(session, bot.services.default_installation_id, decision_id)


def decision(bot: RunningBot, decision_id: int = 1):  # type: ignore[no-untyped-def]
    with bot.services.db.read() as session:
        return load_decision(session, bot.services.default_installation_id, decision_id)


def start(bot: RunningBot, text: str, body: str | None, deadline: datetime | None = None, **fields: str) -> str:
    """Maria starts a decision in a body by the `/consensus` form (`body` None: the one the form chose, e.g. by the
    decision type); its message's ts."""
    maria = bot.person("UMARIA")
    if not bot.slack.open_views("UMARIA"):
        assert maria.run("/consensus", "", channel=CHANNEL).acked
        eventually(lambda: bot.slack.open_views("UMARIA"), what="the decision form")
    values: dict[str, object] = {"Proposal": text, **fields}
    if body is not None:
        values["Body that decides"] = body
    if deadline is not None:
        values["Deadline (in your own time zone)"] = int(deadline.timestamp())
    ack = maria.submit_view(values)
    assert ack.acked and not (ack.payload or {}).get("response_action"), ack.payload
    return str(eventually(lambda: said(bot, text), what="the decision")[0].ts)


def block(bot: RunningBot, user: str, concern: str, message_ts: str) -> None:
    person = bot.person(user)
    person.click("Block", channel=CHANNEL, message_ts=message_ts)
    eventually(lambda: bot.slack.open_views(user), what=f"{user}'s concern form")
    person.submit_view({"Which interest of yours is not addressed?": concern})


def test_a_jsc_decision_without_quorum_at_its_deadline_becomes_a_dispute_and_the_channel_is_told(bot2: RunningBot, clock: FixedClock) -> None:
    bot = bot2
    set_up_alliance(bot)
    bot.slack.add_user("UOMAR", HOME, "omar", real_name="Omar Haddad", tz="Europe/Berlin")
    bot.slack.join(CHANNEL, "UOMAR")
    add_body(bot, {**BODY_FORM, "Name": "JSC", "How it decides": "Majority of members", "Resolution window (business days)": "5",
                   "Alpha Pharma: members": ["UMARIA", "ULEE", "UOMAR"], "Beta Bio: members": ["UKENJI", "UANNA"]})
    ts = start(bot, "Approve the 2028 development budget", "JSC", deadline=START + timedelta(hours=1))
    for user in ("UMARIA", "ULEE", "UOMAR"):  # a majority of the members, but Beta Bio is not represented
        bot.person(user).click("Support", channel=CHANNEL, message_ts=ts)
    eventually(lambda: len(decision(bot).votes) == 3, what="Alpha's votes")

    tick(bot, clock, START + timedelta(hours=1, minutes=1))
    closed = decision(bot)
    assert closed.status == "closed" and closed.outcome.value == "no_decision"
    found = dispute(bot)
    # Five business days from Friday: Mon 3, Tue 4, Wed 5, (Ascension Day, Thursday 6, is a holiday in Germany), Fri 7, Mon 10.
    assert (found.body, found.status, found.window_ends_at) == ("JSC", DisputeStatus.OPEN, berlin(5, 11))
    [told] = said(bot, "is now a dispute of the JSC")
    assert told.thread_ts == ts and "without a quorum (Beta Bio not represented)" in str(told.blocks)
    assert token(berlin(5, 11)) in str(told.blocks) and "5 business days" in str(told.blocks)
    assert "the status quo stands" in str(told.blocks)  # the top body's default, said up front
    assert [s.kind for s in found.steps] == [StepKind.OPENED]

    # A round without a quorum can be run again within the window: Beta Bio takes part this time, and it settles.
    maria = bot.person("UMARIA")
    assert maria.click("Revise proposal", channel=CHANNEL, message_ts=ts).acked
    eventually(lambda: bot.slack.open_views("UMARIA"), what="the revision form")
    assert maria.submit_view({"Revised proposal": "Approve the 2028 development budget, phased"}).acked
    second = str(eventually(lambda: said(bot, "Decision 1 · round 2"), what="round 2")[-1].ts)
    for user in ("UMARIA", "ULEE", "UKENJI"):  # a majority of the five members, both parties represented
        bot.person(user).click("Support", channel=CHANNEL, message_ts=second)
    eventually(lambda: len(decision(bot).votes) == 3, what="round 2's votes")
    maria.click("Close decision", channel=CHANNEL, message_ts=second)
    eventually(lambda: dispute(bot).status is DisputeStatus.SETTLED, what="the dispute settled in the window")


def cast(bot: RunningBot, lead: str, party: str, level: str, message_ts: str, concern: str = "") -> None:
    """A party's lead casts the party's vote by the decision's *Cast party vote* form."""
    person = bot.person(lead)
    assert person.click("Cast party vote", channel=CHANNEL, message_ts=message_ts).acked
    eventually(lambda: bot.slack.open_views(lead), what=f"{lead}'s form")
    values = {f"{party}'s vote": level, **({f"{party}'s concern (a block must give one)": concern} if concern else {})}
    assert person.submit_view(values).acked


def test_a_block_in_the_jdc_goes_to_the_jsc_and_ends_in_its_default_after_business_days_and_a_holiday(bot2: RunningBot,
                                                                                                      clock: FixedClock) -> None:
    bot = bot2
    set_up_alliance(bot)
    # The JSC: one vote per party, cast by each party's lead; at the top, Alpha Pharma decides under §4.3(b).
    add_body(bot, {**BODY_FORM, "Name": "JSC", "How it decides": "One vote per party, unanimous (each partner's lead casts it)",
                   "Alpha Pharma: members": ["UMARIA"], "Alpha Pharma: lead": "UMARIA", "Beta Bio: members": ["UKENJI"],
                   "Beta Bio: lead": "UKENJI", "At the top, when the window ends unresolved": "One party decides (named decision types)",
                   "The party that decides": "Alpha Pharma", "The agreement's clause": "§4.3(b)"})
    add_body(bot, {**BODY_FORM, "Name": "JDC", "Alpha Pharma: members": ["ULEE"], "Beta Bio: members": ["UKENJI", "UANNA"],
                   "An unresolved dispute then goes to": "JSC"})
    # A development plan amendment: the form's decision type chooses the JDC, its usual body.
    assert bot.person("UMARIA").run("/consensus", "", channel=CHANNEL).acked
    eventually(lambda: bot.slack.open_views("UMARIA"), what="the decision form")
    assert bot.person("UMARIA").select("Decision type", "Development plan amendment").acked
    eventually(lambda: "Part of the development plan" in str(bot.slack.open_views("UMARIA")[-1]["blocks"]), what="the redrawn form")
    first = start(bot, "Move the Phase 2 start to Q3", None, **{"Part of the development plan it amends": "4.2 Phase 2 study design"})
    assert decision(bot).body.name == "JDC" and decision(bot).decision_type == "development_plan_amendment"
    block(bot, "UKENJI", "Beta's sites are not ready before Q4", first)
    eventually(lambda: "not ready before Q4" in str(said(bot, "Move the Phase 2")[0].blocks), what="Kenji's block")
    bot.person("UMARIA").click("Close decision", channel=CHANNEL, message_ts=first)
    eventually(lambda: dispute(bot) is not None, what="the dispute")

    # The JDC's window: two business days from Friday (Mon 3, Tue 4), ending at midnight in Berlin.
    tick(bot, clock, START)
    [opened] = said(bot, "is now a dispute of the JDC")
    assert opened.thread_ts == first and token(berlin(5, 5)) in str(opened.blocks) and "it goes to the *JSC*" in str(opened.blocks)
    tick(bot, clock, berlin(5, 3, 9) + timedelta(minutes=1))  # 09:00 on Monday, the business day before the last
    [reminded] = said(bot, "window on decision 1 ends")
    assert all(f"<@{u}>" in str(reminded.blocks) for u in ("ULEE", "UKENJI", "UANNA"))

    # The window ends unresolved: the JSC is asked in the channel, mentioning its members, and decides in round 2.
    tick(bot, clock, berlin(5, 5) + timedelta(minutes=1))
    [asked] = said(bot, "goes to the JSC")
    assert "<@UMARIA>" in str(asked.blocks) and "<@UKENJI>" in str(asked.blocks) and "<@ULEE>" not in str(asked.blocks)
    # Two business days from Wednesday: Ascension Day (Thursday, a German holiday) and the weekend do not count.
    assert token(berlin(5, 11)) in str(asked.blocks)
    round_two = eventually(lambda: said(bot, "Decision 1 · round 2"), what="round 2")[-1]
    assert round_two.thread_ts == first
    old = next(m for m in bot.slack.messages(CHANNEL) if m.ts == first)
    assert not [b for b in old.blocks if b["type"] == "actions"] and "the JSC decides it now" in str(old.blocks)
    assert decision(bot).decider_ids == ("UMARIA", "UKENJI")

    assert "Cast party vote" in str(round_two.blocks)
    cast(bot, "UMARIA", "Alpha Pharma", "Support", round_two.ts)
    cast(bot, "UKENJI", "Beta Bio", "Block", round_two.ts, "Still no sites before Q4")
    eventually(lambda: len(decision(bot).party_votes) == 2, what="the parties' votes")
    tick(bot, clock, berlin(5, 7, 9) + timedelta(minutes=1))  # Friday 09:00: Monday is the JSC's last business day
    assert len(said(bot, "window on decision 1 ends")) == 2

    # The JSC's window ends unresolved: Alpha Pharma's vote decides, by the agreement's clause.
    tick(bot, clock, berlin(5, 11) + timedelta(minutes=1))
    [default] = said(bot, "The default applies")
    assert "Alpha Pharma's vote decides under §4.3(b): Support, so the proposal is adopted" in str(default.blocks)
    ended = dispute(bot)
    assert (ended.status, ended.resolution) == (DisputeStatus.DEFAULTED, Resolution.ADOPTED)
    assert [(s.kind, s.body) for s in ended.steps] == [(StepKind.OPENED, "JDC"), (StepKind.REMINDED, "JDC"), (StepKind.ESCALATED, "JSC"),
                                                       (StepKind.REMINDED, "JSC"), (StepKind.DEFAULTED, "JSC")]
    assert ended.steps[-1].business_days == 5  # Mon 3, Tue 4, Wed 5, Fri 7, Mon 10
    # A restart's catch-up renders the decision's message again: still no Revise button, and it says why.
    consensus.catch_up_messages(bot.services)
    bot.settle()
    again = next(m for m in bot.slack.messages(CHANNEL) if m.ts == round_two.ts)
    assert "Revise proposal" not in str(again.blocks) and "ended in the top body" in str(again.blocks)
    # Decided: no revision reopens it (its message has no button left; a stale one, or the call behind it, is refused).
    with pytest.raises(UserError, match="default"):
        consensus.revise(bot.services, bot.services.default_installation_id, 1, "UMARIA", "Move it to Q4")

    # Every step is in /consensus log.
    bot.person("UMARIA").run("/consensus", "log", channel=CHANNEL)
    log = eventually(lambda: [m for m in bot.slack.ephemerals(CHANNEL, "UMARIA") if "Decision log" in str(m.blocks)], what="the log")[-1]
    text = str(log.blocks)
    assert "JDC → JSC: decided by the default" in text and "escalated to the JSC" in text and "opened in the JDC" in text
    assert "Alpha Pharma&#39;s vote decides" in text or "Alpha Pharma's vote decides" in text
    # Its path and the alliance's governance load (issue 19, point 5): in the log, the digest and the export.
    assert "JDC → JSC · 2 rounds · 1 escalation · " in text and "1 decision (JSC 1)" in text and "100% of body decisions escalated" in text
    bot.person("UMARIA").run("/digest", "", channel=CHANNEL)
    digest = eventually(lambda: [m for m in bot.slack.ephemerals(CHANNEL, "UMARIA") if "Governance load" in str(m.blocks)], what="the digest")
    assert "1 decision (JSC 1) · 100% of body decisions escalated" in str(digest[-1].blocks)
    with bot.services.db.read() as session:
        history = decision_history(session, bot.services.default_installation_id, CHANNEL)
        routes = paths(session, bot.services.default_installation_id, [d for d, _ in history], clock.now())
    record = export_record(*history[0], dispute(bot), routes[1])
    assert record["path"]["bodies"] == ["JDC", "JSC"] and record["path"]["escalations"] == 1 and record["path"]["rounds"] == 2
    assert record["path"]["business_days"] >= 5 and record["path"]["interactions"] > 0


def test_a_window_end_survives_a_restart_and_a_scheduler_that_died_mid_send(bot2: RunningBot, clock: FixedClock) -> None:
    bot = bot2
    set_up_alliance(bot)
    add_body(bot, {**BODY_FORM, "Name": "JSC", "Alpha Pharma: members": ["UMARIA", "ULEE"], "Beta Bio: members": ["UKENJI", "UANNA"]})
    ts = start(bot, "Adopt the supply forecast", "JSC")
    block(bot, "UKENJI", "The forecast ignores Beta's launch", ts)
    eventually(lambda: len(decision(bot).votes) == 1, what="Kenji's block")
    bot.person("UMARIA").click("Close decision", channel=CHANNEL, message_ts=ts)
    eventually(lambda: dispute(bot) is not None, what="the dispute")
    tick(bot, clock, START)
    ends = dispute(bot).window_ends_at
    assert ends == berlin(5, 5)

    tick(bot, clock, berlin(5, 3, 9) + timedelta(minutes=1))
    assert len(said(bot, "window on decision 1 ends")) == 1

    # The bot restarts: a new process's services on the same database. Its scheduler claims the window's end, applies the
    # default, and dies before it could record that it did (or post about it).
    env = {"SLACK_BOT_TOKEN": bot.slack.bot_token, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": bot.slack.api_url}
    restarted = build_services(load_settings(env, dotenv=None), db=bot.services.db, clock=clock)
    try:
        clock.set(ends + timedelta(minutes=1))
        [claimed] = claim_due(bot.services.db, now=clock.now(), worker="dies")
        assert claimed.kind == END
        build_senders(restarted)[END](claimed)
        assert dispute(bot).status is DisputeStatus.DEFAULTED and not said(bot, "The default applies")
        # Another scheduler takes the work over once the lease has run out (the bot was down for a day meanwhile): the
        # default is not applied again, and the channel is told once.
        tick(bot, clock, ends + timedelta(days=1), restarted)
        tick(bot, clock, ends + timedelta(days=1, minutes=10), restarted)
    finally:
        restarted.coalescer.close()
        restarted.listener_executor.shutdown()
    [default] = said(bot, "The default applies")
    assert "the status quo stands" in str(default.blocks) and default.thread_ts == ts
    assert [s.kind for s in dispute(bot).steps].count(StepKind.DEFAULTED) == 1
    with bot.services.db.read() as session:
        state = state_of(session, claimed.key)
    assert state is not None and state.status == "sent" and state.attempts == 2 and state.result == {"skipped": "settled or moved on"}


def test_a_revision_that_fails_keeps_the_window_and_one_that_resolves_it_settles_the_dispute(bot2: RunningBot, clock: FixedClock) -> None:
    bot = bot2
    set_up_alliance(bot)
    add_body(bot, {**BODY_FORM, "Name": "JSC", "Alpha Pharma: members": ["UMARIA"], "Beta Bio: members": ["UKENJI"]})
    add_body(bot, {**BODY_FORM, "Name": "JDC", "Alpha Pharma: members": ["ULEE"], "Beta Bio: members": ["UKENJI", "UANNA"],
                   "An unresolved dispute then goes to": "JSC"})
    maria = bot.person("UMARIA")
    ts = start(bot, "Share the assay data with the CRO", "JDC")

    def a_round_fails(message_ts: str, concern: str) -> None:
        block(bot, "UKENJI", concern, message_ts)
        eventually(lambda: concern in str(decision(bot).votes), what="Kenji's block")
        maria.click("Close decision", channel=CHANNEL, message_ts=message_ts)
        eventually(lambda: decision(bot).status == "closed", what="the close")

    def revised(text: str, number: int) -> str:
        maria.click("Revise proposal", channel=CHANNEL)
        eventually(lambda: bot.slack.open_views("UMARIA"), what="the revision form")
        maria.submit_view({"Revised proposal": text})
        return str(eventually(lambda: said(bot, f"Decision 1 · round {number}"), what=f"round {number}")[-1].ts)

    a_round_fails(ts, "Patient consent does not cover the CRO")
    tick(bot, clock, START)
    ends = dispute(bot).window_ends_at
    assert said(bot, "is now a dispute of the JDC") and ends == berlin(5, 5)

    clock.set(START + timedelta(hours=2))
    a_round_fails(revised("Share anonymised assay data with the CRO", 2), "Anonymised is not enough")
    tick(bot, clock, START + timedelta(hours=2))
    [kept] = said(bot, "did not resolve the dispute either")
    assert token(ends) in str(kept.blocks) and dispute(bot).window_ends_at == ends  # the same window

    tick(bot, clock, berlin(5, 3, 9) + timedelta(minutes=1))
    assert said(bot, "window on decision 1 ends")
    clock.set(berlin(5, 4, 15))  # Tuesday afternoon: the window's last day
    third = revised("Share aggregated assay data with the CRO", 3)
    for user in ("ULEE", "UKENJI"):
        bot.person(user).click("Support", channel=CHANNEL, message_ts=third)
    eventually(lambda: len(decision(bot).votes) == 2, what="the JDC's support")
    maria.click("Close decision", channel=CHANNEL, message_ts=third)
    eventually(lambda: dispute(bot).status is DisputeStatus.SETTLED, what="the dispute settled")
    tick(bot, clock, berlin(5, 4, 15))
    [settled] = said(bot, "The JDC settled the dispute over decision 1")
    assert "in round 3, 2 business days after it opened" in str(settled.blocks)

    # The window's end no longer applies: nothing goes to the JSC.
    tick(bot, clock, ends + timedelta(minutes=1))
    assert not said(bot, "goes to the JSC") and decision(bot).outcome.value == "full_consensus"
    assert [s.kind for s in dispute(bot).steps] == [StepKind.OPENED, StepKind.REMINDED, StepKind.SETTLED]


def test_a_deciding_party_that_stated_no_position_is_asked_for_its_vote_when_the_window_ends(bot2: RunningBot,
                                                                                            clock: FixedClock) -> None:
    bot = bot2
    set_up_alliance(bot)
    add_body(bot, {**BODY_FORM, "Name": "JSC", "How it decides": "One vote per party, unanimous (each partner's lead casts it)",
                   "Alpha Pharma: members": ["UMARIA", "ULEE"], "Alpha Pharma: lead": "UMARIA", "Beta Bio: members": ["UKENJI"],
                   "Beta Bio: lead": "UKENJI", "At the top, when the window ends unresolved": "One party decides (named decision types)",
                   "The party that decides": "Alpha Pharma", "For these decision types (none chosen: all)": ["Budget approval"],
                   "The agreement's clause": "§4.3(b)"})
    assert bot.person("UMARIA").run("/consensus", "", channel=CHANNEL).acked
    eventually(lambda: bot.slack.open_views("UMARIA"), what="the decision form")
    assert bot.person("UMARIA").select("Decision type", "Budget approval").acked
    eventually(lambda: "Amount and currency" in str(bot.slack.open_views("UMARIA")[-1]["blocks"]), what="the redrawn form")
    first = start(bot, "Approve the 2028 CMC budget", "JSC", **{"Amount and currency": "EUR 3.1M", "Budget period": "FY2028"})
    cast(bot, "UKENJI", "Beta Bio", "Block", first, "Beta cannot fund its share in 2028")
    eventually(lambda: len(decision(bot).party_votes) == 1, what="Beta's vote")
    bot.person("UMARIA").click("Close decision", channel=CHANNEL, message_ts=first)
    eventually(lambda: dispute(bot) is not None, what="the dispute")
    tick(bot, clock, START)

    # The JSC's window ends unresolved and Alpha Pharma, which has the deciding vote on budgets, never cast a vote: its
    # lead is asked, in the thread; the decision is not open to revision meanwhile, nor counted as decided.
    tick(bot, clock, berlin(5, 5) + timedelta(minutes=1))
    [asked] = said(bot, "cast Alpha Pharma's deciding vote")
    assert asked.thread_ts == first and "<@UMARIA>" in str(asked.blocks) and dispute(bot).status is DisputeStatus.AWAITING_PARTY
    assert "Revise proposal" not in str(next(m for m in bot.slack.messages(CHANNEL) if m.ts == first).blocks)
    # Kenji (Beta Bio) cannot cast it; Lee (Alpha, not its lead) neither. Each is told privately.
    for user in ("UKENJI", "ULEE"):
        assert bot.person(user).click("Adopt the proposal", channel=CHANNEL, message_ts=asked.ts).acked
        eventually(lambda u=user: any("only <@UMARIA>" in m.text for m in bot.slack.ephemerals(CHANNEL, u)), what=f"{user} refused")
    assert dispute(bot).status is DisputeStatus.AWAITING_PARTY
    clock.set(berlin(5, 6, 11))
    assert bot.person("UMARIA").click("Adopt the proposal", channel=CHANNEL, message_ts=asked.ts).acked
    eventually(lambda: dispute(bot).status is DisputeStatus.DEFAULTED, what="the deciding vote recorded")
    ended = dispute(bot)
    assert ended.resolution is Resolution.ADOPTED and ended.steps[-1].kind is StepKind.DEFAULTED
    assert ended.steps[-1].detail == "Alpha Pharma's vote decides under §4.3(b): Support, so the proposal is adopted (cast by <@UMARIA>)"
    tick(bot, clock, berlin(5, 6, 11))
    [told] = said(bot, "The default applies")
    assert "cast by <@UMARIA>" in str(told.blocks)
    replaced = next(m for m in bot.slack.messages(CHANNEL) if m.ts == asked.ts)
    assert "Adopt the proposal" not in str(replaced.blocks) and "cast Alpha Pharma's deciding vote" in str(replaced.blocks)
    # The ask has no buttons left; a click that was already on its way (the call behind it) is refused and changes nothing.
    with pytest.raises(UserError, match="cast already"):
        escalation.cast_deciding_vote(bot.services, bot.services.default_installation_id, 1, "UMARIA", adopt=False)
    assert dispute(bot).resolution is Resolution.ADOPTED and len(said(bot, "The default applies")) == 1
