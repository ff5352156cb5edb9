"""Fairness benchmark: every instance and track, the bot (offline and online), the baselines, ratio to optimum or LP bound, time.

    .venv/bin/python -m benchmarks.fairness.run [--markdown]
"""
from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime

from benchmarks.fairness.exact import exact, lp_bound, mip_optimum
from benchmarks.fairness.generate import suite
from bot.domain.fairness import Track, plan_online, plan_series
from bot.domain.fairness.baselines import BASELINES
from bot.domain.fairness.formats import read_instance
from bot.domain.fairness.metrics import InvalidSchedule, evaluate
from bot.domain.fairness.solver import prepare

METHODS = ["bot", "bot-online", *BASELINES]


def timed(run: Callable[[], list[datetime]]) -> tuple[list[datetime], float]:
    """Starts and wall time."""
    started = time.perf_counter()
    starts = run()
    return starts, time.perf_counter() - started


def main() -> None:
    """Run everything and print the table and the summary."""
    options = argparse.ArgumentParser()
    options.add_argument("--sizes", default="small,medium,large", help="comma-separated instance sizes to run")
    options.add_argument("--names", default="", help="comma-separated name prefixes to run (default: all)")
    options.add_argument("--exact-states", type=int, default=60_000, help="give up the exact DP past this many states")
    parsed = options.parse_args()
    sizes, prefixes = parsed.sizes.split(","), [p for p in parsed.names.split(",") if p]
    rows: list[str] = []
    summary: dict[tuple[str, str], dict[str, list[tuple[float, float, str]]]] = {}
    invalid = avoidable_nights = 0
    online_vs_offline: list[float] = []
    cut: dict[str, list[float]] = {}
    best_cut: dict[str, list[float]] = {}
    calendar_naive = 0.0
    for doc in suite():
        if not set(doc["tags"]) & set(sizes) or (prefixes and not any(doc["name"].startswith(p) for p in prefixes)):
            continue
        problem, _ = read_instance(doc)
        prepared = prepare(problem)
        for track in (Track.A, Track.B):
            size = next(tag for tag in doc["tags"] if tag in ("small", "medium", "large"))
            size = "small" if size == "small" else "medium+large"
            per_method = summary.setdefault((track.value, size), {m: [] for m in METHODS})
            results = {}
            results["bot"] = timed(lambda: list(plan_series(problem, track=track).starts_utc))
            results["bot-online"] = timed(lambda: list(plan_online(problem, track=track).starts_utc))
            for name, baseline in BASELINES.items():
                results[name] = timed(lambda baseline=baseline: [prepared.tables[k].slots[i].start
                                                                 for k, i in enumerate(baseline(prepared, track))])
            scores = {}
            for name, (starts, elapsed) in results.items():
                try:
                    scores[name] = (evaluate(prepared, starts, track), elapsed)
                except InvalidSchedule:
                    invalid += 1
            bot_max = scores["bot"][0]["max_cum"]
            optimum, kind = None, "LB"
            if "small" in doc["tags"]:
                # Two exact methods: the DP (when its frontier stays under --exact-states) and the
                # integer programme solved by HiGHS; where both finish they must agree.
                value = exact(prepared, track, upper=int(bot_max * 4), limit=parsed.exact_states)
                proven = mip_optimum(prepared, track)
                if value and proven and value[0] != proven[0]:
                    raise SystemExit(f"{doc['name']} {track.value}: DP optimum {value} != MIP optimum {proven}")
                best = value or proven
                optimum = best[0] / 4 if best else None
                kind = "opt" if value else "opt (MIP)" if proven else "LB"
            lp = lp_bound(prepared, track)
            bound = optimum if optimum is not None else (math.ceil(lp - 1e-6) / 4 if lp is not None else None)
            # Track B: an avoidable night meeting is one in an occurrence that has a night-free allowed slot.
            if track is Track.B:
                for k, start in enumerate(results["bot"][0]):
                    table = prepared.tables[k]
                    slot = next(s for s in table.slots if s.start == start)
                    avoidable_nights += slot.night and any(s.feasible and not s.night for s in table.slots)
            cells = []
            for name in METHODS:
                if name not in scores:
                    cells.append("invalid")
                    continue
                metrics, elapsed = scores[name]
                ratio = metrics["max_cum"] / bound if bound else float("nan")
                per_method[name].append((ratio, elapsed, kind))
                cells.append(f"{metrics['max_cum']:g} ({ratio:.3f}, {elapsed * 1000:.0f} ms)")
            online_vs_offline.append(scores["bot-online"][0]["max_cum"] / bot_max if bot_max else 1.0)
            naive = scores["naive-fixed-organizer"][0]["max_cum"]
            reduction = 1 - bot_max / naive if naive else 0.0
            if track is Track.A:
                # What a calendar invite at the organiser's usual time gives: no night rule.
                calendar_naive = naive
            if "city-mix" in doc["tags"]:
                cut.setdefault(track.value, []).append(reduction)
                if kind != "LB" or bound == bot_max:
                    # The largest cut any schedule can make (the bot's schedule is proven optimal here).
                    best_cut.setdefault(track.value, []).append(1 - bound / naive if naive else 0.0)
                if track is Track.B and calendar_naive:
                    cut.setdefault("B vs calendar", []).append(1 - bot_max / calendar_naive)
            rows.append(f"| {doc['name']} | {len(problem.participants)} | {len(problem.windows)} | {track.value} | "
                        f"{bound if bound is not None else '-'} {kind} | " + " | ".join(cells) + f" | {reduction:.0%} |")
            print(rows[-1], file=sys.stderr, flush=True)
    print("| instance | people | K | track | bound | " + " | ".join(METHODS) + " | cut vs naive |")
    print("|" + " --- |" * (6 + len(METHODS)))
    print("\n".join(rows))
    print()
    print("| track | instances | method | geo-mean ratio | worst ratio | at optimum/bound | mean time | max time |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for (track, size), per_method in sorted(summary.items()):
        for name, values in per_method.items():
            ratios = [r for r, _, _ in values if not math.isnan(r)]
            times = [t for _, t, _ in values]
            print(f"| {track} | {size} | {name} | {statistics.geometric_mean(ratios):.3f} | {max(ratios):.3f} | "
                  f"{sum(1 for r in ratios if r <= 1.0000001)}/{len(ratios)} | {statistics.mean(times) * 1000:.0f} ms | "
                  f"{max(times) * 1000:.0f} ms |")
    print()
    print(f"invalid schedules: {invalid}; avoidable night meetings in track B (bot): {avoidable_nights}; "
          f"online/offline max_cum mean {statistics.mean(online_vs_offline):.3f}, worst {max(online_vs_offline):.3f}")
    print()
    print("max_cum cut vs the naive fixed organizer slot on the city mixes (bot; and the most any schedule can cut where "
          "the bot's schedule is proven optimal):")
    for name, values in sorted(cut.items()):
        line = f"- track {name}: mean {statistics.mean(values):.0%}, least {min(values):.0%} ({len(values)} runs)"
        if name in best_cut:
            line += (f"; optimum's cut mean {statistics.mean(best_cut[name]):.0%}, least {min(best_cut[name]):.0%} "
                     f"({len(best_cut[name])} runs)")
        print(line)


if __name__ == "__main__":
    main()
