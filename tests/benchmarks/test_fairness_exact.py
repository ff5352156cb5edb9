"""The benchmark's exact solver agrees with brute force, and the bot reaches the optimum on tiny series."""
from __future__ import annotations

import pytest

from benchmarks.fairness.exact import brute_force, exact, lp_bound
from benchmarks.fairness.generate import MIXES, SEASONS, city_people, instance
from bot.domain.fairness import Track, plan_series
from bot.domain.fairness.formats import read_instance
from bot.domain.fairness.solver import prepare


@pytest.mark.parametrize("mix", ["bbt", "sccsb", "sln", "odd"])
@pytest.mark.parametrize("track", list(Track))
def test_dp_matches_brute_force_and_the_bot(mix: str, track: Track) -> None:
    problem, _ = read_instance(instance(mix, city_people(MIXES[mix]), SEASONS["spring"], 3, tags=[]))
    prepared = prepare(problem)
    optimum = exact(prepared, track)
    assert optimum == brute_force(prepared, track)
    plan = plan_series(problem, track=track)
    assert (plan.max_cum_qp, plan.total_qp) == optimum
    bound = lp_bound(prepared, track)
    assert bound is None or bound <= optimum[0] + 1e-6
