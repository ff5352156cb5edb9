"""Time zones: the one place the bot gets a zone, from the pinned tzdata package, read by zoneinfo.

zoneinfo reads a zone file's footer rule too (the rule that repeats after the file's table of
changes ends), so local times past the table come out right: pytz reads only its own table, which
stops in 2037, and keeps the last offset from there on, wrong half of every year from 2038 in each
zone that still has DST. The files are the tzdata package's, never the system's /usr/share/zoneinfo,
so every machine computes with the same release (`DATA_VERSION`, checked at start-up by
`bot/startup.py`). A zone is read once, when first asked for; nothing at import.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import cache, lru_cache
from importlib import resources
from zoneinfo import ZoneInfo

import tzdata

UTC = timezone.utc
DATA_VERSION: str = str(tzdata.IANA_VERSION)  # the IANA release of the data, e.g. "2026a"
Zone = ZoneInfo
# The data's placeholder for "zone not set" (abbreviation "-00"), not a place anyone is in.
_NOT_A_PLACE = {"Factory"}


def canonical(name: str) -> str:
    """The data's spelling of a zone name given in any case ("europe/zurich"); ValueError with a clear message."""
    found = _names().get(name.strip().casefold()) if isinstance(name, str) else None
    if found is None:
        shown = name[:64] if isinstance(name, str) else name
        raise ValueError(f"Unknown time zone {shown!r}: use an Area/City name such as Europe/Zurich "
                         "or America/New_York.")
    return found


def zone(name: str) -> ZoneInfo:
    """The zone `name` (any case) from the tzdata package; ValueError as `canonical` gives for one the data does not know."""
    return _load(canonical(name))


def wall(day_at: datetime, zone_info: ZoneInfo) -> datetime:
    """The UTC instant of a naive wall time: in a fold the earlier instant, in a gap the wall time read with the offset
    in force before the gap (zoneinfo's fold=0, RFC 5545 §3.3.5)."""
    return day_at.replace(tzinfo=zone_info, fold=0).astimezone(UTC)


def unambiguous(day_at: datetime, zone_info: ZoneInfo) -> bool:
    """Whether a naive wall time happens exactly once in the zone: not in a gap (skipped) or a fold (repeated)."""
    return day_at.replace(tzinfo=zone_info, fold=0).utcoffset() == day_at.replace(tzinfo=zone_info, fold=1).utcoffset()


@dataclass(frozen=True)
class Change:
    """From `at` (UTC) the zone's UTC offset is `after` (it was `before`), its abbreviation `name`, daylight time or not."""

    at: datetime
    before: timedelta
    after: timedelta
    daylight: bool
    name: str


@lru_cache(maxsize=256)
def changes(name: str, start: datetime, end: datetime) -> tuple[Change, ...]:
    """Every change of a zone's UTC offset in [start, end) (aware instants), in order.

    Found by reading the zone one day apart and bisecting to the second where the offset differs: a
    zone whose offset changed and changed back within one day would show no change there (no zone's
    table has such a pair since 1970: tests/domain/test_tz.py checks every file of the data).
    """
    zone_info = zone(name)
    first, last = int(start.timestamp()), int(end.timestamp())
    found: list[Change] = []
    low, low_offset = first, _offset(zone_info, first)
    while low < last:
        high = min(low + 86_400, last)
        high_offset = _offset(zone_info, high)
        if high_offset != low_offset:
            lo, hi = low, high  # the offset at lo is low_offset, at hi it is not
            while hi - lo > 1:
                middle = (lo + hi) // 2
                if _offset(zone_info, middle) == low_offset:
                    lo = middle
                else:
                    hi = middle
            local = datetime.fromtimestamp(hi, zone_info)
            after = local.utcoffset() or timedelta(0)
            found.append(Change(datetime.fromtimestamp(hi, UTC), low_offset, after, bool(local.dst()), local.tzname() or ""))
            low, low_offset = hi, after
            continue
        low, low_offset = high, high_offset
    return tuple(found)


def offset_at(instant: datetime, zone_info: ZoneInfo) -> timedelta:
    """The zone's UTC offset at an aware instant."""
    return instant.astimezone(zone_info).utcoffset() or timedelta(0)


def _offset(zone_info: ZoneInfo, timestamp: int) -> timedelta:
    return datetime.fromtimestamp(timestamp, zone_info).utcoffset() or timedelta(0)


@cache
def _load(name: str) -> ZoneInfo:
    with resources.files("tzdata.zoneinfo").joinpath(*name.split("/")).open("rb") as rules:
        return ZoneInfo.from_file(rules, key=name)


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    listed = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()
    return {name.casefold(): name for name in listed if name not in _NOT_A_PLACE}
