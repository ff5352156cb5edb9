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

from collections.abc import Callable, Mapping, Sequence
import itertools
import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytz

from bot.domain.errors import UserError
from bot.domain.fairness.model import BANDS, Participant, PersonTime, PlannedOccurrence, Problem, SeriesPlan, SlotOption, Track
from bot.domain.fairness.pain import Table, build_tables, person_classes

Vector = tuple[int, ...]

# The exact path: series this small go to the DP, which gives up past these many states or work units.
EXACT_MAX_CLASSES = 12
EXACT_MAX_OCCURRENCES = 16
EXACT_MAX_STATES = 60_000
GROWN_MAX_STATES = 8 * EXACT_MAX_STATES  # before the dominance filter
DP_SETUP_UNITS = 256  # what any DP call costs beyond its vectors' fields
# Work budgets, in units of `Work` (one unit is one elementary step of a search, see there).
EXACT_MAX_WORK = 1_800_000
EXACT_FIRST_WORK = 1_200_000  # the first try; after a neighbourhood search it gets what is left
NEIGHBOURHOOD_WORK = 400_000
SMALL_PLAN_WORK = 1_800_000  # everything a small series' plan_series may spend, both passes of track A included


class Work:
    """A budget of work, counted in units that each take about the same time (0.1–0.3 µs on the 2-core
    machine of docs/benchmarks.md): in the exact DP, one state grown by one vector, one state through
    one axis of the dominance filter, and half a unit per field and class of each vector it sets up;
    in the squeeze, one coordinate of one candidate move weighed; in the neighbourhood search, one per
    occurrence per try besides its DPs. Never seconds: the same input gives the same plan on any
    machine, however fast or busy it is.

    `share(units)` is a part of this budget for one phase: at most `units`, and never more than is left
    here; what the part spends is spent here too."""

    __slots__ = ("left", "_parent")

    def __init__(self, units: int, parent: Work | None = None) -> None:
        self.left: int = units if parent is None else min(units, parent.left)
        self._parent = parent

    @classmethod
    def of(cls, budget: int | Work) -> Work:
        """`budget` itself when it is a Work, else a fresh budget of that many units."""
        return budget if isinstance(budget, Work) else cls(budget)

    def share(self, units: int) -> Work:
        """A part of this budget of at most `units`."""
        return Work(units, self)

    def spend(self, units: int) -> bool:
        """Spend `units`; whether the budget still holds (False once it has run out)."""
        work: Work | None = self
        while work is not None:
            work.left -= units
            work = work._parent
        return self.left >= 0

    @property
    def spent(self) -> bool:
        """Nothing is left."""
        return self.left <= 0


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
        tz = pytz.timezone(person.tz)
        people.append(PersonTime(person.id, slot.start.astimezone(tz), end.astimezone(tz),
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




class NoWorkLeft(Exception):
    """An optional pass of a small series found its work budget already spent."""


class GaveUp(Exception):
    """The exact DP ran past its work or state budget (not: there is no solution)."""


@dataclass
class Exact:
    """What the exact path established: the counts to use, and how far they are proven."""

    counts: list[dict[Vector, int]]
    max_cum_optimal: bool  # no schedule has a smaller max_cum
    optimal: bool  # and none with that max_cum has a smaller total


def exact_counts(base: list[int], sizes: list[int], vector_lists: list[list[Vector]], multiplicity: list[int],
                 heuristic: list[dict[Vector, int]], budget: int | Work = EXACT_MAX_WORK) -> Exact | None:
    """Small series solved exactly from the heuristic's result H, within `budget` (work units): first the
    DP under max_cum <= H - 1 (cheap: few states fit), whose best state is the optimum whenever it finds
    one; when none fits, H's max_cum is optimal and the DP under <= H then looks for the least total.
    None when the first step gives up (past EXACT_MAX_STATES or the budget)."""
    work = Work.of(budget)
    upper = max(_cum_of(base, heuristic))
    try:
        better = _dp(base, sizes, vector_lists, multiplicity, upper - 1, work)
    except GaveUp:
        return None
    if better is not None:
        return Exact(better, True, True)
    try:
        best = _dp(base, sizes, vector_lists, multiplicity, upper, work)
    except GaveUp:
        return Exact(heuristic, True, False)
    return Exact(best or heuristic, True, best is not None)


NEIGHBOURHOOD_SIZE = 5
NEIGHBOURHOOD_PATIENCE = 50  # tries in a row that change nothing before the search stops


def neighbourhoods(base: list[int], sizes: list[int], vector_lists: list[list[Vector]], counts: list[dict[Vector, int]],
                   budget: int | Work, size: int = NEIGHBOURHOOD_SIZE) -> list[dict[Vector, int]]:
    """Large-neighbourhood search for a series the exact DP cannot finish: free `size` occurrences (one
    that loads someone at the top, the rest at random), re-solve just those exactly with the DP under
    the current max_cum, keep the result when (max_cum, total) improves; until `budget` (work units:
    the DPs' own and one per occurrence per try) is spent or NEIGHBOURHOOD_PATIENCE tries in a row
    change nothing. Seeded: the same series gives the same plan."""
    work = Work.of(budget)
    rng = random.Random(0)
    counts = [dict(c) for c in counts]
    units = [(g, v) for g, c in enumerate(counts) for v, m in c.items() for _ in range(m)]
    if len(units) <= size:
        return counts
    cum = _cum_of(base, counts)
    best, stale = _official(cum, sizes), 0
    while stale < NEIGHBOURHOOD_PATIENCE and work.spend(len(units)):
        top = max(cum)
        loaded = [i for i, (_, v) in enumerate(units) if any(v[c] for c in range(len(cum)) if cum[c] == top)]
        first = rng.choice(loaded) if loaded else rng.randrange(len(units))
        freed = {first, *rng.sample([i for i in range(len(units)) if i != first], size - 1)}
        rest = list(cum)
        for i in freed:
            rest = [r - p for r, p in zip(rest, units[i][1])]
        groups = sorted({units[i][0] for i in freed})
        multiplicity = [sum(1 for i in freed if units[i][0] == g) for g in groups]
        try:
            found = _dp(rest, sizes, [vector_lists[g] for g in groups], multiplicity, top, work)
        except GaveUp:
            break
        new_cum = _cum_of(rest, found) if found is not None else cum
        value = _official(new_cum, sizes)
        if found is None or value >= best:
            stale += 1
            continue
        kept = [u for i, u in enumerate(units) if i not in freed]
        units = kept + [(groups[j], v) for j, sub in enumerate(found) for v, m in sub.items() for _ in range(m)]
        cum, best, stale = new_cum, value, 0
    result: list[dict[Vector, int]] = [dict.fromkeys(vectors, 0) for vectors in vector_lists]
    for g, v in units:
        result[g][v] += 1
    return result


def _bound_weights(d: int) -> list[tuple[int, ...]]:
    """0/1 weights of the sums the DP also bounds: every class alone, and groups of classes (all of them
    for up to 5 classes; pairs, everyone but one, and everyone beyond). A group of c classes can carry
    at most c * upper between them, which cuts states that each class's own bound lets through."""
    if d <= 5:
        chosen = [subset for size in range(1, d + 1) for subset in itertools.combinations(range(d), size)]
    else:
        chosen = ([(c,) for c in range(d)] + list(itertools.combinations(range(d), 2))
                  + [tuple(x for x in range(d) if x != c) for c in range(d)] + [tuple(range(d))])
    return [tuple(int(c in subset) for c in range(d)) for subset in chosen]


def _dp(base: list[int], sizes: list[int], vector_lists: list[list[Vector]], multiplicity: list[int],
        upper: int, work: Work | None = None) -> list[dict[Vector, int]] | None:
    """The lexicographic optimum when its max_cum is at most `upper`, else None; GaveUp once `work` is
    spent (one unit per state grown by each vector and per state through each axis of the filter, and
    the set-up) or past EXACT_MAX_STATES. States are cumulative vectors, extended by the bounded group
    sums and packed into one integer with a guard bit per field, so growing a state is one addition and
    checking every bound is one subtraction and one mask; a state beaten on one class by another equal
    elsewhere is dropped."""
    d = len(base)
    weights = _bound_weights(d)
    # Big groups first: the bounds on what the rest must still add are then tight sooner.
    order = sorted(range(len(vector_lists)), key=lambda g: (-multiplicity[g], -len(vector_lists[g])))
    stages = [g for g in order for _ in range(multiplicity[g])]

    def fields(v: Sequence[int]) -> list[int]:
        return [sum(x for x, w in zip(v, weight) if w) for weight in weights]

    # Setting up (every vector's fields, packed) costs about half a unit per field and class of each vector.
    if work is not None and not work.spend(DP_SETUP_UNITS + len(weights) * d * sum(map(len, vector_lists)) // 2):
        raise GaveUp
    field_lists = [[fields(v) for v in vectors] for vectors in vector_lists]
    # rest[k][f]: the least field f must still grow from stage k on.
    rest = [[0] * len(weights) for _ in range(len(stages) + 1)]
    for k in range(len(stages) - 1, -1, -1):
        rest[k] = [r + min(fv[f] for fv in field_lists[stages[k]]) for f, r in enumerate(rest[k + 1])]
    limit = [sum(weight) * upper for weight in weights]
    top = max(limit[f] + max((fv[f] for fl in field_lists for fv in fl), default=0) for f in range(len(weights)))
    bits = top.bit_length() + 1
    guard = sum(1 << (bits * f + bits - 1) for f in range(len(weights)))

    def pack(values: Sequence[int]) -> int:
        return sum(value << (bits * f) for f, value in enumerate(values))

    packed = [[pack(fv) for fv in fl] for fl in field_lists]
    root = pack(fields(base))
    if any(b > upper for b in base):
        return None
    field_mask = (1 << bits) - 1
    keep = [sum(field_mask << (bits * c) for c in range(d) if c != axis) for axis in range(d)]
    layers: list[dict[int, tuple[int, int]]] = [{root: (root, -1)}]
    for k, g in enumerate(stages):
        caps = [lim - r for lim, r in zip(limit, rest[k + 1])]
        if min(caps) < 0:
            return None
        # A field fits when its guard bit survives (cap | guard) - state.
        cap = pack(caps) | guard
        grown: dict[int, tuple[int, int]] = {}
        vectors = packed[g]
        layer = layers[-1]
        for n, state in enumerate(layer):
            # Every 256 states: the bounds, and the work of the next (up to) 256 paid in advance.
            if not n & 255 and (len(grown) > GROWN_MAX_STATES
                                or work is not None and not work.spend(min(256, len(layer) - n) * len(vectors))):
                raise GaveUp
            for j, v in enumerate(vectors):
                new = state + v
                if new not in grown and (cap - new) & guard == guard:
                    grown[new] = (state, j)
        survivors: Any = grown.keys()
        for axis in range(d):
            if work is not None and not work.spend(len(survivors)):
                raise GaveUp
            shift, rest_mask = bits * axis, keep[axis]
            best: dict[int, int] = {}
            for state in survivors:
                key = state & rest_mask
                other = best.get(key)
                if other is None or (state >> shift) & field_mask < (other >> shift) & field_mask:
                    best[key] = state
            survivors = best.values()
        if not survivors:
            return None
        if len(survivors) > EXACT_MAX_STATES:
            raise GaveUp
        layers.append({state: grown[state] for state in survivors})

    def unpack(state: int) -> list[int]:
        return [(state >> (bits * c)) & field_mask for c in range(d)]

    state = min(layers[-1], key=lambda st: _official(unpack(st), sizes))
    counts: list[dict[Vector, int]] = [dict.fromkeys(vectors, 0) for vectors in vector_lists]
    for k in range(len(stages), 0, -1):
        previous, j = layers[k][state]
        counts[stages[k - 1]][vector_lists[stages[k - 1]][j]] += 1
        state = previous
    return counts


def _cum_of(base: list[int], counts: list[dict[Vector, int]]) -> list[int]:
    cum = list(base)
    for group in counts:
        for v, m in group.items():
            cum = [c + m * p for c, p in zip(cum, v)]
    return cum


def pareto(vectors: list[Vector], sizes: Sequence[int]) -> list[Vector]:
    """Drop vectors weakly dominated by another (never needed: both objectives are monotone)."""
    ordered = sorted(vectors, key=lambda v: (sum(s * p for s, p in zip(sizes, v)), v))
    kept: list[Vector] = []
    for vector in ordered:
        if not any(all(a <= b for a, b in zip(other, vector)) for other in kept):
            kept.append(vector)
    return kept


def _key(cum: Sequence[int], sizes: Sequence[int]) -> tuple[int, int, int]:
    top = max(cum)
    return (top, sum(s for s, c in zip(sizes, cum) if c == top), sum(s * c for s, c in zip(sizes, cum)))


def _leximin(cum: Sequence[int], sizes: Sequence[int]) -> tuple[object, ...]:
    return (tuple(sorted(cum, reverse=True)), sum(s * c for s, c in zip(sizes, cum)))


def _official(cum: Sequence[int], sizes: Sequence[int]) -> tuple[int, int]:
    return (max(cum), sum(s * c for s, c in zip(sizes, cum)))


def _descend(cum: list[int], counts: list[dict[Vector, int]], vector_lists: list[list[Vector]], sizes: list[int],
             key: Callable[[Sequence[int], Sequence[int]], Any]) -> list[int]:
    """First-improvement single moves (one occurrence of a group to another vector) while `key` improves."""
    n = len(cum)
    current = key(cum, sizes)
    improved = True
    while improved:
        improved = False
        top = max(cum)
        at_top = [i for i in range(n) if cum[i] == top]
        for g, vectors in enumerate(vector_lists):
            for a in [v for v, m in counts[g].items() if m > 0]:
                for b in vectors:
                    # Raising anyone already at the top can never help either key.
                    if b is a or any(b[i] > a[i] for i in at_top):
                        continue
                    trial = [c - x + y for c, x, y in zip(cum, a, b)]
                    value = key(trial, sizes)
                    if value < current:
                        counts[g][a] -= 1
                        counts[g][b] += 1
                        cum, current, improved = trial, value, True
                        break
                if improved:
                    break
            if improved:
                break
    return cum


def _pairs(cum: list[int], counts: list[dict[Vector, int]], vector_lists: list[list[Vector]], sizes: list[int],
           rounds: int = 10, budget: int = 20_000) -> list[int]:
    """Two moves at once: one that relieves everyone at the top, then one that repairs whoever rose instead."""
    for _ in range(rounds):
        current = _official(cum, sizes)
        top = current[0]
        at_top = [i for i, c in enumerate(cum) if c == top]
        moves = [(g, a, b) for g, vectors in enumerate(vector_lists) for a in [v for v, m in counts[g].items() if m > 0]
                 for b in vectors if b is not a]
        relieving = [(g, a, b) for g, a, b in moves if all(b[i] < a[i] for i in at_top)]
        # Bounded work per round: the most relieving first moves only.
        relieving.sort(key=lambda m: max(y - x for x, y in zip(m[1], m[2])))
        relieving = relieving[:max(1, budget // max(1, len(moves)))]
        found = None
        for g, a, b in relieving:
            first = [c - x + y for c, x, y in zip(cum, a, b)]
            risen = [i for i, c in enumerate(first) if c >= top]
            for h, c2, d in moves:
                if (h, c2) == (g, a) and counts[g][a] < 2:
                    continue
                if c2 is not b and counts[h].get(c2, 0) < 1:
                    continue
                if any(d[i] >= c2[i] for i in risen):
                    continue
                second = [c - x + y for c, x, y in zip(first, c2, d)]
                if _official(second, sizes) < current:
                    found = (g, a, b, h, c2, d, second)
                    break
            if found:
                break
        if not found:
            return cum
        g, a, b, h, c2, d, cum = found
        counts[g][a] -= 1
        counts[g][b] += 1
        counts[h][c2] -= 1
        counts[h][d] += 1
    return cum


def _greedy(base: list[int], sizes: list[int], vector_lists: list[list[Vector]], multiplicity: list[int],
            key: Callable[[Sequence[int], Sequence[int]], Any]) -> tuple[list[int], list[dict[Vector, int]]]:
    counts: list[dict[Vector, int]] = [dict.fromkeys(vectors, 0) for vectors in vector_lists]
    cum = list(base)
    # In rounds across groups, so every group sees the ledger as it grows.
    remaining = list(multiplicity)
    while any(remaining):
        for g, vectors in enumerate(vector_lists):
            if remaining[g]:
                best = min(vectors, key=lambda v: key([c + p for c, p in zip(cum, v)], sizes))
                counts[g][best] += 1
                cum = [c + p for c, p in zip(cum, best)]
                remaining[g] -= 1
    return cum, counts


SQUEEZE_WORK = 1_000_000  # work units (one per coordinate of a candidate move) per squeeze
SQUEEZE_TEMPERATURES = (16.0, 8.0, 4.0, 2.0, 1.0)


def _squeeze(cum: list[int], counts: list[dict[Vector, int]], vector_lists: list[list[Vector]], sizes: list[int],
             budget: int | Work) -> tuple[list[int], list[dict[Vector, int]]]:
    """Re-optimise one occurrence at a time against the rest of the series on a smoothed max
    (sum of size * exp((cum - top) / t), a log-sum-exp surrogate of max_cum, for falling t): every
    used vector of every group is replaced by the candidate lowering the surrogate most, until no
    move helps or `budget` is spent (checked after each sweep; one work unit per coordinate of each
    candidate weighed). Keeps the best (max_cum, total) seen, so the result is never worse than the input."""
    work = Work.of(budget)
    best_value, best_cum, best_counts = _official(cum, sizes), list(cum), [dict(c) for c in counts]
    cum, counts = list(cum), [dict(c) for c in counts]
    n = len(cum)
    for t in SQUEEZE_TEMPERATURES:
        improved = True
        while improved and not work.spent:
            improved = False
            top = max(cum)
            e = [s * math.exp((c - top) / t) for s, c in zip(sizes, cum)]
            for g, vectors in enumerate(vector_lists):
                for a in [v for v, m in counts[g].items() if m > 0]:
                    if counts[g][a] <= 0:
                        continue
                    work.spend(len(vectors) * n)
                    best_delta, best_b = -1e-9, None
                    for b in vectors:
                        if b is a:
                            continue
                        delta = 0.0
                        for i in range(n):
                            d = b[i] - a[i]
                            if d:
                                delta += e[i] * (math.exp(d / t) - 1.0)
                        if delta < best_delta:
                            best_delta, best_b = delta, b
                    if best_b is None:
                        continue
                    counts[g][a] -= 1
                    counts[g][best_b] += 1
                    for i in range(n):
                        d = best_b[i] - a[i]
                        if d:
                            cum[i] += d
                            e[i] *= math.exp(d / t)
                    improved = True
                    value = _official(cum, sizes)
                    if value < best_value:
                        best_value, best_cum, best_counts = value, list(cum), [dict(c) for c in counts]
    return best_cum, best_counts


def improve(base: list[int], sizes: list[int], vector_lists: list[list[Vector]], multiplicity: list[int],
            budget: int | Work = SQUEEZE_WORK) -> list[dict[Vector, int]]:
    """Counts per group and vector: greedy starts, local search on (max, people at max, total) and on the
    leximin order, then a polish on the official (max_cum, total); then the best is squeezed (one
    occurrence at a time on a smoothed max, within `budget` work units) and polished again; the best
    result wins."""
    results = []
    for start_key in (_key, _official):
        cum, counts = _greedy(base, sizes, vector_lists, multiplicity, start_key)
        for key in (_key, _leximin, _official):
            cum = _descend(cum, counts, vector_lists, sizes, key)
        cum = _pairs(cum, counts, vector_lists, sizes)
        cum = _descend(cum, counts, vector_lists, sizes, _official)
        results.append((_official(cum, sizes), cum, counts))
    _, _, counts = min(results, key=lambda item: item[0])
    return squeeze(base, sizes, vector_lists, counts, budget)


def squeeze(base: list[int], sizes: list[int], vector_lists: list[list[Vector]], counts: list[dict[Vector, int]],
            budget: int | Work) -> list[dict[Vector, int]]:
    """`counts` squeezed on the smoothed max within `budget` work units and polished, or `counts` when
    that is no better."""
    work = Work.of(budget)
    cum = _cum_of(base, counts)
    if work.spent:
        return counts
    value = _official(cum, sizes)
    cum, squeezed = _squeeze(cum, counts, vector_lists, sizes, work)
    for key in (_key, _official):
        cum = _descend(cum, squeezed, vector_lists, sizes, key)
    cum = _pairs(cum, squeezed, vector_lists, sizes)
    cum = _descend(cum, squeezed, vector_lists, sizes, _official)
    return squeezed if _official(cum, sizes) < value else counts
