"""Exact optimum for small instances (DP over non-dominated cumulative-pain vectors), brute force, and the LP lower bound."""
from __future__ import annotations

import itertools
from collections.abc import Sequence

from bot.domain.fairness.local_search import pareto
from bot.domain.fairness.model import Track
from bot.domain.fairness.solver import Prepared, _allowed

Vector = tuple[int, ...]


def class_sizes(prepared: Prepared) -> list[int]:
    """How many participants share each profile."""
    sizes = [0] * len(prepared.profiles)
    for c in prepared.profile_of:
        sizes[c] += 1
    return sizes


def options(prepared: Prepared, track: Track) -> list[list[Vector]]:
    """Per occurrence, the distinct allowed class-level pain vectors."""
    return [sorted({prepared.tables[k].slots[i].pains for i in _allowed(prepared, k, track)}) for k in range(len(prepared.tables))]


def objective(cum: Sequence[int], sizes: Sequence[int]) -> tuple[int, int]:
    """(max_cum, total) in quarter-points."""
    return max(cum), sum(s * c for s, c in zip(sizes, cum))


def exact(prepared: Prepared, track: Track, upper: int | None = None, limit: int = 400_000) -> tuple[int, int] | None:
    """The lexicographic optimum (max_cum, total) in qp, or None when the frontier grows past `limit` states."""
    sizes = class_sizes(prepared)
    frontier: list[Vector] = [tuple(0 for _ in sizes)]
    per_occurrence = options(prepared, track)
    # rest[k][c]: the least pain class c must still take from occurrence k on (prunes against `upper`).
    rest = [[0] * len(sizes) for _ in range(len(per_occurrence) + 1)]
    for k in range(len(per_occurrence) - 1, -1, -1):
        rest[k] = [r + min(v[c] for v in per_occurrence[k]) for c, r in enumerate(rest[k + 1])]
    for k, vectors in enumerate(per_occurrence):
        vectors = pareto(vectors, sizes)
        grown = {tuple(a + b for a, b in zip(state, v)) for state in frontier for v in vectors}
        if upper is not None:
            need = rest[k + 1]
            grown = {state for state in grown if all(x + r <= upper for x, r in zip(state, need))}
        if len(grown) > limit:
            return None
        frontier = _drop_dominated(grown, len(sizes))
    return min(objective(state, sizes) for state in frontier)


def _drop_dominated(states: set[Vector], d: int) -> list[Vector]:
    """Every non-dominated state (and perhaps a few dominated ones, which cost time, never correctness):
    first, per class, whatever another state beats on that class alone while equal elsewhere (linear);
    then the full pairwise check when few states are left."""
    survivors: list[Vector] = list(states)
    for axis in range(d):
        best: dict[Vector, Vector] = {}
        for state in survivors:
            key = state[:axis] + state[axis + 1:]
            other = best.get(key)
            if other is None or state[axis] < other[axis]:
                best[key] = state
        survivors = list(best.values())
    return pareto(survivors, [1] * d) if len(survivors) <= 3000 else survivors


def brute_force(prepared: Prepared, track: Track) -> tuple[int, int]:
    """Every combination of distinct vectors: only for a few occurrences."""
    sizes = class_sizes(prepared)
    best = None
    for combo in itertools.product(*options(prepared, track)):
        cum = [sum(v[c] for v in combo) for c in range(len(sizes))]
        value = objective(cum, sizes)
        best = value if best is None or value < best else best
    assert best is not None
    return best


def lp_bound(prepared: Prepared, track: Track) -> float | None:
    """LP relaxation of the aggregated integer programme (max_cum, qp); None without highspy."""
    try:
        import highspy
    except ImportError:
        return None
    groups: dict[tuple[Vector, ...], int] = {}
    for vectors in options(prepared, track):
        key = tuple(pareto(vectors, class_sizes(prepared)))
        groups[key] = groups.get(key, 0) + 1
    n = len(prepared.profiles)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    inf = highspy.kHighsInf
    h.addVar(0, inf)  # T
    h.changeColCost(0, 1)
    columns: list[tuple[int, Vector]] = []
    for g, (vectors, count) in enumerate(groups.items()):
        for v in vectors:
            h.addVar(0, count)
            columns.append((g, v))
    for g, (vectors, count) in enumerate(groups.items()):
        idx = [1 + j for j, (gg, _) in enumerate(columns) if gg == g]
        h.addRow(count, count, len(idx), idx, [1.0] * len(idx))
    for c in range(n):
        idx = [0] + [1 + j for j, (_, v) in enumerate(columns) if v[c]]
        val = [-1.0] + [float(v[c]) for _, v in columns if v[c]]
        h.addRow(-inf, 0, len(idx), idx, val)
    h.run()
    return float(h.getInfo().objective_function_value)


def mip_optimum(prepared: Prepared, track: Track, time_limit_s: float = 60.0) -> tuple[int, int] | None:
    """The lexicographic optimum (max_cum, total) in qp from the aggregated integer programme solved by
    HiGHS (branch and bound; a second exact method beside the DP, for the instances whose DP frontier
    grows too big); None without highspy or when HiGHS does not prove optimality within the time limit."""
    try:
        import highspy
    except ImportError:
        return None
    sizes = class_sizes(prepared)
    groups: dict[tuple[Vector, ...], int] = {}
    for vectors in options(prepared, track):
        key = tuple(pareto(vectors, sizes))
        groups[key] = groups.get(key, 0) + 1
    n = len(sizes)
    inf = highspy.kHighsInf
    columns = [(g, v) for g, vectors in enumerate(groups) for v in vectors]

    def solve(cap: int | None) -> tuple[int, int] | None:
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("time_limit", time_limit_s)
        h.setOptionValue("mip_rel_gap", 0.0)
        h.addVar(0, inf)  # T, the largest cumulative pain
        h.changeColCost(0, 0 if cap is not None else 1)
        for j, (g, v) in enumerate(columns):
            h.addVar(0, list(groups.values())[g])
            h.changeColIntegrality(1 + j, highspy.HighsVarType.kInteger)
            # Phase 2 minimises the total under max_cum <= cap.
            h.changeColCost(1 + j, float(sum(s * p for s, p in zip(sizes, v))) if cap is not None else 0.0)
        for g, count in enumerate(groups.values()):
            idx = [1 + j for j, (gg, _) in enumerate(columns) if gg == g]
            h.addRow(count, count, len(idx), idx, [1.0] * len(idx))
        for c in range(n):
            idx = [1 + j for j, (_, v) in enumerate(columns) if v[c]]
            val = [float(v[c]) for _, v in columns if v[c]]
            if cap is None:
                h.addRow(-inf, 0, len(idx) + 1, [0] + idx, [-1.0] + val)
            else:
                h.addRow(-inf, cap, len(idx), idx, val)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        x = h.getSolution().col_value
        counts = [round(x[1 + j]) for j in range(len(columns))]
        cum = [sum(m * v[c] for m, (_, v) in zip(counts, columns)) for c in range(n)]
        return objective(cum, sizes)

    first = solve(None)
    if first is None:
        return None
    return solve(first[0])
