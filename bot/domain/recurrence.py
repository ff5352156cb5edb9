"""Recurring local-time rules ("every Monday 09:00 Europe/Zurich") turned into UTC instants, right across DST.

Policy at the DST edges, one firing per local day (or week) either way:
- a local time that does not exist on a spring-forward day fires at the same offset after the
  gap (02:30 becomes 03:30 local);
- an ambiguous local time on a fall-back day fires once, at its first occurrence.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytz


def parse_zone(name: str) -> str:
    """Check an IANA zone name such as Europe/Zurich; raise ValueError with a clear message."""
    try:
        return str(pytz.timezone(name.strip()).zone)
    except (pytz.UnknownTimeZoneError, AttributeError) as error:
        raise ValueError(f"Unknown time zone {name!r}: use an Area/City name such as Europe/Zurich or America/New_York.") from error


def local_instant(day: date, at: time, zone: str) -> datetime:
    """The UTC instant of wall-clock `at` on `day` in `zone`, by the policy above."""
    tz = pytz.timezone(zone)
    naive = datetime.combine(day, at)
    try:
        local = tz.localize(naive, is_dst=None)
    except pytz.AmbiguousTimeError:
        local = tz.localize(naive, is_dst=True)  # the first of the two
    except pytz.NonExistentTimeError:
        # Read with the offset in force before the gap, which lands as far past the gap.
        local = tz.normalize(tz.localize(naive, is_dst=False))
    return local.astimezone(pytz.utc)


def _local_date(instant: datetime, zone: str) -> date:
    return instant.astimezone(pytz.timezone(zone)).date()


@dataclass(frozen=True)
class DailyRule:
    """Every day at a local time."""

    at: time
    zone: str

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
