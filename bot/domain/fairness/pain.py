"""Pain of every candidate start for every kind of person, from each quarter's UTC instant (exact across DST)."""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytz

from bot.domain.fairness.model import BANDS, QUARTER, Participant, PainModel, Problem, Window

DAY_MIN = 24 * 60


@dataclass(frozen=True)
class Slot:
    """One candidate start: pain (quarter-points) and worst band index per person class."""

    start: datetime
    pains: tuple[int, ...]
    worst: tuple[int, ...]
    feasible: bool

    @property
    def night(self) -> bool:
        """Someone is in their night band."""
        return any(band == 3 for band in self.worst)


@dataclass(frozen=True)
class Table:
    """All candidate starts of one occurrence."""

    window: Window
    slots: tuple[Slot, ...]

    def allowed(self, night_rule: bool) -> tuple[int, ...]:
        """Indices of the slots a method may choose (track B: night slots go when a night-free one exists)."""
        feasible = [i for i, slot in enumerate(self.slots) if slot.feasible]
        if night_rule:
            calm = [i for i in feasible if not self.slots[i].night]
            if calm:
                return tuple(calm)
        return tuple(feasible)

    def night_rule_bites(self) -> bool:
        """Track B removes at least one feasible slot here."""
        return self.allowed(True) != self.allowed(False)


def minutes(at: time) -> int:
    """Minutes since midnight."""
    return at.hour * 60 + at.minute


def band_of(minute: int, person: Participant, model: PainModel) -> int:
    """The band index (0 work .. 3 night) of a local minute of day, bands reaching into the next/previous day."""
    ws, we = minutes(person.work_start), minutes(person.work_end)
    best = 3
    for m in (minute - DAY_MIN, minute, minute + DAY_MIN):
        if ws <= m < we:
            band = 0
        elif ws - model.shoulder_before_min <= m < ws or we <= m < we + model.shoulder_after_min:
            band = 1
        elif ws - model.early_before_min <= m < ws or we <= m < we + model.late_after_min:
            band = 2
        else:
            band = 3
        best = min(best, band)
    return best


def in_daily_range(minute: int, start: time, end: time) -> bool:
    """Whether a local minute of day is inside [start, end), wrapping midnight when end <= start."""
    a, b = minutes(start), minutes(end)
    return a <= minute < b if a < b else minute >= a or minute < b


class ZoneClock:
    """UTC instant -> (local minute of day, ISO weekday), bisecting pytz's own transition list."""

    def __init__(self, zone: str) -> None:
        self.tz = pytz.timezone(zone)
        self.transitions: list[datetime] | None = getattr(self.tz, "_utc_transition_times", None)
        self.infos = getattr(self.tz, "_transition_info", None)

    def offset(self, utc: datetime) -> timedelta:
        """The UTC offset in force at `utc` (same answer as utc.astimezone(tz).utcoffset())."""
        if self.transitions and self.infos:
            index = max(bisect_right(self.transitions, utc.replace(tzinfo=None)) - 1, 0)
            return self.infos[index][0]
        return utc.astimezone(self.tz).utcoffset() or timedelta(0)

    def local(self, utc: datetime) -> datetime:
        """Naive local wall-clock time of `utc`."""
        return (utc + self.offset(utc)).replace(tzinfo=None)


def person_classes(participants: tuple[Participant, ...]) -> tuple[list[Participant], list[int]]:
    """Representatives of interchangeable people and, per participant, the index of their class."""
    reps: list[Participant] = []
    index: dict[tuple[object, ...], int] = {}
    of: list[int] = []
    for person in participants:
        key = person.profile()
        if key not in index:
            index[key] = len(reps)
            reps.append(person)
        of.append(index[key])
    return reps, of


def quarters(duration_min: int) -> int:
    """Quarters a meeting covers; a final partial quarter counts whole so pain stays an integer."""
    return -(-duration_min // 15)


def build_tables(problem: Problem, classes: list[Participant]) -> list[Table]:
    """The candidate starts of every occurrence, each scored for every person class."""
    model = problem.pain_model
    clocks = {person.tz: ZoneClock(person.tz) for person in classes}
    band_maps = [[band_of(m, person, model) for m in range(0, DAY_MIN, 15)] for person in classes]
    weights = [model.weight(name) for name in BANDS]
    length = timedelta(minutes=problem.duration_min)
    q = quarters(problem.duration_min)
    step = timedelta(minutes=problem.granularity_min)
    tables = []
    for window in problem.windows:
        count = -(-int((window.end - window.start).total_seconds()) // (problem.granularity_min * 60))
        n_instants = (count - 1) * (problem.granularity_min // 15) + q
        per_class = []
        for person, bands in zip(classes, band_maps):
            clock = clocks[person.tz]
            row = []
            for j in range(n_instants):
                local = clock.local(window.start + j * QUARTER)
                minute = local.hour * 60 + local.minute
                band = bands[minute // 15]
                pain = weights[band] + (0 if local.isoweekday() in person.workdays else model.non_workday_extra)
                blocked = any(in_daily_range(minute, a, b) for a, b in person.never_local)
                row.append((pain, band, blocked))
            per_class.append(row)
        slots = []
        per = problem.granularity_min // 15
        for i in range(count):
            start = window.start + i * step
            pains, worst, feasible = [], [], True
            for person, row in zip(classes, per_class):
                cells = row[i * per:i * per + q]
                pains.append(sum(cell[0] for cell in cells))
                worst.append(max(cell[1] for cell in cells))
                if any(cell[2] for cell in cells) or any(a < start + length and start < b for a, b in person.never_utc):
                    feasible = False
            slots.append(Slot(start, tuple(pains), tuple(worst), feasible))
        tables.append(Table(window, tuple(slots)))
    return tables
