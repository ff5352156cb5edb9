"""Pain of every candidate start for every kind of person, from each quarter's UTC instant (exact across DST)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from bot.domain import tz
from bot.domain.fairness.model import (
    BANDS,
    QUARTER,
    PainModel,
    Participant,
    Problem,
    Window,
)

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
    """UTC instant -> UTC offset and local wall clock, read from the zone (zoneinfo) at each instant asked.

    zoneinfo finds an instant's offset in C (its zone's transitions, then the footer rule past them),
    so every instant is exact and no transition list of our own is needed.
    """

    def __init__(self, zone: str) -> None:
        self.zone = tz.zone(zone)

    def offset(self, utc: datetime) -> timedelta:
        """The UTC offset in force at `utc`."""
        return tz.offset_at(utc, self.zone)

    def local(self, utc: datetime) -> datetime:
        """Naive local wall-clock time of `utc`."""
        return utc.astimezone(self.zone).replace(tzinfo=None)


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


def zone_row(clock: ZoneClock, instants: list[datetime]) -> list[tuple[int, int]]:
    """(local minute of day, ISO weekday) of each instant, each read in the zone on its own (exact across DST)."""
    zone = clock.zone
    return [(local.hour * 60 + local.minute, local.isoweekday()) for local in [instant.astimezone(zone) for instant in instants]]


def _score_row(row: tuple[tuple[int, int], ...], person: Participant, bands: list[int], blocked_map: list[bool],
               weights: list[int], model: PainModel, per: int, q: int, count: int) -> tuple[list[int], list[int], list[bool]]:
    days = set(person.workdays)
    pain = [weights[bands[m // 15]] + (0 if d in days else model.non_workday_extra) for m, d in row]
    band = [bands[m // 15] for m, _ in row]
    block = [blocked_map[m // 15] for m, _ in row]
    return ([sum(pain[i * per:i * per + q]) for i in range(count)], [max(band[i * per:i * per + q]) for i in range(count)],
            [any(block[i * per:i * per + q]) for i in range(count)])


def build_tables(problem: Problem, classes: list[Participant]) -> list[Table]:
    """The candidate starts of every occurrence, each scored for every person class."""
    model = problem.pain_model
    clocks = {person.tz: ZoneClock(person.tz) for person in classes}
    band_maps = [[band_of(m, person, model) for m in range(0, DAY_MIN, 15)] for person in classes]
    weights = [model.weight(name) for name in BANDS]
    length = timedelta(minutes=problem.duration_min)
    q = quarters(problem.duration_min)
    step = timedelta(minutes=problem.granularity_min)
    per = problem.granularity_min // 15
    blocked_maps = [[any(in_daily_range(m, a, b) for a, b in person.never_local) for m in range(0, DAY_MIN, 15)] for person in classes]
    cache: dict[tuple[object, ...], tuple[list[int], list[int], list[bool]]] = {}
    tables = []
    for window in problem.windows:
        count = -(-int((window.end - window.start).total_seconds()) // (problem.granularity_min * 60))
        n_instants = (count - 1) * per + q
        instants = [window.start + j * QUARTER for j in range(n_instants)]
        rows = {zone: tuple(zone_row(clock, instants)) for zone, clock in clocks.items()}
        starts = [window.start + i * step for i in range(count)]
        pains_by_class, worst_by_class, blocked_by_class = [], [], []
        for index, person in enumerate(classes):
            # Weeks in the same DST regime repeat a zone's local times: score each pattern once.
            key = (index, rows[person.tz], count)
            if key not in cache:
                cache[key] = _score_row(rows[person.tz], person, band_maps[index], blocked_maps[index], weights, model, per, q, count)
            pains, worst, blocked = cache[key]
            if person.never_utc:
                blocked = [b or any(a < s + length and s < e for a, e in person.never_utc) for b, s in zip(blocked, starts)]
            pains_by_class.append(pains)
            worst_by_class.append(worst)
            blocked_by_class.append(blocked)
        slots = tuple(Slot(starts[i], tuple(col[i] for col in pains_by_class), tuple(col[i] for col in worst_by_class),
                           not any(col[i] for col in blocked_by_class)) for i in range(count))
        tables.append(Table(window, slots))
    return tables
