"""Recurring local-time rules ("every Monday 09:00 Europe/Zurich") turned into UTC instants, right across DST.

Policy at the DST edges, one firing per local day (or week) either way:
- a local time that does not exist on a spring-forward day fires at the same offset after the
  gap (02:30 becomes 03:30 local);
- an ambiguous local time on a fall-back day fires once, at its first occurrence.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.domain import tz


def parse_zone(name: str) -> str:
    """The canonical IANA name for user input such as "europe/zurich"; ValueError with a clear message."""
    return tz.canonical(name)


def local_instant(day: date, at: time, zone: str) -> datetime:
    """The UTC instant of wall-clock `at` on `day` in `zone`, by the policy above.

    zoneinfo's fold=0 is that policy: in a fold it reads the offset in force before the change (the
    earlier instant, whichever way the offsets go, so also in zones with negative DST such as
    Europe/Dublin); in a gap it reads the wall time with the offset in force before the gap, which
    lands as far past the gap.
    """
    return tz.wall(datetime.combine(day, at), tz.zone(zone))


def _local_date(instant: datetime, zone: str) -> date:
    return instant.astimezone(tz.zone(zone)).date()


def _check(at: time, zone: str) -> None:
    """Refuse rules that could only fail later, when the scheduler computes the next firing."""
    if at.tzinfo is not None:
        raise ValueError("a rule's time is a wall-clock time; give its zone separately")
    if parse_zone(zone) != zone:
        raise ValueError(f"use the canonical zone name {parse_zone(zone)!r}, as parse_zone gives it")


@dataclass(frozen=True)
class DailyRule:
    """Every day at a local time."""

    at: time
    zone: str

    def __post_init__(self) -> None:
        _check(self.at, self.zone)

    def fires_on(self, day: date) -> bool:
        """Whether the rule fires on a local date."""
        return True

    def next_after(self, instant: datetime) -> datetime:
        """The first firing strictly after `instant` (aware, any zone), in UTC."""
        return _next_after(self, instant)

    def occurrences(self, start: datetime, end: datetime) -> list[datetime]:
        """Every firing in [start, end)."""
        return _occurrences(self, start, end)


@dataclass(frozen=True)
class WeeklyRule:
    """Every week on a weekday (0 = Monday, as in Python, not crontab) at a local time."""

    weekday: int
    at: time
    zone: str

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")
        _check(self.at, self.zone)

    def fires_on(self, day: date) -> bool:
        """Whether the rule fires on a local date."""
        return day.weekday() == self.weekday

    def next_after(self, instant: datetime) -> datetime:
        """The first firing strictly after `instant` (aware, any zone), in UTC."""
        return _next_after(self, instant)

    def occurrences(self, start: datetime, end: datetime) -> list[datetime]:
        """Every firing in [start, end)."""
        return _occurrences(self, start, end)


Rule = DailyRule | WeeklyRule


def _next_after(rule: Rule, instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("next_after needs an aware datetime")
    first = _local_date(instant, rule.zone) - timedelta(days=1)
    for offset in range(9):
        day = first + timedelta(days=offset)
        if rule.fires_on(day):
            fire = local_instant(day, rule.at, rule.zone)
            if fire > instant:
                return fire
    raise AssertionError("a daily or weekly rule always fires within 8 days")  # pragma: no cover


def _occurrences(rule: Rule, start: datetime, end: datetime) -> list[datetime]:
    fires: list[datetime] = []
    current = _next_after(rule, start - timedelta(microseconds=1))
    while current < end:
        fires.append(current)
        current = _next_after(rule, current)
    return fires
