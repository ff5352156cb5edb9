"""The solver's own exact path (Pareto-pruned DP over cumulative vectors) equals brute force on tiny cases."""
from __future__ import annotations

import itertools
import random

import pytest

from bot.domain.fairness.solver import _cum_of, _official, exact_counts, improve, pareto


def brute(base: list[int], sizes: list[int], vector_lists: list[list[tuple[int, ...]]], multiplicity: list[int]) -> tuple[int, int]:
    stages = [vectors for vectors, m in zip(vector_lists, multiplicity) for _ in range(m)]
    best = None
    for combo in itertools.product(*stages):
        cum = [b + sum(v[c] for v in combo) for c, b in enumerate(base)]
        value = _official(cum, sizes)
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
    exact = exact_counts(base, sizes, vector_lists, multiplicity, heuristic, budget_s=60)
    assert exact is not None and exact.optimal
    counts = exact.counts
    assert [sum(c.values()) for c in counts] == multiplicity
    assert _official(_cum_of(base, counts), sizes) == brute(base, sizes, vector_lists, multiplicity)
