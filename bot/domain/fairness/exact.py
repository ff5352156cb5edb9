"""The planner's exact path: a DP over cumulative pain vectors for small series, and a large-neighbourhood
search that re-solves a few occurrences at a time with the same DP when the whole series does not fit."""
from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain.fairness.local_search import cum_of, official
from bot.domain.fairness.work import Vector, Work

# Series this small go to the DP, which gives up past these many states or work units.
EXACT_MAX_CLASSES = 12
EXACT_MAX_OCCURRENCES = 16
EXACT_MAX_STATES = 60_000
GROWN_MAX_STATES = 8 * EXACT_MAX_STATES  # before the dominance filter
DP_SETUP_UNITS = 256  # what any DP call costs beyond its vectors' fields
EXACT_MAX_WORK = 1_800_000


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
    upper = max(cum_of(base, heuristic))
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
    cum = cum_of(base, counts)
    best, stale = official(cum, sizes), 0
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
        new_cum = cum_of(rest, found) if found is not None else cum
        value = official(new_cum, sizes)
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
                                or (work is not None and not work.spend(min(256, len(layer) - n) * len(vectors)))):
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

    state = min(layers[-1], key=lambda st: official(unpack(st), sizes))
    counts: list[dict[Vector, int]] = [dict.fromkeys(vectors, 0) for vectors in vector_lists]
    for k in range(len(stages), 0, -1):
        previous, j = layers[k][state]
        counts[stages[k - 1]][vector_lists[stages[k - 1]][j]] += 1
        state = previous
    return counts
