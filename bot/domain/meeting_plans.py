"""The bridge from a meeting request to the fair-slot solver (`bot.domain.fairness`).

A single meeting gets the solver's best 2–4 starts. A series gets the fair rotation first, then
the best fixed wall-clock times in the organiser's zone (what a calendar invite would do), so the
organiser sees what the rotation saves. The result is a `MeetingProposal` (storage keeps it as versioned JSON).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta

from bot.domain import tz
from bot.domain.errors import UserError
from bot.domain.fairness import Participant, Problem, SeriesPlan, SlotOption, Track, Window, plan_series, propose_slots
from bot.domain.meeting_requests import MeetingRequest
from bot.domain.meetings import MeetingProposal, ProposedSlot, WorkingHours
from bot.domain.recurrence import local_instant

SINGLE_OPTIONS = 3
FIXED_OPTIONS = 2


def problem_for(request: MeetingRequest, hours: Mapping[str, WorkingHours], organizer: str) -> Problem:
    """The solver's input: each person's zone and hours, one window per occurrence."""
    people = tuple(Participant(u, hours[u].tz, hours[u].work_start, hours[u].work_end, hours[u].workdays, hours[u].never)
                   for u in request.participant_ids if u in hours)
    windows = tuple(Window(start, end) for start, end in request.windows())
    return Problem(people, windows, duration_min=request.duration_minutes, organizer=organizer if organizer in hours else None)


def _slot(starts: list[datetime], people_by_k: list[SlotOption], carried: Mapping[str, int], rotating: bool) -> ProposedSlot:
    pain: dict[str, list[int]] = {}
    bands: dict[str, list[str]] = {}
    for option in people_by_k:
        for person in option.people:
            pain.setdefault(person.participant_id, []).append(int(person.pain_qp))
            bands.setdefault(person.participant_id, []).append(str(person.worst_band))
    cumulative = {u: int(carried.get(u, 0)) + sum(v) for u, v in pain.items()}
    return ProposedSlot(tuple(s.astimezone(tz.UTC) for s in starts), {u: tuple(v) for u, v in pain.items()},
                        {u: tuple(v) for u, v in bands.items()}, rotating, max(cumulative.values(), default=0),
                        sum(sum(v) for v in pain.values()))


def _from_plan(plan: SeriesPlan, carried: Mapping[str, int], rotating: bool) -> ProposedSlot:
    return _slot([o.slot.start_utc for o in plan.occurrences], [o.slot for o in plan.occurrences], carried, rotating)


def _fixed_starts(problem: Problem, first: datetime, zone: str) -> dict[int, datetime] | None:
    """The same wall clock as `first` in `zone` for every occurrence, where each lands in its window."""
    here = tz.zone(zone)
    clock = first.astimezone(here).time().replace(tzinfo=None)
    fixed: dict[int, datetime] = {}
    for k, window in enumerate(problem.windows):
        day: date = window.start.astimezone(here).date()
        found = [s for s in (local_instant(day + timedelta(days=d), clock, zone) for d in (-1, 0, 1)) if window.start <= s < window.end]
        if not found:
            return None
        fixed[k] = found[0]
    return fixed


def propose(request: MeetingRequest, hours: Mapping[str, WorkingHours], ledger: Mapping[str, int], organizer: str) -> MeetingProposal:
    """The proposal to store and show: 2–4 options with each person's pain per occurrence, and the summary."""
    problem = problem_for(request, hours, organizer)
    carried = {u: int(qp) for u, qp in ledger.items() if u in request.participant_ids}
    proven = False
    if request.count == 1:
        options = [_slot([o.start_utc], [o], carried, False)
                   for o in propose_slots(problem, track=Track.B, carried_qp=carried, count=SINGLE_OPTIONS + 1)]
    else:
        rotation = plan_series(problem, track=Track.B, carried_qp=carried)
        proven = rotation.optimal
        options = [_from_plan(rotation, carried, True)]
        zone = hours[organizer].tz if organizer in hours else "UTC"
        # The solver prepares every candidate of every window per call: ask about the first window
        # alone, and score each fixed time as a series whose windows hold just that start.
        first_only = replace(problem, windows=problem.windows[:1])
        for first in propose_slots(first_only, track=Track.B, carried_qp=carried, count=SINGLE_OPTIONS):
            fixed = _fixed_starts(problem, first.start_utc, zone)
            if fixed is None:
                continue
            step = timedelta(minutes=problem.granularity_min)
            pinned = replace(problem, windows=tuple(Window(fixed[k], fixed[k] + step) for k in range(len(problem.windows))))
            try:
                # One candidate per window: track B cannot forbid it (no night-free slot exists beside it).
                plan = plan_series(pinned, track=Track.B, carried_qp=carried)
            except UserError:
                continue  # someone's hard limit rules this fixed time out on some occurrence
            option = _from_plan(plan, carried, False)
            if option.starts != options[0].starts and len(options) <= FIXED_OPTIONS:
                options.append(option)
        if len(options) < 2:
            # No fixed time fits every window: offer the pure objective (track A) as the alternative, if it differs.
            alternative = _from_plan(plan_series(problem, track=Track.A, carried_qp=carried), carried, True)
            if alternative.starts != options[0].starts:
                options.append(alternative)
    if not options:
        raise UserError("No start in that window works for everyone's hard limits. Widen the window or pick another day.",
                        field="window_start")
    # Best first by the official objective (worst cumulative pain, then total); the rotation leads a series.
    options = options[:1] + sorted(options[1:], key=lambda o: (o.max_cum_qp, o.total_qp)) if request.count > 1 else options
    options = options[:4]
    summary = ("Options are ranked by the largest pain anyone would carry, then the total; nobody is put in their night "
               "hours when some slot avoids it.")
    fixed_options = [o for o in options if not o.rotating]
    if options[0].rotating and fixed_options:
        best_fixed = min(o.max_cum_qp for o in fixed_options)
        rotated = options[0].max_cum_qp
        if best_fixed > rotated:
            summary += (f" The rotation keeps the worst cumulative pain at {rotated / 4:g} points, against {best_fixed / 4:g} "
                        f"at the best fixed time ({100 * (best_fixed - rotated) / best_fixed:.0f}% less).")
    if proven:
        summary += " No other schedule of this series keeps the worst cumulative pain lower (checked exhaustively)."
    if carried:
        summary += " Pain already carried in this alliance counts."
    return MeetingProposal(tuple(options), carried, summary, "B")


def pain_at(start: datetime, participant_ids: tuple[str, ...], hours: Mapping[str, WorkingHours], duration: int) -> dict[str, int]:
    """Each person's pain (quarter-points) for a meeting at `start`, e.g. one moved by hand.

    Hard limits are left out on purpose: the organiser chose this time, and the ledger records
    what people carry at it.
    """
    people = tuple(Participant(u, hours[u].tz, hours[u].work_start, hours[u].work_end, hours[u].workdays)
                   for u in participant_ids if u in hours)
    if not people:
        return {}
    problem = Problem(people, (Window(start, start + timedelta(minutes=15)),), duration_min=duration)
    found = propose_slots(problem, track=Track.A, count=1)
    return {p.participant_id: int(p.pain_qp) for p in found[0].people} if found else {}
