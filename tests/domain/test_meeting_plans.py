"""From a meeting request to the proposal shown in Slack: options, everyone's pain, the ledger carried in."""
from __future__ import annotations

from datetime import date, time

from bot.domain.meeting_plans import propose
from bot.domain.meeting_requests import MeetingRequest
from bot.domain.meetings import Recurrence, WorkingHours

HOURS = {"UBOS": WorkingHours("UBOS", "America/New_York"), "UBSL": WorkingHours("UBSL", "Europe/Zurich"),
         "UTYO": WorkingHours("UTYO", "Asia/Tokyo")}


def request(count: int = 1, recurrence: Recurrence = Recurrence.NONE) -> MeetingRequest:
    return MeetingRequest("JSC", tuple(HOURS), 50, date(2027, 3, 3), time(0), 24 * 60, recurrence, count)


def test_a_single_meeting_offers_distinct_options_best_first_with_everyones_pain() -> None:
    proposal = propose(request(), HOURS, {}, "UBOS")
    slots = proposal.slots
    assert 2 <= len(slots) <= 4 and len({s.starts[0] for s in slots}) == len(slots)
    assert [s.max_cum_qp for s in slots] == sorted(s.max_cum_qp for s in slots)
    assert all(set(s.pain_qp) == set(HOURS) and all(band in ("work", "shoulder", "early_late", "night")
                                                    for bands in s.bands.values() for band in bands) for s in slots)
    assert all(s.starts[0].date() == date(2027, 3, 3) for s in slots)


def test_pain_already_carried_shifts_the_burden_to_the_others() -> None:
    fresh = propose(request(), HOURS, {}, "UBOS").slots[0]
    tokyo_carried = propose(request(), HOURS, {"UTYO": 40}, "UBOS")
    best = tokyo_carried.slots[0]
    assert tokyo_carried.ledger_before == {"UTYO": 40}
    assert best.pain_qp["UTYO"][0] <= fresh.pain_qp["UTYO"][0]


def test_a_series_offers_the_rotation_first_and_fixed_times_for_comparison() -> None:
    proposal = propose(request(6, Recurrence.WEEKLY), HOURS, {}, "UBOS")
    rotation, *fixed = proposal.slots
    assert rotation.rotating and len(rotation.starts) == 6
    assert all(not f.rotating for f in fixed)
    assert all(rotation.max_cum_qp <= f.max_cum_qp for f in fixed)
    # Three people over six weeks: the exact path proves the rotation, and the proposal says so.
    assert "No other schedule of this series keeps the worst cumulative pain lower" in proposal.summary


def test_a_single_meeting_claims_no_proof() -> None:
    assert "checked exhaustively" not in propose(request(), HOURS, {}, "UBOS").summary
