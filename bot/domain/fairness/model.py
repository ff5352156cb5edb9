"""Plain values of the fairness problem (MEETING-FAIRNESS.md): people, windows, the pain model, results."""
from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum

from bot.domain import tz
from bot.domain.errors import UserError

QUARTER = timedelta(minutes=15)
BANDS = ("work", "shoulder", "early_late", "night")


class Track(StrEnum):
    """A: pure objective. B: no avoidable night meeting (the bot's default)."""

    A = "A"
    B = "B"


class Cadence(StrEnum):
    """How a series repeats."""

    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


@dataclass(frozen=True)
class PainModel:
    """`banded-v1`: band edges relative to working hours, weights per quarter, non-workday extra."""

    shoulder_before_min: int = 120
    shoulder_after_min: int = 180
    early_before_min: int = 180
    late_after_min: int = 300
    work: int = 0
    shoulder: int = 1
    early_late: int = 3
    night: int = 10
    non_workday_extra: int = 3
    name: str = "banded-v1"
    step_min: int = 15

    def weight(self, band: str) -> int:
        """The weight of one quarter in `band`."""
        return int(getattr(self, band))


@dataclass(frozen=True)
class Participant:
    """One person: IANA zone, working hours [work_start, work_end), ISO workdays and hard limits."""

    id: str
    tz: str
    work_start: time = time(9, 0)
    work_end: time = time(17, 0)
    workdays: tuple[int, ...] = (1, 2, 3, 4, 5)
    never_local: tuple[tuple[time, time], ...] = ()  # daily local ranges, may wrap midnight
    never_utc: tuple[tuple[datetime, datetime], ...] = ()  # absolute UTC intervals
    name: str = ""
    org: str = ""

    def __post_init__(self) -> None:
        try:
            tz.zone(self.tz)
        except ValueError as error:
            raise UserError(f"participant {self.id}: unknown time zone {self.tz!r}", field="tz") from error
        if not self.work_start < self.work_end:
            raise UserError(f"participant {self.id}: work_start must be before work_end", field="work_end")
        for at in (self.work_start, self.work_end):
            if at.minute % 15 or at.second:
                raise UserError(f"participant {self.id}: working hours must be on a 15-minute grid", field="work_start")
        if not self.workdays or any(day not in range(1, 8) for day in self.workdays):
            raise UserError(f"participant {self.id}: workdays are ISO weekdays 1-7", field="workdays")

    def profile(self) -> tuple[object, ...]:
        """What decides this person's pain: people with equal profiles are interchangeable."""
        return (self.tz, self.work_start, self.work_end, tuple(sorted(self.workdays)), self.never_local, self.never_utc)


@dataclass(frozen=True)
class Window:
    """Allowed start instants [start, end) in UTC for one occurrence."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise UserError("window times must be timezone-aware UTC instants", field="window")
        if not self.start < self.end:
            raise UserError("window start must be before its end", field="window")


@dataclass(frozen=True)
class Problem:
    """Who meets, for how long, and the window of each occurrence (one window = a single meeting)."""

    participants: tuple[Participant, ...]
    windows: tuple[Window, ...]
    duration_min: int = 50
    granularity_min: int = 15
    pain_model: PainModel = field(default_factory=PainModel)
    organizer: str | None = None
    name: str = ""

    def __post_init__(self) -> None:
        if not self.participants:
            raise UserError("at least one participant is needed", field="participants")
        ids = [person.id for person in self.participants]
        if len(set(ids)) != len(ids):
            raise UserError("participant ids must be unique", field="participants")
        if not self.windows:
            raise UserError("at least one occurrence window is needed", field="occurrences")
        if not 0 < self.duration_min <= 24 * 60:
            raise UserError("duration must be between 1 minute and 24 hours", field="duration_min")
        if self.granularity_min <= 0 or self.granularity_min % 15:
            raise UserError("granularity must be a positive multiple of 15 minutes", field="granularity_min")
        if self.organizer is not None and self.organizer not in ids:
            raise UserError(f"organizer {self.organizer!r} is not a participant", field="organizer")


@dataclass(frozen=True)
class PersonTime:
    """One person at one slot: local start, pain in quarter-points (4 = one pain point), worst band."""

    participant_id: str
    local_start: datetime
    local_end: datetime
    pain_qp: int
    worst_band: str

    @property
    def pain(self) -> float:
        """Pain in points."""
        return self.pain_qp / 4

    @property
    def night(self) -> bool:
        """Whether any quarter falls in this person's night band."""
        return self.worst_band == "night"


@dataclass(frozen=True)
class SlotOption:
    """A possible start with everyone's local time and pain."""

    start_utc: datetime
    end_utc: datetime
    people: tuple[PersonTime, ...]

    @property
    def max_pain_qp(self) -> int:
        """The worst individual pain at this slot."""
        return max(person.pain_qp for person in self.people)

    @property
    def total_qp(self) -> int:
        """Everyone's pain summed."""
        return sum(person.pain_qp for person in self.people)

    @property
    def night_free(self) -> bool:
        """Nobody is in their night band."""
        return not any(person.night for person in self.people)


@dataclass(frozen=True)
class PlannedOccurrence:
    """One occurrence of a series: its slot and everyone's cumulative pain after it (carried included)."""

    k: int
    slot: SlotOption
    cumulative_qp: Mapping[str, int]
    fixed: bool = False


@dataclass(frozen=True)
class SeriesPlan:
    """One start per occurrence and the ledger: cumulative pain per person, carried pain included."""

    track: Track
    occurrences: tuple[PlannedOccurrence, ...]
    ledger_qp: Mapping[str, int]
    carried_qp: Mapping[str, int]
    night_rule_bit: bool  # track B forbade a night slot somewhere (False: same schedule space as A)
    optimal: bool = False  # the exact path proved no schedule of the planned occurrences has a smaller max_cum

    @property
    def starts_utc(self) -> tuple[datetime, ...]:
        """The chosen starts in occurrence order."""
        return tuple(occurrence.slot.start_utc for occurrence in self.occurrences)

    @property
    def max_cum_qp(self) -> int:
        """The largest cumulative pain of anyone (the primary objective)."""
        return max(self.ledger_qp.values())

    @property
    def total_qp(self) -> int:
        """The sum of cumulative pain (the secondary objective)."""
        return sum(self.ledger_qp.values())


def series_windows(first: Window, count: int, cadence: Cadence, *, anchor_tz: str | None = None) -> tuple[Window, ...]:
    """`count` windows repeating `first` weekly, every two weeks or monthly (same day of month, clamped).

    With `anchor_tz` each window keeps the same wall-clock times in that zone across DST changes;
    without it the window repeats at the same UTC times.
    """
    if count < 1:
        raise UserError("a series needs at least one occurrence", field="count")
    zone = tz.zone(anchor_tz) if anchor_tz else None
    local_start = first.start.astimezone(zone or tz.UTC).replace(tzinfo=None)
    length = first.end - first.start
    windows = []
    for index in range(count):
        if cadence is Cadence.MONTHLY:
            month = local_start.month - 1 + index
            year, month = local_start.year + month // 12, month % 12 + 1
            day = min(local_start.day, calendar.monthrange(year, month)[1])
            naive = local_start.replace(year=year, month=month, day=day)
        else:
            naive = local_start + timedelta(days=(7 if cadence is Cadence.WEEKLY else 14) * index)
        start = tz.wall(naive, zone) if zone is not None else naive.replace(tzinfo=tz.UTC)
        windows.append(Window(start, start + length))
    return tuple(windows)
