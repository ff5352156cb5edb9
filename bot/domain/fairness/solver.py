"""The planner: best distinct slots for one meeting, and a fair rotation for a series (lexicographic max_cum, total).

Interchangeable people (same zone, hours, days, limits and carried pain) form one class, and
occurrences whose candidate starts score identically form one group, so a series becomes the
aggregated integer programme of MEETING-FAIRNESS.md: how many occurrences of each group use each
non-dominated pain vector. A greedy start is improved by local search on those counts and a
smoothed-max squeeze; a small series (at most 12 classes and 16 occurrences) is then solved exactly
by a DP over cumulative vectors, or, when that runs out of its budget, improved a few occurrences at
a time by the same DP and tried again. The counts are laid out in date order keeping the running
ledger balanced.

Every budget is counted in work (`Work`), never in seconds, so the same input gives the same plan
on any machine, however fast or busy; only the time it takes varies.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain import tz
from bot.domain.errors import UserError
from bot.domain.fairness.exact import (
    EXACT_MAX_CLASSES,
    EXACT_MAX_OCCURRENCES,
    NoWorkLeft,
    exact_counts,
    neighbourhoods,
)
from bot.domain.fairness.local_search import SQUEEZE_WORK, improve, pareto
from bot.domain.fairness.model import (
    BANDS,
    Participant,
    PersonTime,
    PlannedOccurrence,
    Problem,
    SeriesPlan,
    SlotOption,
    Track,
)
from bot.domain.fairness.pain import Table, build_tables, person_classes
from bot.domain.fairness.work import Vector, Work

# Work budgets, in units of `Work` (one unit is one elementary step of a search, see there).
EXACT_FIRST_WORK = 1_200_000  # the first try; after a neighbourhood search it gets what is left
NEIGHBOURHOOD_WORK = 400_000
SMALL_PLAN_WORK = 1_800_000  # everything a small series' plan_series may spend, both passes of track A included



@dataclass
class Prepared:
    """A problem turned into class-level tables."""

    problem: Problem
    profiles: list[Participant]
    profile_of: list[int]
    tables: list[Table]


def prepare(problem: Problem) -> Prepared:
    """Score every candidate start of every occurrence for every kind of person."""
    profiles, profile_of = person_classes(problem.participants)
    return Prepared(problem, profiles, profile_of, build_tables(problem, profiles))


def _allowed(prepared: Prepared, k: int, track: Track) -> tuple[int, ...]:
    allowed = prepared.tables[k].allowed(track is Track.B)
    if not allowed:
        raise UserError(f"occurrence {k} has no start that everyone can make (hard limits block the whole window)",
                        field=f"occurrences[{k}]")
    return allowed


def person_time(prepared: Prepared, k: int, index: int) -> SlotOption:
    """The slot at `index` of occurrence `k` with every participant's local time and pain."""
    problem = prepared.problem
    slot = prepared.tables[k].slots[index]
    end = slot.start + timedelta(minutes=problem.duration_min)
    people = []
    for person, profile in zip(problem.participants, prepared.profile_of):
        here = tz.zone(person.tz)
        people.append(PersonTime(person.id, slot.start.astimezone(here), end.astimezone(here),
                                 slot.pains[profile], BANDS[slot.worst[profile]]))
    return SlotOption(slot.start, end, tuple(people))


def propose_slots(problem: Problem, *, track: Track = Track.B, carried_qp: Mapping[str, int] | None = None,
                  count: int = 3, min_separation_min: int = 60, occurrence: int = 0) -> list[SlotOption]:
    """The best `count` starts of one occurrence, at least `min_separation_min` apart, best first.

    Ranked by the series objective applied to this meeting: the largest pain anyone would then
    carry (their `carried_qp` plus this meeting), then the total, then the earlier start.
    """
    prepared = prepare(problem)
    carried = _carried(problem, carried_qp)
    table = prepared.tables[occurrence]
    base = [carried[person.id] for person in problem.participants]

    def key(index: int) -> tuple[int, int, datetime]:
        pains = [table.slots[index].pains[c] for c in prepared.profile_of]
        return (max(b + p for b, p in zip(base, pains)), sum(pains), table.slots[index].start)

    chosen: list[int] = []
    gap = timedelta(minutes=min_separation_min)
    for index in sorted(_allowed(prepared, occurrence, track), key=key):
        start = table.slots[index].start
        if all(abs(start - table.slots[other].start) >= gap for other in chosen):
            chosen.append(index)
            if len(chosen) == count:
                break
    return [person_time(prepared, occurrence, index) for index in chosen]


def _carried(problem: Problem, carried_qp: Mapping[str, int] | None) -> dict[str, int]:
    carried = {person.id: 0 for person in problem.participants}
    for person_id, value in (carried_qp or {}).items():
        if person_id in carried:
            if value < 0:
                raise UserError(f"carried pain of {person_id} cannot be negative", field="carried_qp")
            carried[person_id] = int(value)
    return carried


def plan_series(problem: Problem, *, track: Track = Track.B, carried_qp: Mapping[str, int] | None = None,
                fixed: Mapping[int, datetime] | None = None) -> SeriesPlan:
    """One start per occurrence minimising max cumulative pain, then total; `fixed` occurrences are kept.

    Online use: pass the occurrences already held in `fixed` (and earlier series' pain in
    `carried_qp`); the rest is re-planned from the pain already carried.
    """
    prepared = prepare(problem)
    carried, held = _carried(problem, carried_qp), dict(fixed or {})
    work = Work(SMALL_PLAN_WORK)
    plan = _plan(prepared, track, carried, held, work)
    if track is Track.A and not plan.optimal:
        # Track B's schedules are track A schedules too; the search can land on a better one from there.
        # A small series' second pass only gets what is left of its budget, so it stays fast.
        try:
            night_free = _plan(prepared, Track.B, carried, held, work, optional=True)
        except NoWorkLeft:
            return plan
        if (night_free.max_cum_qp, night_free.total_qp) < (plan.max_cum_qp, plan.total_qp):
            plan = SeriesPlan(Track.A, night_free.occurrences, night_free.ledger_qp, night_free.carried_qp, False, False)
    return plan


def plan_online(problem: Problem, *, track: Track = Track.B, carried_qp: Mapping[str, int] | None = None) -> SeriesPlan:
    """Fix the occurrences one at a time in date order, as the scheduler does when it posts each proposal:
    every step re-plans the rest from the pain already carried (earlier occurrences held) and commits one."""
    prepared = prepare(problem)
    carried = _carried(problem, carried_qp)
    fixed: dict[int, datetime] = {}
    for k in range(len(problem.windows)):
        fixed[k] = _plan(prepared, track, carried, dict(fixed)).occurrences[k].slot.start_utc
    return _plan(prepared, track, carried, fixed)


def _ledger(prepared: Prepared, carried: dict[str, int], fixed: Mapping[int, datetime]) -> dict[str, int]:
    ledger = dict(carried)
    for k, start in fixed.items():
        slot = prepared.tables[k].slots[_index_of(prepared, k, start)]
        for person, profile in zip(prepared.problem.participants, prepared.profile_of):
            ledger[person.id] += slot.pains[profile]
    return ledger


def _index_of(prepared: Prepared, k: int, start: datetime) -> int:
    for index, slot in enumerate(prepared.tables[k].slots):
        if slot.start == start:
            if not slot.feasible:
                raise UserError(f"fixed start {start:%Y-%m-%dT%H:%MZ} of occurrence {k} breaks someone's hard limit",
                                field=f"fixed[{k}]")
            return index
    raise UserError(f"fixed start of occurrence {k} is not a candidate start of its window", field=f"fixed[{k}]")


def _plan(prepared: Prepared, track: Track, carried: dict[str, int], fixed: dict[int, datetime],
          work: Work | None = None, optional: bool = False) -> SeriesPlan:
    """`work`: what a small series may still spend (SMALL_PLAN_WORK when None); larger series only
    spend SQUEEZE_WORK on their squeeze."""
    problem = prepared.problem
    if work is None:
        work = Work(SMALL_PLAN_WORK)
    for k in fixed:
        if not 0 <= k < len(prepared.tables):
            raise UserError(f"fixed occurrence {k} does not exist", field="fixed")
    # Solver classes: same profile and same carried pain.
    key_of = [(profile, carried[person.id]) for person, profile in zip(problem.participants, prepared.profile_of)]
    keys = sorted(set(key_of))
    class_index = {key: i for i, key in enumerate(keys)}
    sizes = [0] * len(keys)
    for key in key_of:
        sizes[class_index[key]] += 1
    profile_cols = [profile for profile, _ in keys]
    base = [value for _, value in keys]
    choice: dict[int, int] = {k: _index_of(prepared, k, start) for k, start in fixed.items()}
    for k, index in choice.items():
        pains = prepared.tables[k].slots[index].pains
        base = [b + pains[c] for b, c in zip(base, profile_cols)]
    free = [k for k in range(len(prepared.tables)) if k not in fixed]
    groups: dict[tuple[object, ...], list[int]] = {}
    options: dict[tuple[object, ...], dict[Vector, int]] = {}
    for k in free:
        table = prepared.tables[k]
        allowed = _allowed(prepared, k, track)
        vectors: dict[Vector, int] = {}
        for index in allowed:
            vectors.setdefault(tuple(table.slots[index].pains[c] for c in profile_cols), index)
        group = tuple(vectors.items())
        groups.setdefault(group, []).append(k)
        options.setdefault(group, vectors)
    group_keys = list(groups)
    vector_lists = [pareto(list(options[group]), sizes) for group in group_keys]
    multiplicity = [len(groups[group]) for group in group_keys]
    small = len(base) <= EXACT_MAX_CLASSES and sum(multiplicity) <= EXACT_MAX_OCCURRENCES
    if optional and small and work.spent:
        raise NoWorkLeft  # a second opinion the small series has no budget left for
    # The heuristic first; a small series then goes to the exact DP with its result as the bound (the
    # better the bound, the fewer states), all within the series' budget.
    counts = improve(base, sizes, vector_lists, multiplicity, work.share(SQUEEZE_WORK) if small else SQUEEZE_WORK)
    exact = None
    if small:
        exact = exact_counts(base, sizes, vector_lists, multiplicity, counts, work.share(EXACT_FIRST_WORK))
        if exact is None:
            # Re-solving a few occurrences at a time exactly tightens the bound; then the DP tries again with it.
            counts = neighbourhoods(base, sizes, vector_lists, counts, work.share(NEIGHBOURHOOD_WORK))
            exact = exact_counts(base, sizes, vector_lists, multiplicity, counts, work)
    if exact is not None:
        counts = exact.counts
    # Lay the counts out in date order: each occurrence takes, from what its group has left, the
    # vector keeping the running ledger most balanced.
    left = [dict(c) for c in counts]
    group_of = {k: g for g, key in enumerate(group_keys) for k in groups[key]}
    running = [carried_value for _, carried_value in keys]
    for k in range(len(prepared.tables)):
        if k in choice:
            pains = prepared.tables[k].slots[choice[k]].pains
            running = [r + pains[c] for r, c in zip(running, profile_cols)]
            continue
        g = group_of[k]
        best = min((v for v, n in left[g].items() if n > 0),
                   key=lambda v: (max(r + p for r, p in zip(running, v)), sum(s * (r + p) for s, r, p in zip(sizes, running, v))))
        left[g][best] -= 1
        running = [r + p for r, p in zip(running, best)]
        choice[k] = options[group_keys[g]][best]
    return _series(prepared, track, carried, choice, fixed, optimal=exact is not None and exact.max_cum_optimal)


def _series(prepared: Prepared, track: Track, carried: dict[str, int], choice: dict[int, int], fixed: dict[int, datetime],
            optimal: bool = False) -> SeriesPlan:
    ledger = dict(carried)
    planned = []
    for k in range(len(prepared.tables)):
        slot = person_time(prepared, k, choice[k])
        for person in slot.people:
            ledger[person.participant_id] += person.pain_qp
        planned.append(PlannedOccurrence(k, slot, dict(ledger), k in fixed))
    bites = track is Track.B and any(table.night_rule_bites() for table in prepared.tables)
    return SeriesPlan(track, tuple(planned), ledger, dict(carried), bites, optimal)
