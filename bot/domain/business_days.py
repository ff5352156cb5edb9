"""Business-day clocks for escalation windows ("if not resolved within fifteen (15) Business Days").

Pure: a business day is a weekday that is no partner's public holiday (`is_holiday` says which
days are: the shell builds it from a maintained holiday calendar for each partner's country). A
window of N business days opened at some instant ends at the end of its Nth business day after the
day it opened, in the alliance's zone (midnight local, as a UTC instant: right across DST); a
window of 0 ends at once. The reminder goes out on the business day before the end, at 09:00 local.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from bot.domain.tz import zone as zone_of

Holidays = Callable[[date], bool]
MAX_DAYS = 365
REMIND_AT = time(9, 0)


def no_holidays(_: date) -> bool:
    """No public holidays (a partner whose country is not set)."""
    return False


def is_business_day(day: date, is_holiday: Holidays = no_holidays) -> bool:
    """A weekday that is no partner's public holiday."""
    return day.weekday() < 5 and not is_holiday(day)


def add_business_days(start: date, days: int, is_holiday: Holidays = no_holidays) -> date:
    """The `days`th business day after `start` (`start` itself not counted)."""
    if not 0 <= days <= MAX_DAYS:
        raise ValueError(f"a window is 0 to {MAX_DAYS} business days")
    day, left = start, days
    while left:
        day += timedelta(days=1)
        if is_business_day(day, is_holiday):
            left -= 1
    return day


def _midnight_after(day: date, zone: tzinfo) -> datetime:
    """The end of `day` in `zone` (the next day's midnight local; in a gap, the first instant after it) in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(timezone.utc)


def window_end(opened_at: datetime, days: int, zone: str, is_holiday: Holidays = no_holidays) -> datetime:
    """When a window of `days` business days opened at `opened_at` ends (UTC); 0 days: at once."""
    if days == 0:
        return opened_at
    tz = zone_of(zone)
    opened_on = opened_at.astimezone(tz).date()
    return _midnight_after(add_business_days(opened_on, days, is_holiday), tz)


def reminder_before(end: datetime, zone: str, is_holiday: Holidays = no_holidays) -> datetime | None:
    """09:00 local on the last business day before the window's last day (the caller drops it when that is before
    the window opened, as for a window of one day); None only if no business day comes within a year."""
    tz = zone_of(zone)
    last = (end.astimezone(tz) - timedelta(microseconds=1)).date()
    day = last - timedelta(days=1)
    for _ in range(MAX_DAYS):
        if is_business_day(day, is_holiday):
            return datetime.combine(day, REMIND_AT, tzinfo=tz).astimezone(timezone.utc)
        day -= timedelta(days=1)
    return None


def business_days_between(start: datetime, end: datetime, zone: str, is_holiday: Holidays = no_holidays) -> int:
    """How many business days after `start`'s day, up to and including `end`'s day, in `zone` (a decision's path)."""
    tz = zone_of(zone)
    first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    count, day = 0, first
    while day < last:
        day += timedelta(days=1)
        count += is_business_day(day, is_holiday)
    return count
