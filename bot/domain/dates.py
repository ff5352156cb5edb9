"""Dates and times as people type them in commands, read in the typist's own time zone.

Accepted, everywhere a command takes a date: ISO dates (`2027-01-15`), `today`, `tomorrow`,
weekday names (`friday`, `fri`, `next friday`, `this friday`: the next such day after today),
`in N days|weeks|months`, and a day with a month name (`jan 15`, `15 january`, `15 jan 2028`;
without a year, the next such day from today). Anything else is a UserError that names what was
not read and shows examples computed from the typist's own today, never a fixed date. Numeric
dates with slashes or dots (`12/01`) are refused: they read differently on each side of the
Atlantic, and a reminder on the wrong day is worse than a question.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.domain import tz
from bot.domain.errors import UserError
from bot.domain.recurrence import local_instant

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
SHOWN = 40  # characters of an unreadable text echoed back in an error
TRAILING_WORDS = 4  # the longest date read at the end of a command: "end of march 2027"
_RELATIVE = re.compile(r"^in\s+(\d{1,3})\s+(day|days|week|weeks|month|months)$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NUMERIC = re.compile(r"^\d{1,4}[./]\d{1,2}(?:[./]\d{1,4})?$")
_DAY_MONTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([a-z]+)\.?(?:,?\s+(\d{4}))?$")
_MONTH_DAY = re.compile(r"^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?$")
_END_OF = re.compile(r"^end of ([a-z]+)\.?(?:,?\s+(\d{4}))?$")
_CLOCK = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$")
_LETTERS = re.compile(r"[a-z]+")
# Words that start an attempt at a date on their own, or spelt close to one ("nxt", "tomorow")...
DAY_WORDS = frozenset((
    "today", "tomorrow", "tonight", "yesterday", "eod", "eow", "eom", "eoq", "eoy", "someday", "sometime", "asap", "soon",
    "later", "noon", "midnight", "tues", "thur", "thurs", "sept",
    *WEEKDAYS, *(d[:3] for d in WEEKDAYS), *MONTHS, *(m[:3] for m in MONTHS)))
# ...and words that do when a date word follows ("next friday", "end of march", but "this approach" is prose).
QUALIFIERS = frozenset(("next", "this", "coming", "end", "mid", "early", "late"))
UNITS = frozenset(("day", "days", "week", "weeks", "month", "months", "quarter", "year", "weekend", "of"))
_NUMBER_WORDS = ("a", "an", "one", "two", "three", "four", "few", "couple")


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
    return now.astimezone(tz.zone(zone) if zone else tz.UTC).date()


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def example_day(today: date) -> date:
    """A date to show in examples: a month after the typist's today, so always ahead of it."""
    return add_months(today, 1)


def date_examples(today: date) -> str:
    """Ways to write a day, each one after `today` (the typist's own date)."""
    ahead = WEEKDAYS[(today.weekday() + 3) % 7]
    return f"`tomorrow`, `{ahead}`, `in 2 weeks` or `{example_day(today).isoformat()}`"


def shown(text: str) -> str:
    """What a person typed, trimmed for quoting back in an error."""
    return " ".join(text.split())[:SHOWN]


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


def _month(word: str) -> int | None:
    word = word.lower()
    for index, name in enumerate(MONTHS):
        if len(word) >= 3 and name.startswith(word):
            return index + 1
    return None


def _month_day(month: int, day: int, year: str | None, today: date) -> date | None:
    """The day in that month: in `year`, or the next such day from today."""
    for candidate in ([int(year)] if year else [today.year, today.year + 1]):
        try:
            found = date(candidate, month, day)
        except ValueError:
            return None
        if year or found >= today:
            return found
    return None


def _read_day(word: str, today: date) -> date | None:
    """The day `word` (lower-case, single-spaced) names, or None."""
    word = word.removeprefix("the ")
    if word == "today":
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    if word in ("eod", "end of day", "end of today"):
        return today
    end_of = _END_OF.match(word)
    if end_of and _month(end_of.group(1)):
        start = _month_day(_month(end_of.group(1)) or 1, 1, end_of.group(2), today.replace(day=1))
        return add_months(start, 1) - timedelta(days=1) if start else None
    for index, name in enumerate(WEEKDAYS):
        if word in (name, name[:3], f"next {name}", f"next {name[:3]}", f"this {name}", f"this {name[:3]}"):
            return today + timedelta(days=(index - today.weekday()) % 7 or 7)
    relative = _RELATIVE.match(word)
    if relative:
        count, unit = int(relative.group(1)), relative.group(2)
        return add_months(today, count) if unit.startswith("month") else today + timedelta(days=count * (7 if unit.startswith("week") else 1))
    iso = _ISO_DATE.match(word)
    if iso:
        try:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        except ValueError:
            return None
    for pattern, day_group, month_group in ((_DAY_MONTH, 1, 2), (_MONTH_DAY, 2, 1)):
        named = pattern.match(word)
        month = _month(named.group(month_group)) if named else None
        if named and month:
            return _month_day(month, int(named.group(day_group)), named.group(3), today)
    return None


def _close(word: str, vocabulary: frozenset[str], cutoff: float = 0.8) -> str | None:
    """`word` when it is in `vocabulary`, else the word of it spelt closest (None when nothing is close)."""
    if word in vocabulary:
        return word
    if len(word) < 3 or not word.isalpha():
        return None
    return next(iter(difflib.get_close_matches(word, vocabulary, 1, cutoff)), None)


def read_day(text: str, today: date) -> date | None:
    """The day `text` names, or None when it names none (see parse_day for the refusal)."""
    return _read_day(" ".join(text.strip().lower().split()), today)


def is_date_word(word: str) -> bool:
    """A single word that is a date word or a qualifier (`next`, `end`), or spelt close to one (`nxt`, `fryday`)."""
    return _close((_LETTERS.findall(word.lower()) or [""])[0], DAY_WORDS | QUALIFIERS) is not None


def suggestion(text: str, today: date) -> str | None:
    """What a misspelt date probably meant (`nxt friday` → `next friday`), when that reads as a day."""
    words = text.lower().split()
    fixed = [_close(w, DAY_WORDS | QUALIFIERS | UNITS, 0.75) or w for w in words]
    guess = " ".join(fixed)
    return guess if fixed != words and _read_day(guess, today) is not None else None


def parse_day(text: str, today: date) -> date:
    """A date as typed; `today` is the typist's local date."""
    word = " ".join(text.strip().lower().split())
    found = _read_day(word, today)
    if found is not None:
        return found
    examples = date_examples(today)
    if _ISO_DATE.match(word):
        raise UserError(f"`{shown(text)}` is not a real date. Try {examples}.")
    if _NUMERIC.match(word):
        raise UserError(f"`{shown(text)}` reads differently in different countries. Write the year first "
                        f"(`YYYY-MM-DD`), or try {examples}.")
    guess = suggestion(word, today)
    meant = _read_day(guess, today) if guess else None
    hint = f" Did you mean `{guess}` ({meant:%A} {meant})?" if meant else ""
    raise UserError(f"I could not read the date `{shown(text)}`.{hint} Try {examples}.")


def parse_when(text: str, today: date) -> When:
    """A date with an optional time: `2027-01-15 15:00`, `tomorrow 9:30`, `friday`."""
    parts = text.strip().rsplit(" ", 1)
    if len(parts) == 2 and (":" in parts[1] or parts[1].lower().endswith(("am", "pm"))):
        return When(parse_day(parts[0], today), parse_clock(parts[1]))
    if "T" in text.strip() and _ISO_DATE.match(text.strip().split("T")[0]):
        day_text, _, clock_text = text.strip().partition("T")
        return When(parse_day(day_text, today), parse_clock(clock_text[:5]))
    return When(parse_day(text, today))


def trailing_date(words: list[str], today: date) -> tuple[list[str], date]:
    """Split `<words…> <date>` at the longest readable date (up to four words: `end of march 2027`) that leaves a
    word before it (none when `words` is a date alone). Refuses, naming what was not read, when no end of
    `words` reads as a date, or when the word before it was meant as part of it (`nxt friday`)."""
    for size in range(min(TRAILING_WORDS, len(words) - 1), 0, -1):
        found = read_day(" ".join(words[-size:]), today)
        if found is not None:
            if is_date_word(words[-size - 1]):
                parse_day(" ".join(words[-size - 1:]), today)  # raises: the longer end did not read
            return words[:-size], found
    tail = words[-TRAILING_WORDS:]
    start = next((i for i in range(len(tail)) if looks_like_a_date(" ".join(tail[i:]))), len(tail) - 1)
    return [], parse_day(" ".join(tail[max(start, 0):]), today)


def looks_like_a_date(text: str) -> bool:
    """Whether `text` is an attempt at a date, readable or not: it starts (after an optional `the`) with a
    digit, `in <number>`, a date word (a weekday, a month, `tomorrow`, `eod`, …), a qualifier followed by
    one (`next friday`, `end of march`), or something spelt close to these (`nxt fryday`, `tomorow`)."""
    tokens = text.lower().split()
    if tokens[:1] == ["the"]:
        tokens = tokens[1:]
    if not tokens:
        return False
    if any(c.isdigit() for c in tokens[0]):
        return True
    if tokens[0] == "in":
        return len(tokens) > 1 and (tokens[1][:1].isdigit() or tokens[1] in _NUMBER_WORDS)
    first = _close((_LETTERS.findall(tokens[0]) or [""])[0], DAY_WORDS | QUALIFIERS)
    if first in QUALIFIERS:
        second = tokens[1] if len(tokens) > 1 else ""
        return second[:1].isdigit() or _close((_LETTERS.findall(second) or [""])[0], DAY_WORDS | UNITS, 0.75) is not None
    return first is not None


def check_not_past(day: date, today: date) -> date:
    """Refuse a date before the typist's today."""
    if day < today:
        raise UserError(f"{day.isoformat()} is in the past (today is {today:%A} {today.day} {today:%B} where you are). "
                        f"Pick today or a later date, e.g. {date_examples(today)}.")
    return day
