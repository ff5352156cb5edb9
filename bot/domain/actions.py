"""Action items: who does what by when, read from `/action` text, and when each owner is reminded.

Reminder policy (one place, tested at DST edges): the owner gets a DM at 09:00 on the due date in
their own zone, and one "overdue" DM at 09:00 on the next working day (Monday to Friday) after it.
After that an open item only shows up in the channel digest. When Slack has no zone for the owner,
the alliance's zone is used (the team's working clock), and UTC when there is no alliance either.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from bot.domain.dates import WEEKDAYS, check_not_past, parse_day
from bot.domain.errors import UserError
from bot.domain.recurrence import local_instant

MAX_TEXT = 1000
MAX_OWNERS = 10
REMINDER_TIME = time(9, 0)
DUE, OVERDUE = "due", "overdue"
SNOOZES = {"1d": timedelta(days=1), "1w": timedelta(weeks=1)}
# With should_escape the command text carries people as <@U123|name> (or <@U123>).
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
# An "@name" Slack could not turn into a mention: someone who is not in this workspace.
_UNRESOLVED = re.compile(r"(?<![\w<])@([\w.\-]+)")
_BY = re.compile(r"^(.*)\s+by\s+(.+?)\s*$", re.IGNORECASE | re.DOTALL)  # the last " by "
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DATE_WORDS = ("today", "tomorrow", "yesterday", "next ", "in ", "this ") + WEEKDAYS + tuple(d[:3] for d in WEEKDAYS) + _MONTHS


@dataclass(frozen=True)
class ActionItem:
    """One action item as the channel and its owners see it."""

    id: int
    ref: str  # "A-42": short, per channel
    channel_id: str
    text: str
    owner_ids: tuple[str, ...]
    creator_id: str
    due: date | None
    status: str = "open"
    notes: str | None = None
    permalink: str | None = None
    message_ts: str | None = None
    created_at: datetime | None = None
    done_at: datetime | None = None
    done_by: str | None = None
    version: int = 1  # bumped whenever its reminders are rescheduled (snooze, reassign)
    is_overdue: bool = False  # as of the `now` it was loaded at (due date before today in UTC)

    @property
    def is_open(self) -> bool:
        """Still to be done."""
        return self.status == "open"


@dataclass(frozen=True)
class DueReport:
    """A channel's open items that are late, and those due in the next days (for the digest)."""

    overdue: list[ActionItem] = field(default_factory=list)
    due_soon: list[ActionItem] = field(default_factory=list)


@dataclass(frozen=True)
class Capture:
    """What `/action <text> [@owner ...] [by <date>]` asked for."""

    text: str
    owner_ids: tuple[str, ...]
    due: date | None


def subcommand_of(text: str) -> str:
    """"list", "mine", "done", "help", "form" (no text) or "capture": "/action list the vendors" is a capture."""
    word, _, rest = " ".join(text.split()).partition(" ")
    word, rest = word.lower(), rest.lower()
    if not word:
        return "form"
    if word == "list" and rest in ("", "mine"):
        return "mine" if rest else "list"
    if word == "done" and re.fullmatch(r"(?:a-?)?\d{1,9}", rest):
        return "done"
    if word == "help" and not rest:
        return "help"
    return "capture"


def ref_of(number: int) -> str:
    """The short id people type: A-42."""
    return f"A-{number}"


def number_from_ref(text: str) -> int:
    """Read `A-42`, `a42` or `42`; anything else is a user error."""
    match = re.fullmatch(r"(?:a-?)?(\d{1,9})", text.strip().lower())
    if not match:
        raise UserError(f"`{text.strip()[:20]}` is not an action item id. Use the id shown on the item, e.g. `/action done A-3`.")
    return int(match.group(1))


def is_overdue(due: date | None, now: datetime) -> bool:
    """Late once its due date has passed (read in UTC, so everyone sees the same list)."""
    return due is not None and due < now.date()


def check_text(text: str) -> str:
    """The item's text: something to do, within Slack-friendly length."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise UserError("Say what needs doing, e.g. `/action Send the CMC data package @maria by 2026-12-01`.", field="text")
    if len(cleaned) > MAX_TEXT:
        raise UserError(f"Keep an action item under {MAX_TEXT} characters (this one has {len(cleaned)}).", field="text")
    return cleaned


def check_owners(owner_ids: tuple[str, ...], creator_id: str) -> tuple[str, ...]:
    """Owners in the order given (the creator when nobody was named), at most MAX_OWNERS."""
    owners = tuple(dict.fromkeys(owner_ids)) or (creator_id,)
    if len(owners) > MAX_OWNERS:
        raise UserError(f"An action item can have at most {MAX_OWNERS} owners; split it up.", field="owners")
    return owners


def check_due(due: date | None, today: date) -> date | None:
    """A due date today or later (the creator's today), or none."""
    if due is None:
        return None
    try:
        return check_not_past(due, today)
    except UserError as problem:
        raise UserError(problem.message, field="due") from None


def _looks_like_a_date(text: str) -> bool:
    word = text.strip().lower()
    return word[:1].isdigit() or word.startswith(_DATE_WORDS)


def parse_capture(raw: str, creator_id: str, today: date) -> Capture:
    """Read `/action` text: mentions become owners, a trailing `by <date>` the due date.

    `by` followed by something that is no date ("by email") stays part of the text; something
    that looks like a date but cannot be read ("by 2026-02-30", "by yesterday") is refused.
    """
    text = html.unescape(raw) if "&" in raw else raw  # Slack escapes &, < and > in escaped commands
    unresolved = _UNRESOLVED.findall(_MENTION.sub("", text))
    if unresolved:
        raise UserError(f"I do not know @{unresolved[0]} in this workspace. Pick owners from Slack's @-mention list, "
                        "e.g. `/action Send the CMC data package @maria by 2026-12-01`.")
    owners = tuple(_MENTION.findall(text))
    without = " ".join(_MENTION.sub(" ", text).split())
    due: date | None = None
    by = _BY.match(" " + without)
    if by and _looks_like_a_date(by.group(2)):
        due = parse_day(by.group(2), today)  # its error names the date and shows examples
        without = by.group(1).strip()
    return Capture(check_text(without), check_owners(owners, creator_id), check_due(due, today))


def next_working_day(day: date) -> date:
    """The first Monday-to-Friday day after `day`."""
    following = day + timedelta(days=1)
    while following.weekday() >= 5:
        following += timedelta(days=1)
    return following


def reminder_times(due: date, zone: str) -> tuple[tuple[str, datetime], ...]:
    """(label, UTC instant) of an owner's reminders: 09:00 local on the due date, then the next working morning."""
    return ((DUE, local_instant(due, REMINDER_TIME, zone)),
            (OVERDUE, local_instant(next_working_day(due), REMINDER_TIME, zone)))


def snoozed_due(due: date | None, today: date, choice: str) -> date:
    """The new due date: `choice` ("1d" or "1w") after the later of the old due date and today."""
    if choice not in SNOOZES:
        raise UserError("This snooze button is out of date. Use the buttons on a fresh item message.")
    start = max(due, today) if due else today
    return start + SNOOZES[choice]


def check_can_change(item: ActionItem) -> None:
    """Done items stay done."""
    if not item.is_open:
        raise UserError(f"{item.ref} is already done.")
