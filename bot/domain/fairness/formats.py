"""`tzfair-instance/1` in and `tzfair-solution/1` out; every input error names its field."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from typing import Any

from bot.domain import tz
from bot.domain.errors import UserError
from bot.domain.fairness.model import PainModel, Participant, Problem, Track, Window

INSTANCE = "tzfair-instance/1"
SOLUTION = "tzfair-solution/1"


def _fail(path: str, message: str) -> UserError:
    return UserError(f"{path}: {message}", field=path)


def _get(data: dict[str, Any], key: str, path: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
    if key not in data:
        if default is ...:
            raise _fail(f"{path}{key}", "missing")
        return default
    value = data[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise _fail(f"{path}{key}", f"expected {getattr(kind, '__name__', 'a value of another type')}, got {type(value).__name__}")
    return value


def _hhmm(value: Any, path: str) -> time:
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except ValueError as error:
        raise _fail(path, f"expected HH:MM, got {value!r}") from error


def _instant(value: Any, path: str) -> datetime:
    if not isinstance(value, str) or not value.endswith("Z"):
        raise _fail(path, f"expected a UTC time like 2026-03-04T00:00:00Z, got {value!r}")
    try:
        return datetime.fromisoformat(value[:-1]).replace(tzinfo=tz.UTC)
    except ValueError as error:
        raise _fail(path, f"not a valid UTC time: {value!r}") from error


def format_instant(value: datetime) -> str:
    """2026-03-04T10:30:00Z."""
    return value.astimezone(tz.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _pain_model(data: dict[str, Any]) -> PainModel:
    raw = _get(data, "pain_model", "", dict, {})
    if raw.get("name", "banded-v1") != "banded-v1":
        raise _fail("pain_model.name", f"only banded-v1 is supported, got {raw.get('name')!r}")
    if raw.get("step_min", 15) != 15:
        raise _fail("pain_model.step_min", "only 15 is supported")
    weights = _get(raw, "weights", "pain_model.", dict, {})
    values: dict[str, int] = {}
    for key in ("shoulder_before_min", "shoulder_after_min", "early_before_min", "late_after_min", "non_workday_extra"):
        values[key] = _get(raw, key, "pain_model.", int, getattr(PainModel, key))
    for key in ("work", "shoulder", "early_late", "night"):
        values[key] = _get(weights, key, "pain_model.weights.", int, getattr(PainModel, key))
    for key, value in values.items():
        if value < 0:
            raise _fail(f"pain_model.{key}", "must not be negative")
    return PainModel(**values)  # type: ignore[arg-type]  # every key is one of PainModel's int fields


def _participant(raw: Any, path: str) -> Participant:
    if not isinstance(raw, dict):
        raise _fail(path, "expected an object")
    pid = _get(raw, "id", f"{path}.", str)
    zone = _get(raw, "tz", f"{path}.", str)
    try:
        tz.zone(zone)
    except ValueError as error:
        raise _fail(f"{path}.tz", f"unknown IANA time zone {zone!r}") from error
    start = _hhmm(_get(raw, "work_start", f"{path}.", str, "09:00"), f"{path}.work_start")
    end = _hhmm(_get(raw, "work_end", f"{path}.", str, "17:00"), f"{path}.work_end")
    for at, key in ((start, "work_start"), (end, "work_end")):
        if at.minute % 15:
            raise _fail(f"{path}.{key}", "must be on a 15-minute grid")
    if not start < end:
        raise _fail(f"{path}.work_end", "must be after work_start (overnight hours are not supported)")
    days = _get(raw, "workdays", f"{path}.", list, [1, 2, 3, 4, 5])
    if not days or any(not isinstance(d, int) or not 1 <= d <= 7 for d in days):
        raise _fail(f"{path}.workdays", "expected ISO weekdays 1-7")
    never_local = tuple((_hhmm(a, f"{path}.hard_unavailable_local[{i}]"), _hhmm(b, f"{path}.hard_unavailable_local[{i}]"))
                        for i, (a, b) in enumerate(_pairs(raw, "hard_unavailable_local", path)))
    never_utc = []
    for i, (a, b) in enumerate(_pairs(raw, "hard_unavailable_utc", path)):
        where = f"{path}.hard_unavailable_utc[{i}]"
        never_utc.append((_instant(a, where), _instant(b, where)))
    return Participant(pid, zone, start, end, tuple(days), never_local, tuple(never_utc),
                       name=str(raw.get("name", "")), org=str(raw.get("org", "")))


def _pairs(raw: dict[str, Any], key: str, path: str) -> list[tuple[Any, Any]]:
    items = _get(raw, key, f"{path}.", list, [])
    for i, item in enumerate(items):
        if not isinstance(item, list) or len(item) != 2:
            raise _fail(f"{path}.{key}[{i}]", "expected a pair [from, to]")
    return [(a, b) for a, b in items]


def read_instance(data: Any) -> tuple[Problem, list[str]]:
    """A `tzfair-instance/1` document as a Problem, plus warnings (tz database disagreements)."""
    if not isinstance(data, dict):
        raise _fail("(top)", "expected a JSON object")
    if data.get("format") != INSTANCE:
        raise _fail("format", f"expected {INSTANCE!r}, got {data.get('format')!r}")
    meeting = _get(data, "meeting", "", dict)
    duration = _get(meeting, "duration_min", "meeting.", int, 50)
    granularity = _get(meeting, "granularity_min", "meeting.", int, 15)
    if not 0 < duration <= 1440:
        raise _fail("meeting.duration_min", "must be between 1 and 1440")
    if granularity <= 0 or granularity % 15:
        raise _fail("meeting.granularity_min", "must be a positive multiple of 15")
    raw_people = _get(data, "participants", "", list)
    if not raw_people:
        raise _fail("participants", "at least one participant is needed")
    people = tuple(_participant(raw, f"participants[{i}]") for i, raw in enumerate(raw_people))
    ids = [p.id for p in people]
    for i, pid in enumerate(ids):
        if pid in ids[:i]:
            raise _fail(f"participants[{i}].id", f"duplicate id {pid!r}")
    organizer = data.get("organizer")
    if organizer is not None and organizer not in ids:
        raise _fail("organizer", f"{organizer!r} is not a participant id")
    raw_occurrences = _get(data, "occurrences", "", list)
    if not raw_occurrences:
        raise _fail("occurrences", "at least one occurrence is needed")
    windows, warnings = [], []
    for i, raw in enumerate(raw_occurrences):
        path = f"occurrences[{i}]"
        if not isinstance(raw, dict):
            raise _fail(path, "expected an object")
        start = _instant(_get(raw, "window_start_utc", f"{path}.", str), f"{path}.window_start_utc")
        end = _instant(_get(raw, "window_end_utc", f"{path}.", str), f"{path}.window_end_utc")
        if not start < end:
            raise _fail(f"{path}.window_end_utc", "must be after window_start_utc")
        if (start.minute % 15) or start.second:
            raise _fail(f"{path}.window_start_utc", "must be on the 15-minute grid")
        for zone, offset in (_get(raw, "offsets_min", f"{path}.", dict, {}) or {}).items():
            try:
                mine = start.astimezone(tz.zone(zone)).utcoffset()
            except ValueError:
                continue
            if mine is not None and int(mine.total_seconds() // 60) != offset:
                warnings.append(f"{path}.offsets_min.{zone}: file says {offset}, this tz database says {int(mine.total_seconds() // 60)}")
        windows.append(Window(start, end))
    problem = Problem(people, tuple(windows), duration, granularity, _pain_model(data), organizer, str(data.get("name", "")))
    return problem, warnings


def solution(problem: Problem, starts: Sequence[datetime], *, method: str, track: Track, solve_time_s: float) -> dict[str, Any]:
    """A `tzfair-solution/1` document."""
    return {"format": SOLUTION, "instance": problem.name, "method": method, "track": track.value,
            "solve_time_s": round(solve_time_s, 4), "starts_utc": [format_instant(s) for s in starts]}
