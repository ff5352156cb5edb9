"""Action items: who does what by when, read from `/action` text, and when each owner is reminded.

Reminder policy (one place, tested at DST edges): the owner gets a DM at 09:00 on the due date in
their own zone, and one "overdue" DM at 09:00 on the next working day (Monday to Friday) after it.
After that an open item only shows up in the channel digest. The owner's zone is the one rule of
`bot.domain.zones`: Slack's, else the one they stated, else the alliance's (the team's working
clock), else UTC.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from bot.domain.dates import check_not_past, example_day, looks_like_a_date, parse_day, shown
from bot.domain.errors import UserError
from bot.domain.mentions import check_resolved, mentioned, without_mentions
from bot.domain.recurrence import local_instant

MAX_TEXT = 1000
MAX_OWNERS = 10
REMINDER_TIME = time(9, 0)
DUE, OVERDUE = "due", "overdue"
SNOOZES = {"1d": timedelta(days=1), "1w": timedelta(weeks=1)}
_BY = re.compile(r"^(.*)\s+by\s+(.+?)\s*$", re.IGNORECASE | re.DOTALL)  # the last " by "
EXAMPLE = "`/action Send the CMC data package @maria by friday`"
# Reacting with this emoji (:memo:) to a message captures it as an action item: anyone in the channel can react,
# also people of a partner company that has not installed the app (reactions reach the app from everyone).
CAPTURE_REACTION = "memo"


class ItemStatus(StrEnum):
    """Whether an action item is still to be done."""

    OPEN = "open"
    DONE = "done"


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
    status: ItemStatus = ItemStatus.OPEN
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
        return self.status is ItemStatus.OPEN


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
        raise UserError(f"Say what needs doing, e.g. {EXAMPLE}.", field="text")
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


def example(today: date) -> str:
    """A whole `/action` command that works on the typist's today."""
    return f"`/action Send the CMC data package @maria by {example_day(today).isoformat()}`"


def parse_capture(raw: str, creator_id: str, today: date) -> Capture:
    """Read `/action` text: mentions become owners, the text after the last ` by ` the due date.

    That text is the due date when it looks like an attempt at one (see `looks_like_a_date`: a
    digit, a weekday or month, `tomorrow`, `next …`, or a misspelling of these), and then it must
    be read whole or the item is refused; otherwise `by` is prose ("reviewed by legal") and stays
    in the text. An unreadable or past date creates nothing.
    """
    text = html.unescape(raw) if "&" in raw else raw  # Slack escapes &, < and > in escaped commands
    check_resolved(text, example(today))
    without = without_mentions(text)
    due: date | None = None
    by = _BY.match(" " + without)
    if by and looks_like_a_date(by.group(2)):
        try:
            day = parse_day(by.group(2), today)
        except UserError as problem:
            raise UserError(f"{problem.message} Nothing was created. (If `by {shown(by.group(2))}` is not meant as a due date, "
                            "end the text with one, e.g. `… by friday`.)", field="due") from None
        try:
            due = check_not_past(day, today)
        except UserError as problem:
            raise UserError(f"{problem.message} Nothing was created.", field="due") from None
        without = by.group(1).strip()
    return Capture(check_text(without), check_owners(mentioned(text), creator_id), due)


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
