"""`alliancebot meetings plan INSTANCE.json`: plan a tzfair-instance/1 file and print a tzfair-solution/1 file or a table."""
from __future__ import annotations

import json
import time
from pathlib import Path

from bot.domain.errors import UserError
from bot.domain.fairness import SeriesPlan, Track, plan_online, plan_series
from bot.domain.fairness.formats import read_instance, solution


class PlanError(Exception):
    """A one-line reason the instance cannot be planned."""


def load(path: str) -> object:
    """The JSON document at `path`, or PlanError saying why not."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise PlanError(f"{path}: cannot read the file ({error.strerror or error})") from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PlanError(f"{path}: not valid JSON ({error})") from error


def plan_file(path: str, *, track: str = "B", online: bool = False, table: bool = False) -> tuple[str, list[str]]:
    """The text to print (solution JSON or a table) and warnings for stderr."""
    try:
        problem, warnings = read_instance(load(path))
        chosen = Track(track)
        # Only reported (solve_time_s): the plan itself is budgeted in work, never in seconds.
        started = time.perf_counter()
        plan = plan_online(problem, track=chosen) if online else plan_series(problem, track=chosen)
        elapsed = time.perf_counter() - started
    except UserError as error:
        raise PlanError(f"{path}: {error.message}") from error
    if table:
        return render_table(plan), warnings
    method = f"alliancebot {'online' if online else 'offline'}"
    document = solution(problem, plan.starts_utc, method=method, track=chosen, solve_time_s=elapsed)
    if chosen is Track.B and not plan.night_rule_bit:
        document["same_as"] = "A"
    return json.dumps(document, indent=2), warnings


def render_table(plan: SeriesPlan) -> str:
    """The schedule with everyone's local time and pain, then the cumulative ledger, for people."""
    ids = list(plan.ledger_qp)
    width = max(9, *(len(i) for i in ids))
    lines = [f"{'#':>3}  {'start (UTC)':<17}  " + "  ".join(f"{i:<{width}}" for i in ids)]
    for occurrence in plan.occurrences:
        cells = [f"{p.local_start:%a %H:%M} {p.pain:g}".ljust(width) for p in occurrence.slot.people]
        lines.append(f"{occurrence.k:>3}  {occurrence.slot.start_utc:%Y-%m-%d %H:%M}  " + "  ".join(cells))
    lines.append(f"{'':>3}  {'cumulative pain':<17}  " + "  ".join(f"{plan.ledger_qp[i] / 4:<{width}g}" for i in ids))
    lines.append(f"max_cum {plan.max_cum_qp / 4:g}  total {plan.total_qp / 4:g}  track {plan.track.value}"
                 + ("" if plan.night_rule_bit or plan.track is Track.A else " (same as A: the night rule never bites)")
                 + ("  (max_cum proven optimal)" if plan.optimal else ""))
    return "\n".join(lines)
