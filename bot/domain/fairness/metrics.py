"""Validity and the metrics of MEETING-FAIRNESS.md section 3 for any schedule."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.domain import tz
from bot.domain.fairness.model import Track
from bot.domain.fairness.solver import Prepared


class InvalidSchedule(ValueError):
    """A schedule that breaks a rule: wrong length, off the window or grid, infeasible, or a forbidden night slot."""


def slot_indices(prepared: Prepared, starts: Sequence[datetime], track: Track) -> list[int]:
    """The slot index of every start; InvalidSchedule with the reason when one is not allowed."""
    tables = prepared.tables
    if len(starts) != len(tables):
        raise InvalidSchedule(f"{len(starts)} starts for {len(tables)} occurrences")
    indices = []
    for k, (table, start) in enumerate(zip(tables, starts)):
        found = [i for i, slot in enumerate(table.slots) if slot.start == start]
        if not found:
            raise InvalidSchedule(f"occurrence {k}: {start:%Y-%m-%dT%H:%MZ} is outside the window or off the grid")
        if not table.slots[found[0]].feasible:
            raise InvalidSchedule(f"occurrence {k}: {start:%Y-%m-%dT%H:%MZ} breaks a hard limit")
        if found[0] not in table.allowed(track is Track.B):
            raise InvalidSchedule(f"occurrence {k}: {start:%Y-%m-%dT%H:%MZ} is an avoidable night meeting (track B)")
        indices.append(found[0])
    return indices


def person_pains(prepared: Prepared, indices: Sequence[int]) -> list[list[int]]:
    """Pain (qp) per occurrence per participant."""
    return [[table.slots[i].pains[c] for c in prepared.profile_of] for table, i in zip(prepared.tables, indices)]


def gini(values: Sequence[float]) -> float:
    """Gini coefficient (0 = everyone equal)."""
    ordered = sorted(values)
    n, total = len(ordered), sum(ordered)
    if not total:
        return 0.0
    weighted = sum((2 * (i + 1) - n - 1) * v for i, v in enumerate(ordered))
    return weighted / (n * total)


def evaluate(prepared: Prepared, starts: Sequence[datetime], track: Track) -> dict[str, object]:
    """All metrics of a schedule, in pain points; raises InvalidSchedule."""
    problem = prepared.problem
    indices = slot_indices(prepared, starts, track)
    pains = person_pains(prepared, indices)
    people = problem.participants
    cum = [sum(row[j] for row in pains) / 4 for j in range(len(people))]
    nights = [sum(1 for table, i in zip(prepared.tables, indices) if table.slots[i].worst[c] == 3) for c in prepared.profile_of]
    organizer = next((p for p in people if p.id == problem.organizer), people[0])
    org_tz = tz.zone(organizer.tz)
    orgs: dict[str, list[float]] = {}
    for person, value in zip(people, cum):
        orgs.setdefault(person.org or "-", []).append(value)
    return {
        "max_cum": max(cum), "total": sum(cum), "min_cum": min(cum), "spread": max(cum) - min(cum),
        "gini": round(gini(cum), 4), "mean_cum": round(sum(cum) / len(cum), 4),
        "max_single": max(max(row) for row in pains) / 4,
        "mean_occ_max": round(sum(max(row) for row in pains) / 4 / len(pains), 4),
        "max_nights": max(nights), "night_person_occurrences": sum(nights),
        "distinct_utc_times": len({s.strftime("%H:%M") for s in starts}),
        "distinct_organizer_local_times": len({s.astimezone(org_tz).strftime("%H:%M") for s in starts}),
        "org_mean_cum": {org: round(sum(v) / len(v), 4) for org, v in sorted(orgs.items())},
        "cum": {person.id: value for person, value in zip(people, cum)},
    }
