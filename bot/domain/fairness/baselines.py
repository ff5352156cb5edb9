"""The baselines of MEETING-FAIRNESS.md section 6, each returning slot indices per occurrence."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.domain import tz
from bot.domain.fairness.model import Track
from bot.domain.fairness.pain import Table
from bot.domain.fairness.solver import Prepared, _allowed

Choice = list[int]


def _people(prepared: Prepared, k: int, index: int) -> list[int]:
    pains = prepared.tables[k].slots[index].pains
    return [pains[c] for c in prepared.profile_of]


def _score(prepared: Prepared, choice: Sequence[int]) -> tuple[int, int]:
    cum = [0] * len(prepared.profile_of)
    for k, index in enumerate(choice):
        cum = [a + b for a, b in zip(cum, _people(prepared, k, index))]
    return max(cum), sum(cum)


def _nearest(prepared: Prepared, k: int, track: Track, wanted: Callable[[int], bool], fallback_minute: int) -> int:
    allowed = _allowed(prepared, k, track)
    hits = [i for i in allowed if wanted(i)]
    if hits:
        return hits[0]
    table = prepared.tables[k]

    def distance(i: int) -> int:
        minute = table.slots[i].start.hour * 60 + table.slots[i].start.minute
        gap = abs(minute - fallback_minute)
        return min(gap, 1440 - gap)

    return min(allowed, key=distance)


def naive_fixed_organizer(prepared: Prepared, track: Track) -> Choice:
    """One wall-clock time in the organizer's zone for the whole series, best for the organizer, then the group."""
    problem = prepared.problem
    people = problem.participants
    position = next((j for j, p in enumerate(people) if p.id == problem.organizer), 0)
    here = tz.zone(people[position].tz)
    best: tuple[tuple[int, int, int, int], Choice] | None = None
    for local_minute in range(0, 1440, 15):
        choice: Choice = []
        misses = 0
        for k, table in enumerate(prepared.tables):
            def at(i: int, table: Table = table, local_minute: int = local_minute) -> bool:
                local = table.slots[i].start.astimezone(here)
                return bool(local.hour * 60 + local.minute == local_minute)
            index = _nearest(prepared, k, track, at, local_minute)
            misses += 0 if at(index) else 1
            choice.append(index)
        organizer = sum(_people(prepared, k, i)[position] for k, i in enumerate(choice))
        key = (misses, organizer, *_score(prepared, choice))
        if best is None or key < best[0]:
            best = (key, choice)
    assert best is not None
    return best[1]


def per_occurrence(prepared: Prepared, track: Track, key: Callable[[list[int]], tuple[int, int]]) -> Choice:
    """Each occurrence on its own, by `key` of its pain vector (earlier start on ties)."""
    def best(k: int) -> int:
        return min(_allowed(prepared, k, track), key=lambda i: key(_people(prepared, k, i)))

    return [best(k) for k in range(len(prepared.tables))]


def min_total_each(prepared: Prepared, track: Track) -> Choice:
    """Least total pain per occurrence."""
    return per_occurrence(prepared, track, lambda v: (sum(v), max(v)))


def minmax_each(prepared: Prepared, track: Track) -> Choice:
    """Smallest worst individual pain per occurrence, no memory."""
    return per_occurrence(prepared, track, lambda v: (max(v), sum(v)))


def rotate_three(prepared: Prepared, track: Track) -> Choice:
    """Three UTC times 8 h apart in turn; the best base time of day for the series."""
    best: tuple[tuple[int, int], Choice] | None = None
    for base in range(0, 480, 15):
        choice = []
        for k, table in enumerate(prepared.tables):
            minute = (base + 480 * (k % 3)) % 1440
            def at(i: int, table: Table = table, minute: int = minute) -> bool:
                start = table.slots[i].start
                return bool(start.hour * 60 + start.minute == minute)
            choice.append(_nearest(prepared, k, track, at, minute))
        score = _score(prepared, choice)
        if best is None or score < best[0]:
            best = (score, choice)
    assert best is not None
    return best[1]


def greedy_debt(prepared: Prepared, track: Track) -> Choice:
    """Date order, each occurrence minimising the resulting max_cum, then total."""
    cum = [0] * len(prepared.profile_of)
    choice = []
    for k in range(len(prepared.tables)):
        def key(i: int, k: int = k, cum: list[int] = cum) -> tuple[int, int]:
            after = [a + b for a, b in zip(cum, _people(prepared, k, i))]
            return max(after), sum(after)
        index = min(_allowed(prepared, k, track), key=key)
        cum = [a + b for a, b in zip(cum, _people(prepared, k, index))]
        choice.append(index)
    return choice


BASELINES: dict[str, Callable[[Prepared, Track], Choice]] = {
    "naive-fixed-organizer": naive_fixed_organizer,
    "min-total-each": min_total_each,
    "minmax-each": minmax_each,
    "rotate-3x8h": rotate_three,
    "greedy-debt": greedy_debt,
}
