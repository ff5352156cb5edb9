"""Consensus between partner companies: the outcome rules, case by case and as properties."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.consensus import Level, Outcome, RoundSpan, Vote, check_vote, elapsed, everyone_voted, tally, verdict
from bot.domain.errors import UserError

PARTNERS = ("Alpha", "Beta")
DECIDERS = ("a1", "a2", "b1", "b2")
S, A, W, B = Level.SUPPORT, Level.ACCEPT, Level.WONT_BLOCK, Level.BLOCK


def v(voter: str, level: Level, concern: str | None = None) -> Vote:
    return Vote(voter, "Alpha" if voter.startswith("a") else "Beta" if voter.startswith("b") else None, level, concern)


@pytest.mark.parametrize(
    ("votes", "closed", "outcome"),
    [
        ([], False, Outcome.OPEN),
        ([], True, Outcome.NO_DECISION),
        ([v("a1", S), v("b1", S)], True, Outcome.FULL),
        ([v("a1", S), v("a2", S), v("b1", S), v("b2", S)], True, Outcome.FULL),
        ([v("a1", S), v("b1", A, "budget")], True, Outcome.QUALIFIED),
        ([v("a1", W, "timeline"), v("b1", S)], True, Outcome.QUALIFIED),
        ([v("a1", S), v("a2", S)], True, Outcome.NO_CONSENSUS),  # Beta never voted
        ([v("a1", S), v("b1", B, "IP terms")], True, Outcome.NO_CONSENSUS),
        ([v("a1", S), v("b1", B, "IP terms")], False, Outcome.NO_CONSENSUS),  # a block decides at once
        ([v("a1", S), v("b1", S)], False, Outcome.OPEN),
        ([v("x9", B, "not a decider"), v("a1", S), v("b1", S)], True, Outcome.FULL),
    ],
)
def test_outcomes(votes: list[Vote], closed: bool, outcome: Outcome) -> None:
    assert verdict(votes, DECIDERS, PARTNERS, closed=closed).outcome is outcome


def test_an_awaited_partner_is_named() -> None:
    assert verdict([v("a1", S)], DECIDERS, PARTNERS, closed=True).awaiting == ("Beta",)


def test_qualified_consensus_lists_the_concerns_as_assumptions_once_each() -> None:
    result = verdict([v("a1", A, "CMC capacity"), v("a2", W, "CMC capacity"), v("b1", A, "FX rate"), v("b2", S)], DECIDERS, PARTNERS, closed=True)
    assert result.outcome is Outcome.QUALIFIED
    assert result.assumptions == ("CMC capacity", "FX rate")


def test_blocks_carry_their_concerns() -> None:
    assert verdict([v("b1", B, "IP terms")], DECIDERS, PARTNERS, closed=True).blocking_concerns == ("IP terms",)


def test_tally_per_partner_and_who_has_not_voted() -> None:
    result = tally([v("a1", S), v("b1", A, "x"), v("b2", B, "y"), v("zz", S)], DECIDERS, PARTNERS)
    assert result.overall.count(S) == 1 and result.overall.total == 3  # zz is not a decider
    alpha, beta = result.by_partner
    assert (alpha.partner, alpha.count(S), alpha.total) == ("Alpha", 1, 1)
    assert (beta.count(A), beta.count(B)) == (1, 1)
    assert result.not_voted == ("a2",)


def test_a_decider_no_partner_claims_is_counted_apart() -> None:
    result = tally([Vote("c1", None, S)], ("c1",), PARTNERS)
    assert [p.partner for p in result.by_partner] == ["Alpha", "Beta", None]


@pytest.mark.parametrize(("level", "concern", "kept"), [(S, "ignored", None), (A, "  ", None), (A, " cost ", "cost"), (W, "t", "t"), (B, "IP", "IP")])
def test_concerns(level: Level, concern: str, kept: str | None) -> None:
    assert check_vote(level, concern) == kept


def test_a_block_without_a_concern_is_refused() -> None:
    with pytest.raises(UserError):
        check_vote(B, "   ")
    with pytest.raises(UserError):
        check_vote(A, "x" * 2001)


def test_everyone_voted() -> None:
    assert not everyone_voted([], [])
    assert not everyone_voted([v("a1", S)], DECIDERS)
    assert everyone_voted([v(d, S) for d in DECIDERS], DECIDERS)


def test_elapsed_spans_all_rounds() -> None:
    t0 = datetime(2026, 11, 2, 9, tzinfo=timezone.utc)
    rounds = [RoundSpan(1, t0, t0 + timedelta(days=3)), RoundSpan(2, t0 + timedelta(days=4))]
    assert elapsed(rounds, t0 + timedelta(days=6)) == timedelta(days=6)
    assert elapsed([], t0) == timedelta(0)


votes_strategy = st.lists(st.builds(v, st.sampled_from(DECIDERS), st.sampled_from(list(Level)), st.just("c")), unique_by=lambda x: x.voter_id)


@given(votes_strategy)
def test_properties(votes: list[Vote]) -> None:
    closed = verdict(votes, DECIDERS, PARTNERS, closed=True)
    if any(x.level is B for x in votes):
        assert closed.outcome is Outcome.NO_CONSENSUS
    if closed.outcome in (Outcome.FULL, Outcome.QUALIFIED):
        assert {x.partner for x in votes} >= set(PARTNERS)  # both partners agreed
        assert not any(x.level is B for x in votes)
    if closed.outcome is Outcome.FULL:
        assert all(x.level is S for x in votes)
    result = tally(votes, DECIDERS, PARTNERS)
    assert result.overall.total == len(votes) == sum(p.total for p in result.by_partner)
    assert len(result.not_voted) + len(votes) == len(DECIDERS)


def test_a_new_decisions_form_is_checked_field_by_field() -> None:
    from bot.domain.consensus import Proposal, check_start
    from bot.domain.errors import FormErrors

    now = datetime(2026, 11, 23, 9, tzinfo=timezone.utc)
    ok = check_start(Proposal("  Go  ", " ", "https://x.example/pre", now + timedelta(days=2), True, ("U1",)), now)
    assert (ok.text, ok.background, ok.deadline, ok.auto_close) == ("Go", None, now + timedelta(days=2), True)
    with pytest.raises(FormErrors) as caught:
        check_start(Proposal("", None, "ftp://x", now + timedelta(minutes=5)), now)
    assert set(caught.value.errors) == {"proposal", "preread", "deadline"}
    with pytest.raises(FormErrors):
        check_start(Proposal("Go", deadline=now + timedelta(days=400)), now)


def test_reminders_fall_24h_and_1h_before_where_the_deadline_allows() -> None:
    from bot.domain.consensus_times import reminder_times

    now = datetime(2026, 11, 23, 9, tzinfo=timezone.utc)
    assert [label for label, _ in reminder_times(now + timedelta(days=3), now)] == ["24h", "1h"]
    assert [label for label, _ in reminder_times(now + timedelta(hours=5), now)] == ["1h"]
    assert reminder_times(now + timedelta(minutes=30), now) == [] and reminder_times(None, now) == []


@pytest.mark.parametrize(
    ("zone", "utc_hour", "expected_local_hour"),
    [("Asia/Tokyo", 18, 19), ("Asia/Tokyo", 2, 11), ("America/New_York", 5, 19), ("Europe/Zurich", 12, 13), (None, 3, 3)],
)
def test_reminders_move_into_the_recipients_waking_hours(zone: str | None, utc_hour: int, expected_local_hour: int) -> None:
    from bot.domain import tz
    from bot.domain.consensus_times import sane_hour

    now = datetime(2026, 11, 23, 0, tzinfo=timezone.utc)
    at = datetime(2026, 11, 24, utc_hour, tzinfo=timezone.utc)
    moved = sane_hour(at, zone, now=now, deadline=at + timedelta(hours=24))
    assert now < moved < at + timedelta(hours=24)
    assert moved.astimezone(tz.zone(zone or "UTC")).hour == expected_local_hour


def test_assumptions_are_read_one_per_line_and_reviewed_at_nine_in_the_alliances_zone() -> None:
    from datetime import date

    from bot.domain.consensus import Decision, DecisionStatus
    from bot.domain.consensus_times import check_assumptions

    t0 = datetime(2026, 11, 23, 9, tzinfo=timezone.utc)
    decided = Decision(1, "C1", "a1", DecisionStatus.CLOSED, Outcome.QUALIFIED, "1.1", "1.1", PARTNERS, (("a1", "Alpha"),), 1, "P",
                       (RoundSpan(1, t0, t0),), ())
    lines, review_at = check_assumptions(decided, "• CMC capacity\n\n- FX rate\nCMC capacity", date(2027, 3, 29), "Europe/Zurich", t0)
    assert lines == ("CMC capacity", "FX rate")
    assert review_at == datetime(2027, 3, 29, 7, tzinfo=timezone.utc)  # 09:00 CEST, just after the EU change
    with pytest.raises(UserError):
        check_assumptions(decided, "  ", None, "UTC", t0)
    with pytest.raises(UserError):
        check_assumptions(decided, "x", date(2026, 11, 1), "UTC", t0)
    from dataclasses import replace
    with pytest.raises(UserError):
        check_assumptions(replace(decided, outcome=Outcome.NO_CONSENSUS), "x", None, "UTC", t0)


def test_anonymous_votes_count_without_voters_and_ballots_say_who_voted() -> None:
    from bot.domain.consensus import ANONYMOUS

    votes = [Vote(ANONYMOUS, "Alpha", Level.SUPPORT), Vote(ANONYMOUS, "Beta", Level.BLOCK, "IP")]
    counted = tally(votes, ["a1", "a2", "b1"], ["Alpha", "Beta"], voted_ids=["a2", "b1"])
    assert (counted.overall.total, counted.not_voted) == (2, ("a1",))
    assert verdict(votes, ["a1", "a2", "b1"], ["Alpha", "Beta"], closed=True).blocking_concerns == ("IP",)


MANY = tuple(f"{p}{i}" for p in "ab" for i in range(5))


@given(st.lists(st.builds(v, st.sampled_from(MANY), st.sampled_from(list(Level))), unique_by=lambda x: x.voter_id),
       st.booleans(), st.booleans())
def test_what_an_anonymous_round_discloses_never_singles_out_a_vote(votes: list[Vote], anonymous: bool, running: bool) -> None:
    from bot.domain.disclosure import MIN_ANONYMOUS_GROUP, disclosure, sealed

    counted = tally(votes, MANY, PARTNERS)
    shown = disclosure(counted, anonymous=anonymous, running=running)
    if not anonymous:
        assert shown.levels and shown.by_partner and shown.concerns
        return
    assert sealed(anonymous, running=running) is running
    if running:  # nothing of the levels while the round runs, whatever the counts
        assert not (shown.levels or shown.by_partner or shown.concerns)
        return
    assert shown.concerns
    assert shown.levels is (counted.overall.total == 0 or counted.overall.total >= MIN_ANONYMOUS_GROUP)
    if shown.by_partner:
        assert shown.levels and all(g.total == 0 or g.total >= MIN_ANONYMOUS_GROUP for g in counted.by_partner)
