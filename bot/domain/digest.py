"""The channel digest: its schedule as typed, what goes in it, and the governance health line."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Protocol

from bot.domain.dates import WEEKDAYS, parse_clock
from bot.domain.errors import UserError
from bot.domain.governance_load import LoadFigures
from bot.domain.milestones import Milestone
from bot.domain.recurrence import DailyRule, Rule, WeeklyRule, parse_zone

HEALTH_WINDOW = timedelta(days=90)
MILESTONE_HORIZON = timedelta(days=90)
ACTION_HORIZON_DAYS = 7
SCHEDULE_EXAMPLES = "`/digest weekly mon 09:00`, `/digest weekly fri 16:00 America/New_York`, `/digest daily 08:30` or `/digest off`"


class ActionLike(Protocol):
    """What the digest reads of an action item (`bot.domain.actions.ActionItem`)."""

    ref: str
    text: str
    owner_ids: Sequence[str]
    due: date | None


class MeetingLike(Protocol):
    """What the digest reads of a meeting (f-meetings' `MeetingOccurrence`)."""

    title: str
    starts_at: datetime
    duration_minutes: int


@dataclass(frozen=True)
class WaitingDecision:
    """An open decision and who has not voted yet (an anonymous one is shown as a count, as its message does)."""

    id: int
    proposal: str
    not_voted: tuple[str, ...]
    deadline: datetime | None = None
    anonymous: bool = False
    deciders: int = 0


@dataclass(frozen=True)
class MadeDecision:
    """A decision closed since the last digest, with its outcome."""

    id: int
    proposal: str
    outcome: str


@dataclass(frozen=True)
class AssumptionReview:
    """Assumptions behind a decision that are due for review."""

    decision_id: int
    proposal: str
    review_at: datetime
    assumptions: tuple[str, ...]


@dataclass(frozen=True)
class ClosedSpan:
    """A closed decision's rounds and cycle time, for the health line."""

    rounds: int
    opened_at: datetime
    closed_at: datetime


@dataclass(frozen=True)
class Health:
    """Governance over the last 90 days."""

    closed: int
    average_rounds: float
    average_cycle: timedelta | None


@dataclass(frozen=True)
class Digest:
    """Everything one digest shows; a section with nothing in it is left out."""

    channel_id: str
    now: datetime
    zone: str
    waiting: tuple[WaitingDecision, ...] = ()
    made: tuple[MadeDecision, ...] = ()
    overdue_actions: tuple[ActionLike, ...] = ()
    due_soon_actions: tuple[ActionLike, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    meetings: tuple[MeetingLike, ...] = ()
    reviews: tuple[AssumptionReview, ...] = ()
    health: Health = field(default_factory=lambda: Health(0, 0.0, None))
    load: LoadFigures | None = None  # the governance load over 90 days (bodies, escalations, business days)

    @property
    def is_empty(self) -> bool:
        """Nothing in any section and no decision closed in 90 days."""
        return not (self.waiting or self.made or self.overdue_actions or self.due_soon_actions or self.milestones
                    or self.meetings or self.reviews or self.health.closed)


def health(spans: Sequence[ClosedSpan], now: datetime) -> Health:
    """Decisions closed in the last 90 days, their average rounds and cycle time."""
    recent = [s for s in spans if now - HEALTH_WINDOW <= s.closed_at <= now]
    if not recent:
        return Health(0, 0.0, None)
    rounds = sum(s.rounds for s in recent) / len(recent)
    cycle = sum(((s.closed_at - s.opened_at) for s in recent), timedelta()) / len(recent)
    return Health(len(recent), rounds, cycle)


def parse_weekday(word: str) -> int:
    """`mon`, `monday` → 0 (Python's Monday, not crontab's Sunday)."""
    lowered = word.strip().lower()
    for index, name in enumerate(WEEKDAYS):
        if lowered in (name, name[:3]):
            return index
    raise UserError(f"`{word[:12]}` is not a weekday. Try {SCHEDULE_EXAMPLES}.")


def parse_schedule(text: str, default_zone: str) -> Rule | None:
    """`weekly mon 09:00 [Area/City]`, `daily 08:30 [Area/City]`, `off` (None)."""
    words = text.split()
    if words == ["off"]:
        return None
    try:
        if len(words) in (3, 4) and words[0].lower() == "weekly":
            zone = parse_zone(words[3]) if len(words) == 4 else default_zone
            return WeeklyRule(parse_weekday(words[1]), parse_clock(words[2]), zone)
        if len(words) in (2, 3) and words[0].lower() == "daily":
            zone = parse_zone(words[2]) if len(words) == 3 else default_zone
            return DailyRule(parse_clock(words[1]), zone)
    except ValueError as error:
        raise UserError(f"{error} Try {SCHEDULE_EXAMPLES}.") from None
    except UserError as problem:
        raise UserError(f"{problem.message} Try {SCHEDULE_EXAMPLES}.") from None
    raise UserError(f"I could not read that schedule. Try {SCHEDULE_EXAMPLES}.")


def describe(rule: Rule) -> str:
    """`every Monday at 09:00 (Europe/Zurich)`."""
    at = rule.at.strftime("%H:%M")
    if isinstance(rule, WeeklyRule):
        return f"every {WEEKDAYS[rule.weekday].capitalize()} at {at} ({rule.zone})"
    return f"every day at {at} ({rule.zone})"


def rule_from(every: str | None, weekday: int | None, at: str | None, zone: str | None) -> Rule | None:
    """The stored schedule as a rule (None when off)."""
    if not every or not at or not zone:
        return None
    clock = time.fromisoformat(at)
    return WeeklyRule(int(weekday or 0), clock, zone) if every == "weekly" else DailyRule(clock, zone)


def previous_firing(rule: Rule | None, before: datetime) -> datetime:
    """The firing before `before` (what "since the last digest" means); a week back without a rule."""
    if rule is None:
        return before - timedelta(days=7)
    fires = rule.occurrences(before - timedelta(days=8), before)
    return fires[-1] if fires else before - timedelta(days=7)


OUTCOME_LABELS = {"full_consensus": "Full consensus", "qualified_consensus": "Qualified consensus", "no_consensus": "No consensus",
                  "no_decision": "No decision — status quo"}
