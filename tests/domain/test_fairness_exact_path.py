"""The solver's own exact path (Pareto-pruned DP over cumulative vectors) equals brute force on tiny cases."""
from __future__ import annotations

import itertools
import random

import pytest

from bot.domain.fairness.exact import exact_counts
from bot.domain.fairness.local_search import cum_of, improve, official, pareto


def brute(base: list[int], sizes: list[int], vector_lists: list[list[tuple[int, ...]]], multiplicity: list[int]) -> tuple[int, int]:
    stages = [vectors for vectors, m in zip(vector_lists, multiplicity) for _ in range(m)]
    best = None
    for combo in itertools.product(*stages):
        cum = [b + sum(v[c] for v in combo) for c, b in enumerate(base)]
        value = official(cum, sizes)
        best = value if best is None or value < best else best
    assert best is not None
    return best


@pytest.mark.parametrize("seed", range(40))
def test_exact_counts_equal_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    classes = rng.randint(2, 4)
    sizes = [rng.randint(1, 3) for _ in range(classes)]
    base = [rng.choice([0, 0, 4, 12]) for _ in range(classes)]
    groups = rng.randint(1, 3)
    vector_lists = [pareto([tuple(rng.choice([0, 4, 8, 12, 40]) for _ in range(classes)) for _ in range(rng.randint(2, 5))], sizes)
                    for _ in range(groups)]
    multiplicity = [rng.randint(1, 3) for _ in range(groups)]
    heuristic = improve(base, sizes, vector_lists, multiplicity)
    exact = exact_counts(base, sizes, vector_lists, multiplicity, heuristic, budget=10**9)
    assert exact is not None and exact.optimal
    counts = exact.counts
    assert [sum(c.values()) for c in counts] == multiplicity
    assert official(cum_of(base, counts), sizes) == brute(base, sizes, vector_lists, multiplicity)


def test_neighbourhood_search_re_solves_a_few_occurrences_at_a_time_and_never_worsens() -> None:
    from bot.domain.fairness.exact import neighbourhoods

    vectors = [[(0, 8), (8, 0)]]
    lopsided = [{(0, 8): 6, (8, 0): 0}]  # one person carries all six meetings
    better = neighbourhoods([0, 0], [1, 1], vectors, lopsided, budget=10**9, size=2)
    assert cum_of([0, 0], better) == [24, 24] and sum(better[0].values()) == 6
    # From a bad start on random groups: never worse, and every group keeps its number of occurrences.
    rng = random.Random(3)
    for _ in range(20):
        sizes = [1, 2, 1]
        vector_lists = [pareto([tuple(rng.choice([0, 4, 8, 12, 40]) for _ in range(3)) for _ in range(4)], sizes) for _ in range(3)]
        multiplicity = [2, 2, 2]
        start = [dict.fromkeys(v, 0) for v in vector_lists]
        for g, v in enumerate(vector_lists):
            start[g][v[-1]] = 2
        found = neighbourhoods([0, 0, 0], sizes, vector_lists, start, budget=10**9, size=4)
        assert [sum(c.values()) for c in found] == multiplicity
        assert official(cum_of([0, 0, 0], found), sizes) <= official(cum_of([0, 0, 0], start), sizes)
