"""Dates and times as people type them in commands, read in the typist's own time zone.

Accepted, everywhere a command takes a date: ISO dates (`2026-12-01`), ISO date and time
(`2026-12-01 15:00`), `today`, `tomorrow`, weekday names (`friday`, `fri`: the next such day
after today) and `in N days|weeks`. Anything else is a UserError that shows examples.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytz

from bot.domain.errors import UserError
from bot.domain.recurrence import local_instant

DATE_EXAMPLES = "`2026-12-01`, `2026-12-01 15:00`, `today`, `tomorrow`, `friday` or `in 2 weeks`"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RELATIVE = re.compile(r"^in\s+(\d{1,3})\s+(day|days|week|weeks)$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_CLOCK = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")


@dataclass(frozen=True)
class When:
    """A day, and a wall-clock time on it when one was given."""

    day: date
    at: time | None = None

    def instant(self, zone: str, default: time = time(9, 0)) -> datetime:
        """The UTC instant in `zone` (at `default` when no time was given), right across DST."""
        return local_instant(self.day, self.at or default, zone)


def local_today(now: datetime, zone: str | None) -> date:
    """Today's date where the person is (UTC when their zone is unknown)."""
    return now.astimezone(pytz.timezone(zone) if zone else pytz.utc).date()


def parse_clock(text: str) -> time:
    """A time of day: `09:00`, `9:30`, `14:45`, `9am`, `5:30 pm`."""
    match = _CLOCK.match(text.strip().lower())
    if match:
        hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
        if half and 1 <= hour <= 12:
            hour = hour % 12 + (12 if half == "pm" else 0)
        elif half:
            hour = 24  # "13pm" is no time
        if hour <= 23 and minute <= 59:
            return time(hour, minute)
    raise UserError(f"I could not read the time `{text.strip()[:20]}`. Use 24-hour `HH:MM`, e.g. `09:00` or `14:30`.")


def parse_day(text: str, today: date) -> date:
    """A date as typed; `today` is the typist's local date."""
    word = " ".join(text.strip().lower().split())
    if word == "today":
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    for index, name in enumerate(WEEKDAYS):
        if word in (name, name[:3], f"next {name}", f"next {name[:3]}"):
            ahead = (index - today.weekday()) % 7 or 7
            return today + timedelta(days=ahead)
    relative = _RELATIVE.match(word)
    if relative:
        count = int(relative.group(1))
        return today + timedelta(days=count * (7 if relative.group(2).startswith("week") else 1))
    iso = _ISO_DATE.match(word)
    if iso:
        try:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        except ValueError:
            raise UserError(f"`{text.strip()[:40]}` is not a real date. Try {DATE_EXAMPLES}.") from None
    raise UserError(f"I could not read the date `{text.strip()[:40]}`. Try {DATE_EXAMPLES}.")


def parse_when(text: str, today: date) -> When:
    """A date with an optional time: `2026-12-01 15:00`, `tomorrow 9:30`, `friday`."""
    parts = text.strip().rsplit(" ", 1)
    if len(parts) == 2 and (":" in parts[1] or parts[1].lower().endswith(("am", "pm"))):
        return When(parse_day(parts[0], today), parse_clock(parts[1]))
    if "T" in text.strip() and _ISO_DATE.match(text.strip().split("T")[0]):
        day_text, _, clock_text = text.strip().partition("T")
        return When(parse_day(day_text, today), parse_clock(clock_text[:5]))
    return When(parse_day(text, today))


def check_not_past(day: date, today: date) -> date:
    """Refuse a date before the typist's today."""
    if day < today:
        raise UserError(f"{day.isoformat()} is in the past (today is {today.isoformat()} where you are). "
                        f"Pick today or a later date, e.g. {DATE_EXAMPLES}.")
    return day
