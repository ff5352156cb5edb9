"""Meetings: series and their occurrences, people's working hours, reminders and calendar rules.

Pure: no Slack, no database. Instants are UTC; local clocks come from `astimezone` into the zone
`bot.domain.tz` gives (zoneinfo on the pinned tzdata package), so a series that crosses a DST
change shows each person the right local time for each occurrence.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from bot.domain import tz
from bot.domain.dates import check_not_past, parse_clock, parse_day
from bot.domain.errors import UserError
from bot.domain.recurrence import local_instant

DEFAULT_DURATION = 50
MAX_DURATION = 8 * 60
MAX_OCCURRENCES = 26
PREREAD_LEAD, DAY_LEAD, SHORT_LEAD, REVIEW_BEFORE_END = timedelta(hours=48), timedelta(hours=24), timedelta(minutes=10), timedelta(minutes=10)


class Recurrence(StrEnum):
    """How often a series meets."""

    NONE = "none"
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


class Reminder(StrEnum):
    """The messages sent around one occurrence (the value is part of the due-work key)."""

    PREREAD = "preread48h"
    DAY = "start24h"
    SOON = "start10m"
    REVIEW = "review"


@dataclass(frozen=True)
class WorkingHours:
    """A person's working day in their own zone, and their hard limits ("never before 07:00")."""

    user_id: str
    tz: str
    work_start: time = time(9, 0)
    work_end: time = time(17, 0)
    workdays: tuple[int, ...] = (1, 2, 3, 4, 5)
    never: tuple[tuple[time, time], ...] = ()


@dataclass(frozen=True)
class MeetingOccurrence:
    """One sitting of a meeting (the shape other features read: digests, App Home)."""

    title: str
    starts_at: datetime
    duration_minutes: int
    channel_id: str
    participant_ids: tuple[str, ...]
    meeting_id: int = 0
    index: int = 0
    cancelled: bool = False
    original_starts_at: datetime | None = None

    @property
    def ends_at(self) -> datetime:
        """When it ends."""
        return self.starts_at + timedelta(minutes=self.duration_minutes)


class MeetingStatus(StrEnum):
    """Where a meeting is: proposed -> confirmed -> cancelled (one added with /meeting add starts confirmed)."""

    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class ReminderTarget(StrEnum):
    """Where a meeting's reminders go: its channel, or each participant privately."""

    CHANNEL = "channel"
    DM = "dm"


class MeetingSource(StrEnum):
    """Where a meeting came from."""

    PROPOSED = "proposed"  # /meeting propose: the planner's options, confirmed by the organiser
    EXTERNAL = "external"  # /meeting add: set up in another calendar, reminded here
    CADENCE = "cadence"  # proposed by the scheduler for a standing cadence


class CalendarForm(StrEnum):
    """How a confirmed series is written to calendars."""

    EACH = "each"  # one event per occurrence
    RRULE = "rrule"  # one recurring event (a series at one local wall-clock time)


@dataclass(frozen=True)
class ProposedSlot:
    """One option of a proposal: its starts (UTC) and, per person, the pain (quarter-points) and worst
    band of each occurrence."""

    starts: tuple[datetime, ...]
    pain_qp: Mapping[str, tuple[int, ...]]
    bands: Mapping[str, tuple[str, ...]]
    rotating: bool
    max_cum_qp: int
    total_qp: int

    def pain_of(self, index: int) -> dict[str, int]:
        """Each person's pain for occurrence `index`."""
        return {user: pains[index] for user, pains in self.pain_qp.items() if index < len(pains)}

    def total_pain(self) -> dict[str, int]:
        """Each person's pain over every occurrence."""
        return {user: sum(pains) for user, pains in self.pain_qp.items()}


@dataclass(frozen=True)
class MeetingProposal:
    """What the planner proposed and what became of it: the options, the pain carried before, the
    series whose ledger it counts in, the confirmed option with each occurrence's pain, and the
    calendar form. Empty for a meeting added from outside (nothing was proposed)."""

    slots: tuple[ProposedSlot, ...] = ()
    ledger_before: Mapping[str, int] = field(default_factory=dict)
    summary: str = ""
    track: str = "B"
    series: str | None = None
    cadence: int | None = None
    cadence_on: date | None = None
    chosen: int | None = None
    occurrence_pain: Mapping[int, Mapping[str, int]] = field(default_factory=dict)
    calendar_form: CalendarForm | None = None

    def series_key(self, meeting_id: int) -> str:
        """The pain ledger this meeting counts in: its cadence's, else its own."""
        return self.series or f"meeting:{meeting_id}"


@dataclass(frozen=True)
class Meeting:
    """A meeting or series as stored: who, what, and (once confirmed) when each occurrence is."""

    id: int
    channel_id: str
    organizer_id: str
    title: str
    duration_minutes: int
    participant_ids: tuple[str, ...]
    recurrence: Recurrence
    count: int
    status: MeetingStatus
    source: MeetingSource
    uid: str
    sequence: int = 0
    agenda: str = ""
    prereads: tuple[str, ...] = ()
    reminder_target: ReminderTarget = ReminderTarget.CHANNEL
    zone: str = "UTC"
    occurrences: tuple[MeetingOccurrence, ...] = ()
    message_ts: str | None = None
    proposal: MeetingProposal = field(default_factory=MeetingProposal)


def new_uid() -> str:
    """A calendar UID that stays with the meeting for every update."""
    return f"{uuid.uuid4().hex}@alliancebot"


def series_days(first: date, recurrence: Recurrence, count: int) -> list[date]:
    """The local dates of a series starting on `first` (monthly/quarterly keep the day, clamped to the month)."""
    if recurrence is Recurrence.NONE:
        return [first]
    if recurrence in (Recurrence.WEEKLY, Recurrence.BIWEEKLY):
        step = 7 if recurrence is Recurrence.WEEKLY else 14
        return [first + timedelta(days=step * k) for k in range(count)]
    months = 1 if recurrence is Recurrence.MONTHLY else 3
    days = []
    for k in range(count):
        month_index = first.month - 1 + months * k
        year, month = first.year + month_index // 12, month_index % 12 + 1
        last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
        days.append(date(year, month, min(first.day, last)))
    return days


def check_series(title: str, duration: int, recurrence: Recurrence, count: int) -> None:
    """Refuse a series the bot cannot plan, naming the field."""
    if not title.strip():
        raise UserError("Give the meeting a title.", field="title")
    if not 10 <= duration <= MAX_DURATION or duration % 5:
        raise UserError("The duration is in minutes, a multiple of 5 between 10 and 480 (e.g. 50).", field="duration")
    if not 1 <= count <= MAX_OCCURRENCES or (recurrence is Recurrence.NONE and count != 1):
        raise UserError(f"A series has between 2 and {MAX_OCCURRENCES} occurrences (1 when it does not repeat).", field="count")


def reminders_for(occurrence: MeetingOccurrence, has_prereads: bool, now: datetime) -> list[tuple[Reminder, datetime]]:
    """When each reminder of an occurrence is due; those already past are left out."""
    plan = [(Reminder.DAY, occurrence.starts_at - DAY_LEAD), (Reminder.SOON, occurrence.starts_at - SHORT_LEAD),
            (Reminder.REVIEW, occurrence.ends_at - REVIEW_BEFORE_END)]
    if has_prereads:
        plan.insert(0, (Reminder.PREREAD, occurrence.starts_at - PREREAD_LEAD))
    return [(kind, at) for kind, at in plan if at > now]


def local_clock(instant: datetime, zone: str) -> str:
    """A person's wall clock at `instant`, e.g. "Tue 07:30"."""
    local = instant.astimezone(tz.zone(zone))
    return local.strftime("%a %H:%M")


def pain_marker(points: float) -> str:
    """A marker for one person's pain at one occurrence (pain points of the banded model)."""
    if points <= 0:
        return ":large_green_circle:"
    if points <= 1:
        return ":large_yellow_circle:"
    if points <= 3:
        return ":large_orange_circle:"
    return ":red_circle:"


def is_fixed_local_series(meeting: Meeting) -> bool:
    """True when every occurrence starts at the same wall clock in the meeting's zone on the rule's days.

    Then one VEVENT with an RRULE describes it; a rotated (fair) series needs one VEVENT each.
    """
    live = list(meeting.occurrences)
    if len(live) < 2 or meeting.recurrence is Recurrence.NONE or any(o.cancelled or o.original_starts_at for o in live):
        return False
    here = tz.zone(meeting.zone)
    first = live[0].starts_at.astimezone(here)
    if meeting.recurrence in (Recurrence.MONTHLY, Recurrence.QUARTERLY) and first.day > 28:
        return False  # an RRULE skips months without that day; our series clamps to the month's end
    days = series_days(first.date(), meeting.recurrence, len(live))
    at = first.time().replace(tzinfo=None)
    return all(o.starts_at == local_instant(d, at, meeting.zone) and _unambiguous(d, at, here) for o, d in zip(live, days))


def _unambiguous(day: date, at: time, here: tz.Zone) -> bool:
    # A wall time in a DST gap or fold is read differently by calendar clients (RFC 5545 says: the
    # offset before the gap; vobject and some clients take the one after), so such a series gets
    # one VEVENT per occurrence in UTC instead of an RRULE.
    return tz.unambiguous(datetime.combine(day, at), here)


def moved_start(day_text: str, clock_text: str, zone: str, today: date, now: datetime) -> datetime:
    """The new start of a moved occurrence, read in the organiser's zone."""
    day = check_not_past(parse_day(day_text, today), today)
    starts = local_instant(day, parse_clock(clock_text), zone)
    if starts <= now:
        raise UserError("That time has already passed.")
    return starts
