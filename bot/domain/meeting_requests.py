"""What people ask for, read and checked: the propose and prefs forms, `/meeting add` and `/meeting cadence`.

A UserError names the field that is wrong, so the form shows it in place.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from bot.domain.dates import check_not_past, date_examples, example_day, parse_clock, parse_day, trailing_date
from bot.domain.errors import UserError
from bot.domain.meetings import DEFAULT_DURATION, MAX_DURATION, Recurrence, ReminderTarget, WorkingHours, check_series, series_days
from bot.domain.mentions import check_resolved, mentioned, without_mentions
from bot.domain.recurrence import local_instant, parse_zone

_DURATION = re.compile(r"^(\d{1,3})(m|min|h)$")

@dataclass(frozen=True)
class ExternalMeeting:
    """`/meeting add`: a meeting scheduled elsewhere, registered for reminders and the review prompt."""

    title: str
    starts_at: datetime
    duration_minutes: int
    zone: str


def unescape(text: str) -> str:
    """Command text as typed: Slack escapes &, < and > when the command has should_escape on."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def add_example(today: date) -> str:
    """A whole `/meeting add` command that works on the typist's today."""
    return f"`/meeting add JSC review {example_day(today).isoformat()} 15:00 Europe/Zurich 60m`"


def parse_add(text: str, today: date, zone: str | None, now: datetime) -> ExternalMeeting:
    """Read `<title> <date> <time> [Area/City] [50m]`; the zone defaults to the typist's own.

    The date is the longest readable end (up to four words) of what comes before the time; a date
    that does not read whole is refused by name, and nothing is added.
    """
    words = unescape(text).split()
    duration = DEFAULT_DURATION
    if words and (found := _DURATION.match(words[-1].lower())):
        duration = int(found.group(1)) * (60 if found.group(2) == "h" else 1)
        words.pop()
    if words and "/" in words[-1]:
        try:
            zone = parse_zone(words.pop())
        except ValueError as error:
            raise UserError(str(error)) from None
    if len(words) < 3:
        raise UserError(f"Use `/meeting add <title> <date> <time> [Area/City] [50m]`, e.g. {add_example(today)}. "
                        f"Dates: {date_examples(today)}.")
    if zone is None:
        raise UserError("Your Slack profile has no time zone: add one (e.g. `Europe/Zurich`) after the time.")
    at = parse_clock(words.pop())
    try:
        title, day = trailing_date(words, today)
        check_not_past(day, today)
    except UserError as problem:
        raise UserError(f"{problem.message} Nothing was added; e.g. {add_example(today)}.") from None
    return check_external(" ".join(title).strip().strip('"'), day, at, zone, duration, now)


def check_external(title: str, day: date, at: time, zone: str, duration: int, now: datetime) -> ExternalMeeting:
    """A meeting scheduled elsewhere, from the command or its form; a UserError names the field."""
    if not title.strip():
        raise UserError("Give the meeting a title before its date.", field="title")
    if not 5 <= duration <= MAX_DURATION:
        raise UserError("The duration must be between 5 minutes and 8 hours, e.g. `50m` or `2h`.", field="duration")
    starts = local_instant(day, at, zone)
    if starts <= now:
        raise UserError("That time has already passed.", field="day")
    return ExternalMeeting(title.strip()[:150], starts, duration, zone)


@dataclass(frozen=True)
class MeetingRequest:
    """What the propose form asks for, checked."""

    title: str
    participant_ids: tuple[str, ...]
    duration_minutes: int
    first_day: date
    window_start: time
    window_minutes: int  # from window_start (UTC), e.g. 1440 for the whole day
    recurrence: Recurrence
    count: int
    agenda: str = ""
    prereads: tuple[str, ...] = ()
    reminder_target: ReminderTarget = ReminderTarget.CHANNEL
    zone: str = "UTC"  # the window's wall clock: the organiser's zone

    def windows(self) -> list[tuple[datetime, datetime]]:
        """The UTC window of allowed starts of each occurrence: it opens at the same wall clock in `zone`, across DST."""
        out = []
        for day in series_days(self.first_day, self.recurrence, self.count):
            opens = local_instant(day, self.window_start, self.zone)
            out.append((opens, opens + timedelta(minutes=self.window_minutes)))
        return out


def _int(text: str | None, field: str, what: str) -> int:
    try:
        return int((text or "").strip())
    except ValueError:
        typed = (text or "").strip()[:20]
        raise UserError(f"{what} must be a whole number" + (f", not `{typed}`." if typed else "."), field=field) from None


def read_request(*, title: str | None, participant_ids: list[str], duration: str | None, day: str | None, window_start: str | None,
                 window_end: str | None, recurrence: str | None, count: str | None, agenda: str | None, prereads: str | None,
                 reminder_target: str | None, today: date) -> MeetingRequest:
    """Check the propose form; a UserError names the field that is wrong."""
    minutes = _int(duration, "duration", "The duration")
    try:
        repeat = Recurrence(recurrence or "none")
    except ValueError:
        raise UserError("Choose how often it repeats.", field="recurrence") from None
    occurrences = 1 if repeat is Recurrence.NONE else _int(count, "count", "The number of occurrences")
    check_series(title or "", minutes, repeat, occurrences)
    first = read_day(day, "Pick the earliest day.")
    if first < today:
        raise UserError("The earliest day is in the past.", field="day")
    opens = _quarter_clock(window_start, "window_start")
    end_text = (window_end or "").strip()
    closes = 24 * 60 if end_text == "24:00" else _minutes(_quarter_clock(end_text, "window_end"))
    if closes <= _minutes(opens):
        raise UserError("The window must close after it opens.", field="window_end")
    links = tuple(line.strip() for line in (prereads or "").splitlines() if line.strip())
    if any(not link.startswith(("https://", "http://")) for link in links):
        raise UserError("Pre-reads are links starting with https://, one per line.", field="prereads")
    return MeetingRequest((title or "").strip()[:150], tuple(dict.fromkeys(participant_ids)), minutes, first, opens,
                          closes - _minutes(opens), repeat, occurrences, (agenda or "").strip(), links,
                          ReminderTarget.DM if reminder_target == ReminderTarget.DM else ReminderTarget.CHANNEL)


def read_day(text: str | None, missing: str = "Pick a day.") -> date:
    """A date picker's value (YYYY-MM-DD); a UserError on the `day` field when there is none."""
    try:
        return date.fromisoformat(text or "")
    except (ValueError, TypeError):
        raise UserError(missing, field="day") from None


def read_time(text: str | None) -> time:
    """A time picker's value (HH:MM); a UserError on the `time` field when there is none."""
    try:
        return parse_clock(text or "")
    except UserError as problem:
        raise UserError(problem.message, field="time") from None


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


def _quarter_clock(text: str | None, field: str) -> time:
    """A wall-clock time on the 15-minute grid the planner uses."""
    try:
        at = parse_clock(text or "")
    except UserError as problem:
        raise UserError(problem.message, field=field) from None
    if at.minute % 15:
        raise UserError("Use a time on the quarter hour (e.g. 08:00, 08:15, 08:30).", field=field)
    return at


def read_hours(user_id: str, zone: str, *, start: str | None, end: str | None, days: list[str] | None, never: str | None) -> WorkingHours:
    """Check the prefs form: working hours on the quarter hour, at least one workday, `HH:MM-HH:MM` limits."""
    work_start, work_end = _quarter_clock(start, "work_start"), _quarter_clock(end, "work_end")
    if work_end <= work_start:
        raise UserError("Your working day must end after it starts (overnight hours are not supported).", field="work_end")
    workdays = tuple(sorted(int(d) for d in days or ()))
    if not workdays:
        raise UserError("Pick at least one workday.", field="workdays")
    limits = []
    for part in (never or "").split(","):
        if not part.strip():
            continue
        pieces = part.split("-")
        if len(pieces) != 2:
            raise UserError("Write hard limits as `HH:MM-HH:MM`, e.g. `22:00-06:30`.", field="never")
        limits.append((_quarter_clock(pieces[0], "never"), _quarter_clock(pieces[1], "never")))
    return WorkingHours(user_id, zone, work_start, work_end, workdays, tuple(limits))


def read_zone(text: str | None) -> str:
    """A zone a person typed because Slack has none for them."""
    try:
        return parse_zone(text or "")
    except ValueError as error:
        raise UserError(str(error), field="zone") from None


CADENCE_WORDS = {"weekly": Recurrence.WEEKLY, "biweekly": Recurrence.BIWEEKLY, "fortnightly": Recurrence.BIWEEKLY,
                 "monthly": Recurrence.MONTHLY, "quarterly": Recurrence.QUARTERLY}
DEFAULT_LEAD_DAYS = 14


@dataclass(frozen=True)
class Cadence:
    """A governance rhythm ("steering committee every quarter"): each next occurrence is proposed `lead_days` ahead."""

    id: int
    channel_id: str
    organizer_id: str
    title: str
    recurrence: Recurrence
    participant_ids: tuple[str, ...]
    next_on: date
    duration_minutes: int = DEFAULT_DURATION
    lead_days: int = DEFAULT_LEAD_DAYS
    active: bool = True

    def series(self) -> str:
        """The pain ledger's key for this cadence's meetings."""
        return f"cadence:{self.id}"

    def propose_at(self) -> datetime:
        """When the scheduler posts the proposal for `next_on` (09:00 UTC, `lead_days` before)."""
        return datetime.combine(self.next_on - timedelta(days=self.lead_days), time(9, 0), tzinfo=timezone.utc)

    def after(self) -> date:
        """The day of the occurrence after `next_on`."""
        return series_days(self.next_on, self.recurrence, 2)[1]

    def request(self) -> MeetingRequest:
        """The request for `next_on`: one meeting, any start that UTC day."""
        return MeetingRequest(self.title, self.participant_ids, self.duration_minutes, self.next_on, time(0, 0), 24 * 60,
                              Recurrence.NONE, 1)


def parse_cadence(text: str, today: date) -> tuple[str, Recurrence, date, int, tuple[str, ...]]:
    """`<title> weekly|biweekly|monthly|quarterly <first date> [ahead <days>] [@people]`; the first date is all that
    follows the cadence word (`next friday`, `jan 13`) and must read whole."""
    example = f"`/meeting cadence Joint steering committee quarterly {example_day(today).isoformat()}`"
    check_resolved(unescape(text), example)
    people = mentioned(text)  # mentions arrive escaped: <@U123|name>
    words = unescape(without_mentions(text)).split()
    lead = DEFAULT_LEAD_DAYS
    if len(words) >= 2 and words[-2].lower() == "ahead":
        if not words[-1].isdigit() or not 1 <= int(words[-1]) <= 90:
            raise UserError(f"`ahead` takes a number of days between 1 and 90, e.g. `ahead 14`, not `ahead {words[-1][:20]}`.")
        lead = int(words[-1])
        words = words[:-2]
    where = max((i for i, w in enumerate(words) if w.lower() in CADENCE_WORDS), default=0)
    if not 0 < where < len(words) - 1:
        raise UserError(f"Use `/meeting cadence <title> weekly|biweekly|monthly|quarterly <first date> [ahead 14] [@people]`, e.g. {example}.")
    try:
        first = check_not_past(parse_day(" ".join(words[where + 1:]), today), today)
    except UserError as problem:
        raise UserError(f"{problem.message} Nothing was set up; e.g. {example}.") from None
    title = " ".join(words[:where]).strip()[:150]
    return title, CADENCE_WORDS[words[where].lower()], first, lead, people


def read_minutes(text: str | None) -> int:
    """A duration typed in minutes."""
    return _int(text, "duration", "The duration")
