"""The one source of zones: names the data knows, zones from the tzdata package, and each zone's offset changes.

The oracle for the changes is the zone file itself: its table of transitions read here byte by byte
(RFC 8536, TZif), and, past the table, zoneinfo's reading of the file read an hour apart.
"""
from __future__ import annotations

import struct
from datetime import date, datetime, time, timedelta, timezone
from importlib import resources
from itertools import pairwise

import pytest
import tzdata

from bot.domain import tz
from bot.domain.recurrence import local_instant
from tests.tzdata_zones import tzdata_zone

UTC = timezone.utc


def tzdata_file(name: str) -> bytes:
    return resources.files("tzdata.zoneinfo").joinpath(*name.split("/")).read_bytes()


def table(name: str) -> list[tuple[int, int]]:
    """(transition in Unix seconds, UTC offset in seconds after it) from the file's 64-bit table (TZif v2+)."""
    data = tzdata_file(name)
    assert data[:4] == b"TZif" and data[4:5] >= b"2", name
    isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt = struct.unpack(">6l", data[20:44])
    at = 44 + timecnt * 5 + typecnt * 6 + charcnt + leapcnt * 8 + isstdcnt + isutcnt  # past the 32-bit block
    isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt = struct.unpack(">6l", data[at + 20:at + 44])
    at += 44
    times = struct.unpack(f">{timecnt}q", data[at:at + 8 * timecnt])
    indexes = data[at + 8 * timecnt:at + 9 * timecnt]
    types_at = at + 9 * timecnt
    offsets = [struct.unpack(">l", data[types_at + 6 * i:types_at + 6 * i + 4])[0] for i in range(typecnt)]
    return [(t, offsets[i]) for t, i in zip(times, indexes)]


def names() -> list[str]:
    return resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8").split()


@pytest.mark.parametrize(("typed", "canonical"), [("europe/zurich", "Europe/Zurich"), ("  America/New_York ", "America/New_York"),
                                                  ("utc", "UTC"), ("AFRICA/CASABLANCA", "Africa/Casablanca")])
def test_names_are_read_in_any_case_and_given_as_the_data_spells_them(typed: str, canonical: str) -> None:
    assert tz.canonical(typed) == canonical
    assert tz.zone(typed).key == canonical and tz.zone(typed) is tz.zone(canonical)


@pytest.mark.parametrize("bad", ["Mars/Olympus_Mons", "", "Factory", "../../etc/passwd", "zoneinfo/UTC", "Europe/", "x" * 500])
def test_a_name_the_data_does_not_know_is_refused_clearly(bad: str) -> None:
    with pytest.raises(ValueError, match=r"Unknown time zone .*Area/City") as error:
        tz.zone(bad)
    assert len(str(error.value)) < 200


def test_the_data_is_the_pinned_tzdata_package() -> None:
    assert tz.DATA_VERSION == tzdata.IANA_VERSION >= "2026a"
    name = "Africa/Casablanca"
    expected = tzdata_zone(name)
    for day in range(0, 5 * 365, 5):
        instant = datetime(2026, 1, 1, 12, tzinfo=UTC) + timedelta(days=day)
        assert tz.offset_at(instant, tz.zone(name)) == instant.astimezone(expected).utcoffset(), instant


def test_a_casablanca_wall_time_after_the_2026_change_is_the_instant_zoneinfo_gives() -> None:
    # Morocco's changes in this data: +00 from 2026-02-15 (Ramadan), +01 from 2026-03-22, +00 from 2026-09-20 on.
    zone = tzdata_zone("Africa/Casablanca")
    for day in (date(2027, 2, 10), date(2027, 3, 1), date(2027, 6, 15), date(2028, 1, 20)):
        assert local_instant(day, time(9, 0), "Africa/Casablanca") == datetime.combine(day, time(9, 0), tzinfo=zone).astimezone(UTC)
    assert local_instant(date(2026, 6, 15), time(9, 0), "Africa/Casablanca") == datetime(2026, 6, 15, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(("zone", "summer_utc"), [("America/New_York", 13), ("Europe/Zurich", 7), ("Europe/London", 8)])
def test_summer_times_after_2037_keep_their_daylight_saving(zone: str, summer_utc: int) -> None:
    # The footer rule: pytz, which reads only its table (it stops in 2037), gives these an hour later.
    for year in (2037, 2038, 2045, 2060):
        assert local_instant(date(year, 7, 1), time(9, 0), zone) == datetime(year, 7, 1, summer_utc, tzinfo=UTC)


def test_unambiguous_is_false_in_a_gap_and_a_fold_only() -> None:
    new_york = tz.zone("America/New_York")
    assert not tz.unambiguous(datetime(2026, 3, 8, 2, 30), new_york)  # the gap
    assert not tz.unambiguous(datetime(2026, 11, 1, 1, 30), new_york)  # the fold
    assert tz.unambiguous(datetime(2026, 3, 8, 3, 30), new_york) and tz.unambiguous(datetime(2026, 11, 1, 2, 30), new_york)
    assert tz.wall(datetime(2026, 11, 1, 1, 30), new_york) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # the earlier
    assert tz.wall(datetime(2026, 3, 8, 2, 30), new_york) == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # offset before the gap


def test_no_zone_changes_its_offset_twice_within_a_day_since_1970() -> None:
    # What `tz.changes` relies on when it reads each zone one day apart.
    since = int(datetime(1970, 1, 1, tzinfo=UTC).timestamp())
    for name in names():
        moves = [t for (_, before), (t, offset) in pairwise(table(name)) if offset != before and t >= since]
        close = [(a, b) for a, b in pairwise(moves) if b - a <= 86_400]
        assert not close, (name, [datetime.fromtimestamp(a, UTC) for a, _ in close])


@pytest.mark.parametrize("name", ["America/New_York", "Europe/Dublin", "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Tehran",
                                  "America/Sao_Paulo", "Africa/Casablanca", "America/Santiago", "Europe/Moscow", "Asia/Tokyo", "UTC"])
def test_changes_are_the_files_table_and_past_it_every_change_zoneinfo_reads(name: str) -> None:
    start, end = datetime(2000, 1, 1, tzinfo=UTC), datetime(2040, 1, 1, tzinfo=UTC)
    found = tz.changes(name, start, end)
    rows = table(name)
    listed = [(datetime.fromtimestamp(t, UTC), timedelta(seconds=offset)) for (_, before), (t, offset) in pairwise(rows)
              if offset != before and start.timestamp() <= t < end.timestamp()]
    table_end = datetime.fromtimestamp(rows[-1][0], UTC) if rows else start
    assert [(c.at, c.after) for c in found if c.at <= table_end] == listed
    # Past the table (the footer rule), hour by hour.
    zone = tz.zone(name)
    hours, at = [], max(table_end, start)
    scanned_from, offset = at, tz.offset_at(at, zone)
    while at < end:
        at += timedelta(hours=1)
        if tz.offset_at(at, zone) != offset:
            hours.append(at)
            offset = tz.offset_at(at, zone)
    past = [c.at for c in found if c.at > scanned_from]
    assert [c.replace(minute=0, second=0) + (timedelta(hours=1) if c.minute or c.second else timedelta(0)) for c in past] == hours
    assert all(c.before != c.after and tz.offset_at(c.at, zone) == c.after and tz.offset_at(c.at - timedelta(seconds=1), zone) == c.before
               for c in found)
