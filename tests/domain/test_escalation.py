"""Timed escalation's rules: when a closed round opens, settles or keeps a dispute, how long a body's window runs (business
days, either partner's holidays), where an unresolved dispute goes, and what the top body's fallback gives."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import holidays
import pytest

from bot.domain.agreement import Level, Outcome, Vote
from bot.domain.consensus import RoundRecord, RoundSpan
from bot.domain.errors import UserError
from bot.domain.escalation import (
    Dispute,
    DisputeStatus,
    Move,
    Resolution,
    Step,
    StepKind,
    after_round,
    apply_default,
    check_deciding_voter,
    days_between,
    deciding_vote,
    next_body,
    party_position,
    window,
)
from bot.domain.governance import Body, BodyMember, DecisionRule, Fallback, FallbackKind, PartyVote

BERLIN = ZoneInfo("Europe/Berlin")
DE = holidays.country_holidays("DE", years=range(2026, 2030))
MEMBERS = (BodyMember("UMARIA", "Alpha", lead=True), BodyMember("ULEE", "Alpha"), BodyMember("UKENJI", "Beta", lead=True),
           BodyMember("UANNA", "Beta"))
JDC = Body("JDC", MEMBERS, DecisionRule.MEMBERS_CONSENSUS, window_days=1, escalates_to="JSC")
JSC = Body("JSC", MEMBERS, window_days=2, fallback=Fallback(FallbackKind.PARTY_DECIDES, "Alpha", (), "§4.3(b)"))
T = datetime(2027, 5, 3, 10, 0, tzinfo=timezone.utc)  # Monday 3 May 2027


def local(day: date, hour: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN).astimezone(timezone.utc)


def dispute(body: str = "JDC", status: DisputeStatus = DisputeStatus.OPEN, steps: tuple[Step, ...] = ()) -> Dispute:
    return Dispute(1, 7, body, status, T, local(date(2027, 5, 5)), steps or (Step(StepKind.OPENED, "JDC", 1, T, 1),))


def test_an_unresolved_close_opens_a_dispute_and_a_resolved_one_does_not() -> None:
    assert after_round(None, JDC, Outcome.NO_CONSENSUS, T) is Move.OPEN
    assert after_round(None, JDC, Outcome.NO_DECISION, T) is Move.OPEN  # no quorum at the deadline
    assert after_round(None, JDC, Outcome.FULL, T) is Move.NOTHING
    assert after_round(None, None, Outcome.NO_CONSENSUS, T) is Move.NOTHING  # not a body decision


def test_within_the_window_a_revised_round_settles_or_keeps_the_same_window() -> None:
    live = dispute()
    assert after_round(live, JDC, Outcome.QUALIFIED, T) is Move.SETTLE
    assert after_round(live, JDC, Outcome.NO_CONSENSUS, T) is Move.KEEP
    # At (or after) the window's end the window's own job decides; an ended dispute is not reopened.
    assert after_round(live, JDC, Outcome.FULL, live.window_ends_at) is Move.NOTHING
    assert after_round(dispute(status=DisputeStatus.DEFAULTED), JDC, Outcome.NO_CONSENSUS, T) is Move.NOTHING


def test_a_window_skips_one_partners_holiday_and_ends_at_local_midnight() -> None:
    # Opened Wednesday 5 May 2027: Ascension Day (Thursday 6, a holiday in Germany only) and the weekend are skipped.
    opened = local(date(2027, 5, 5))
    found = window(JSC, opened, "Europe/Berlin", DE.__contains__)
    assert found.ends_at == local(date(2027, 5, 11))  # the end of Monday 10 May, Berlin time
    assert found.remind_at == local(date(2027, 5, 7), 9)  # 09:00 on Friday, the business day before the last one
    assert window(JSC, opened, "Europe/Berlin").ends_at == local(date(2027, 5, 8))  # without the holiday: the end of Friday
    assert days_between(opened, found.ends_at, "Europe/Berlin", DE.__contains__) == 2


def test_a_one_day_window_has_no_reminder_and_a_zero_day_window_ends_at_once() -> None:
    one = window(JDC, T, "Europe/Berlin")
    assert one.ends_at == local(date(2027, 5, 5)) and one.remind_at is None  # the reminder would fall before the opening
    now = window(Body("X", MEMBERS, window_days=0, escalates_to="JSC"), T, "Europe/Berlin")
    assert (now.ends_at, now.remind_at) == (T, None)


def test_an_unresolved_dispute_goes_up_the_ladder_once_and_stops_at_the_top() -> None:
    bodies = {"JDC": JDC, "JSC": JSC}
    assert next_body(JDC, bodies, dispute()) == JSC
    assert next_body(JSC, bodies, dispute("JSC")) is None
    assert next_body(JDC, {"JDC": JDC}, dispute()) is None  # the JSC was removed since: the top is where it is
    went_up = dispute("JSC", DisputeStatus.ESCALATED, steps=(Step(StepKind.OPENED, "JDC", 1, T, 1), Step(StepKind.ESCALATED, "JSC", 3, T, 2)))
    looped = Body("JSC", MEMBERS, escalates_to="JDC")
    assert next_body(looped, bodies, went_up) is None  # edited into a loop: never back down
    assert went_up.bodies() == ("JDC", "JSC") and went_up.body_since_round() == 3


def test_the_fallback_gives_the_status_quo_or_the_deciding_partys_vote_with_its_clause() -> None:
    assert apply_default(JSC, None, Level.SUPPORT).resolution is Resolution.ADOPTED
    adopted = apply_default(JSC, None, Level.ACCEPT)
    assert adopted.describe() == "Alpha's vote decides under §4.3(b): Accept, so the proposal is adopted"
    assert apply_default(JSC, None, Level.BLOCK).resolution is Resolution.REJECTED
    silent = apply_default(JSC, None, None)
    assert (silent.party, silent.awaiting) == ("Alpha", True) and "its lead is asked" in silent.describe()
    cast = deciding_vote(JSC.fallback or Fallback(), "Alpha", adopt=True)
    assert (cast.resolution, cast.level) == (Resolution.ADOPTED, Level.SUPPORT) and "under §4.3(b)" in cast.describe()
    assert deciding_vote(JSC.fallback or Fallback(), "Alpha", adopt=False).resolution is Resolution.REJECTED
    check_deciding_voter(JSC, "Alpha", "UMARIA")
    with pytest.raises(UserError, match="only <@UMARIA>"):
        check_deciding_voter(JSC, "Alpha", "ULEE")
    budget_only = Body("JSC", MEMBERS, fallback=Fallback(FallbackKind.PARTY_DECIDES, "Alpha", ("budget",), "§4.3(b)"))
    assert apply_default(budget_only, "supply", Level.SUPPORT).describe() == "the status quo stands under §4.3(b)"
    assert apply_default(budget_only, "budget", Level.SUPPORT).resolution is Resolution.ADOPTED
    assert apply_default(Body("JSC", MEMBERS, fallback=Fallback()), "budget", Level.SUPPORT).resolution is Resolution.STATUS_QUO


def test_the_deciding_partys_position_is_its_last_vote_by_its_lead() -> None:
    def rnd(n: int, votes: tuple[Vote, ...] = (), party: tuple[PartyVote, ...] = ()) -> RoundRecord:
        return RoundRecord(RoundSpan(n, T), "p", votes, party)

    by_party = Body("JSC", MEMBERS, DecisionRule.PARTY_UNANIMOUS)
    rounds = [rnd(1, party=(PartyVote("Alpha", Level.BLOCK, "UMARIA"),)), rnd(2, party=(PartyVote("Alpha", Level.SUPPORT, "ULEE"),))]
    assert party_position(by_party, "Alpha", rounds) is Level.BLOCK  # Lee is not Alpha's lead: round 2's "vote" is not Alpha's
    rounds.append(rnd(3, votes=(Vote("UMARIA", "Alpha", Level.ACCEPT),)))
    assert party_position(by_party, "Alpha", rounds) is Level.BLOCK  # the lead's own position is Alpha's business only
    assert party_position(by_party, "Beta", rounds) is None
    members = Body("JSC", MEMBERS, DecisionRule.MEMBERS_CONSENSUS)
    assert party_position(members, "Alpha", rounds) is Level.ACCEPT  # in a body of members, votes are open: the lead's, latest first
    leaderless = Body("JSC", tuple(BodyMember(m.user_id, m.partner) for m in MEMBERS), DecisionRule.MEMBERS_CONSENSUS)
    mixed = [rnd(1, votes=(Vote("UMARIA", "Alpha", Level.SUPPORT), Vote("ULEE", "Alpha", Level.WONT_BLOCK)))]
    assert party_position(leaderless, "Alpha", mixed) is Level.WONT_BLOCK  # without a lead: the least agreeing member
