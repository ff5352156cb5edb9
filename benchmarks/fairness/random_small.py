"""Random small series against the proven optimum: how often the bot proves or reaches it, how far it misses, how long it takes.

    PYTHONPATH=. .venv/bin/python -m benchmarks.fairness.random_small [--series 120] [--seed 7]

Each series: 2–9 people in random zones (odd offsets and both hemispheres) with 07:00–10:00 starts
of 8-hour days, 2–14 occurrences weekly, every two weeks or monthly from a random March or October
day (so most cross a DST change), a 6-, 12- or 24-hour window, 30/50/60 minutes; both tracks.
The optimum is the aggregated integer programme solved by HiGHS (`exact.mip_optimum`).
"""
from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import datetime, timedelta, timezone
from datetime import time as clock

from benchmarks.fairness.exact import mip_optimum
from bot.domain.fairness import Cadence, Participant, Problem, Track, Window, plan_series, series_windows
from bot.domain.fairness.solver import prepare

ZONES = ["America/Los_Angeles", "America/New_York", "America/St_Johns", "America/Sao_Paulo", "Europe/London", "Europe/Zurich",
         "Asia/Jerusalem", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney", "Pacific/Chatham"]


def random_problem(rng: random.Random) -> Problem:
    """One random small series."""
    team = [(rng.choice(ZONES), clock(rng.choice([7, 8, 9, 10]))) for _ in range(rng.randint(2, 9))]
    weeks = rng.randint(2, 14)
    first = (datetime(2026, rng.choice([3, 10]), 1) + timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 23))).replace(tzinfo=timezone.utc)
    hours = rng.choice([6, 12, 24])
    people = tuple(Participant(f"p{i}", zone, work_start=start, work_end=clock(start.hour + 8)) for i, (zone, start) in enumerate(team))
    windows = series_windows(Window(first, first + timedelta(hours=hours)), weeks, rng.choice(list(Cadence)))
    return Problem(people, windows, duration_min=rng.choice([30, 50, 60]), organizer="p0")


def main() -> None:
    """Run the series and print one summary line per track."""
    options = argparse.ArgumentParser()
    options.add_argument("--series", type=int, default=120)
    options.add_argument("--seed", type=int, default=7)
    parsed = options.parse_args()
    rng = random.Random(parsed.seed)
    rows: dict[Track, list[tuple[float, bool, float]]] = {track: [] for track in Track}
    for _ in range(parsed.series):
        problem = random_problem(rng)
        prepared = prepare(problem)
        for track in Track:
            started = time.perf_counter()
            plan = plan_series(problem, track=track)
            elapsed = time.perf_counter() - started
            optimum = mip_optimum(prepared, track, time_limit_s=60)
            if optimum is None:
                print(f"HiGHS proved no optimum for a {len(problem.participants)}-person series; left out")
                continue
            ratio = plan.max_cum_qp / optimum[0] if optimum[0] else 1.0
            rows[track].append((ratio, plan.optimal, elapsed))
            if ratio > 1:
                print(f"miss: track {track.value}, {len(problem.participants)} people ({len(prepared.profiles)} classes), "
                      f"{len(problem.windows)} occurrences: {plan.max_cum_qp / 4:g} against {optimum[0] / 4:g} ({ratio:.3f}), "
                      f"{elapsed * 1000:.0f} ms")
    print("| track | series | proven optimal by the bot | at the optimum | worst ratio | mean time | max time |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for track, values in rows.items():
        ratios, proven, times = [r for r, _, _ in values], [p for _, p, _ in values], [t for _, _, t in values]
        print(f"| {track.value} | {len(values)} | {sum(proven)} | {sum(1 for r in ratios if r <= 1.0000001)} | {max(ratios):.3f} | "
              f"{statistics.mean(times) * 1000:.0f} ms | {max(times) * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
