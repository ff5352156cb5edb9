"""The squeeze phase (one occurrence at a time on a smoothed max) never makes a plan worse and finds a known optimum."""
from __future__ import annotations

import itertools
import random

import pytest

from bot.domain.fairness.local_search import _squeeze, cum_of, improve, official, pareto


def _brute(base, sizes, vector_lists, multiplicity):
    stages = [vectors for vectors, m in zip(vector_lists, multiplicity) for _ in range(m)]
    return min(official([b + sum(v[c] for v in combo) for c, b in enumerate(base)], sizes)
               for combo in itertools.product(*stages))


@pytest.mark.parametrize("seed", range(30))
def test_squeeze_never_worse(seed: int) -> None:
    rng = random.Random(seed)
    classes = rng.randint(2, 6)
    sizes = [rng.randint(1, 3) for _ in range(classes)]
    vector_lists = [pareto([tuple(rng.choice([0, 4, 8, 12, 40]) for _ in range(classes)) for _ in range(rng.randint(2, 6))], sizes)
                    for _ in range(rng.randint(1, 4))]
    multiplicity = [rng.randint(1, 5) for _ in vector_lists]
    base = [0] * classes
    # Any starting plan: random counts.
    counts = [dict.fromkeys(vectors, 0) for vectors in vector_lists]
    for g, m in enumerate(multiplicity):
        for _ in range(m):
            counts[g][rng.choice(vector_lists[g])] += 1
    before = official(cum_of(base, counts), sizes)
    cum, squeezed = _squeeze(cum_of(base, counts), counts, vector_lists, sizes, 10**9)
    assert [sum(c.values()) for c in squeezed] == multiplicity
    assert cum == cum_of(base, squeezed)
    assert official(cum, sizes) <= before


def test_squeeze_reaches_known_optimum() -> None:
    # Three people, six identical weeks; each slot hurts one of them (12) and the others a little.
    # Best rotation: each slot twice, max_cum 2*12 + 2*2 + 2*2 = 32.
    sizes = [1, 1, 1]
    vectors = [(12, 2, 2), (2, 12, 2), (2, 2, 12)]
    counts = [{vectors[0]: 6, vectors[1]: 0, vectors[2]: 0}]  # worst possible start: 72
    cum, squeezed = _squeeze(cum_of([0, 0, 0], counts), counts, [vectors], sizes, 10**9)
    assert official(cum, sizes) == _brute([0, 0, 0], sizes, [vectors], [6]) == (32, 96)
    assert squeezed == [{vectors[0]: 2, vectors[1]: 2, vectors[2]: 2}]


@pytest.mark.parametrize("seed", range(20))
def test_improve_with_squeeze_not_worse_than_without(seed: int) -> None:
    rng = random.Random(100 + seed)
    classes = rng.randint(2, 5)
    sizes = [rng.randint(1, 3) for _ in range(classes)]
    vector_lists = [pareto([tuple(rng.choice([0, 4, 8, 12, 40]) for _ in range(classes)) for _ in range(rng.randint(2, 6))], sizes)
                    for _ in range(rng.randint(1, 4))]
    multiplicity = [rng.randint(1, 6) for _ in vector_lists]
    base = [rng.choice([0, 4, 12]) for _ in range(classes)]
    with_squeeze = official(cum_of(base, improve(base, sizes, vector_lists, multiplicity)), sizes)
    without = official(cum_of(base, improve(base, sizes, vector_lists, multiplicity, budget=0)), sizes)
    assert with_squeeze <= without
