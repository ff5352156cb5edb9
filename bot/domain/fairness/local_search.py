"""The planner's heuristic: a greedy start, then local search on the counts of each group's vectors and a
smoothed-max squeeze, improving (max_cum, total) lexicographically within a work budget."""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from bot.domain.fairness.work import Vector, Work


def cum_of(base: list[int], counts: list[dict[Vector, int]]) -> list[int]:
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


def official(cum: Sequence[int], sizes: Sequence[int]) -> tuple[int, int]:
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
        current = official(cum, sizes)
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
                if official(second, sizes) < current:
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
    best_value, best_cum, best_counts = official(cum, sizes), list(cum), [dict(c) for c in counts]
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
                    value = official(cum, sizes)
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
    for start_key in (_key, official):
        cum, counts = _greedy(base, sizes, vector_lists, multiplicity, start_key)
        for key in (_key, _leximin, official):
            cum = _descend(cum, counts, vector_lists, sizes, key)
        cum = _pairs(cum, counts, vector_lists, sizes)
        cum = _descend(cum, counts, vector_lists, sizes, official)
        results.append((official(cum, sizes), cum, counts))
    _, _, counts = min(results, key=lambda item: item[0])
    return squeeze(base, sizes, vector_lists, counts, budget)


def squeeze(base: list[int], sizes: list[int], vector_lists: list[list[Vector]], counts: list[dict[Vector, int]],
            budget: int | Work) -> list[dict[Vector, int]]:
    """`counts` squeezed on the smoothed max within `budget` work units and polished, or `counts` when
    that is no better."""
    work = Work.of(budget)
    cum = cum_of(base, counts)
    if work.spent:
        return counts
    value = official(cum, sizes)
    cum, squeezed = _squeeze(cum, counts, vector_lists, sizes, work)
    for key in (_key, official):
        cum = _descend(cum, squeezed, vector_lists, sizes, key)
    cum = _pairs(cum, squeezed, vector_lists, sizes)
    cum = _descend(cum, squeezed, vector_lists, sizes, official)
    return squeezed if official(cum, sizes) < value else counts
