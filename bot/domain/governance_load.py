"""How much governance a decision took, and an alliance's governance load over 90 days (issue 19, point 5).

Practitioners count the cost of governance in interactions ("one decision took 36 governance interactions") and
in the business days a decision spends going up the ladder. Each decision's path shows the bodies it went through,
its rounds, escalations, business days and interactions; the alliance's figures show decisions per body, the share
escalated, the median business days to decide and interactions per decision, so teams see their load fall.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import mean, median

WINDOW = timedelta(days=90)
NO_BODY = "(no body)"


@dataclass(frozen=True)
class DecisionPath:
    """One decision's way to its outcome: `bodies` in the order it went through them (empty: decided outside any body);
    `business_days` from its proposal to its decision (to now while open)."""

    decision_id: int
    bodies: tuple[str, ...]
    rounds: int
    escalations: int
    business_days: int
    interactions: int
    decided_at: datetime | None = None

    @property
    def decided_in(self) -> str:
        """The body that decided it (the last it reached)."""
        return self.bodies[-1] if self.bodies else NO_BODY


@dataclass(frozen=True)
class LoadFigures:
    """An alliance's decisions over the window: how many, per deciding body, the share escalated, the median business
    days to decide and the interactions per decision (None where no decision was made)."""

    decisions: int
    per_body: tuple[tuple[str, int], ...]
    escalated_share: float | None
    median_business_days: float | None
    interactions_per_decision: float | None


def figures(paths: Sequence[DecisionPath], now: datetime, window: timedelta = WINDOW) -> LoadFigures:
    """The figures of the decisions decided in the `window` before `now`."""
    decided = [p for p in paths if p.decided_at is not None and now - window <= p.decided_at <= now]
    if not decided:
        return LoadFigures(0, (), None, None, None)
    per_body = Counter(p.decided_in for p in decided)
    in_bodies = [p for p in decided if p.bodies]
    return LoadFigures(
        len(decided), tuple(sorted(per_body.items(), key=lambda item: (-item[1], item[0]))),
        sum(1 for p in in_bodies if p.escalations) / len(in_bodies) if in_bodies else None,
        float(median(p.business_days for p in decided)), float(mean(p.interactions for p in decided)))


def path_text(path: DecisionPath) -> str:
    """One line: "JDC → JSC · 2 rounds · 1 escalation · 17 business days · 23 interactions"."""
    parts = [" → ".join(path.bodies)] if path.bodies else []
    parts.append(f"{path.rounds} round{'s' if path.rounds != 1 else ''}")
    if path.bodies:
        parts.append(f"{path.escalations} escalation{'s' if path.escalations != 1 else ''}")
    parts.append(f"{path.business_days} business day{'s' if path.business_days != 1 else ''}")
    parts.append(f"{path.interactions} interaction{'s' if path.interactions != 1 else ''}")
    return " · ".join(parts)


def figures_text(load: LoadFigures) -> str:
    """The figures in a line, for the log and the digest."""
    if not load.decisions:
        return "no decisions in the last 90 days"
    bodies = ", ".join(f"{name} {count}" for name, count in load.per_body)
    parts = [f"{load.decisions} decision{'s' if load.decisions != 1 else ''} ({bodies})"]
    if load.escalated_share is not None:
        parts.append(f"{round(load.escalated_share * 100)}% of body decisions escalated")
    if load.median_business_days is not None:
        parts.append(f"median {load.median_business_days:g} business days to decide")
    if load.interactions_per_decision is not None:
        parts.append(f"{load.interactions_per_decision:.1f} interactions per decision")
    return " · ".join(parts)
