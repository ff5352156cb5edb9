"""Recurring local times stay right across DST changes in every hemisphere and odd offset."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import pytz
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.recurrence import DailyRule, WeeklyRule, local_instant, parse_zone

ZONES = ["Europe/Berlin", "Europe/London", "America/New_York", "America/Sao_Paulo", "Asia/Kolkata",
         "Australia/Lord_Howe", "Pacific/Chatham", "Australia/Sydney"]
TIMES = [time(0, 0), time(1, 30), time(2, 30), time(9, 0)]
UTC = pytz.utc


def local(instant: datetime, zone: str) -> datetime:
    return instant.astimezone(pytz.timezone(zone))


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("at", TIMES)
def test_daily_rules_fire_once_per_local_day_for_three_years(zone: str, at: time) -> None:
    rule = DailyRule(at, zone)
    start, end = datetime(2026, 1, 1, tzinfo=UTC), datetime(2029, 1, 1, tzinfo=UTC)
    fires = rule.occurrences(start, end)
    days = [local(f, zone).date() for f in fires]
    assert len(days) == len(set(days))  # never twice on a day (fall-back)
    assert all(b > a for a, b in zip(fires, fires[1:]))
    first, last = days[0], days[-1]
    assert len(days) == (last - first).days + 1  # never a day skipped (spring-forward)
    for fire in fires:
        wall = local(fire, zone).time().replace(tzinfo=None)
        if wall != at:
            # Only on a spring-forward day, and only by the size of the gap, later.
            shifted = datetime.combine(date(2000, 1, 1), wall) - datetime.combine(date(2000, 1, 1), at)
            assert timedelta(0) < shifted <= timedelta(hours=1)


@pytest.mark.parametrize(
    ("zone", "day", "expected_utc"),
    [
        # US spring forward 2027-03-14: 02:30 does not exist in New York -> 03:30 EDT.
        ("America/New_York", date(2027, 3, 14), datetime(2027, 3, 14, 7, 30, tzinfo=UTC)),
        # US fall back 2026-11-01: 01:30 happens twice -> the first, EDT.
        ("America/New_York", date(2026, 11, 1), datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
        # EU fall back 2026-10-25: 02:30 happens twice in Berlin -> the first, CEST.
        ("Europe/Berlin", date(2026, 10, 25), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        # Sydney springs forward on 2026-10-04 at 02:00 -> 02:30 is 03:30 AEDT.
        ("Australia/Sydney", date(2026, 10, 4), datetime(2026, 10, 3, 16, 30, tzinfo=UTC)),
    ],
)
def test_policy_at_the_edges(zone: str, day: date, expected_utc: datetime) -> None:
    at = time(1, 30) if day in (date(2026, 11, 1),) else time(2, 30)
    assert local_instant(day, at, zone) == expected_utc


@pytest.mark.parametrize(("zone", "weeks"), [("America/New_York", [(2027, 3, 8), (2026, 10, 26)]), ("Europe/Zurich", [(2027, 3, 22), (2026, 10, 19)])])
def test_weekly_digest_keeps_its_local_time_across_the_change_weeks(zone: str, weeks: list[tuple[int, int, int]]) -> None:
    rule = WeeklyRule(0, time(9, 0), zone)  # Monday 09:00
    for y, m, d in weeks:
        start = pytz.timezone(zone).localize(datetime(y, m, d)).astimezone(UTC)
        fires = rule.occurrences(start, start + timedelta(days=21))
        assert len(fires) == 3
        assert all(local(f, zone).weekday() == 0 and local(f, zone).hour == 9 and local(f, zone).minute == 0 for f in fires)
        gaps = {round((b - a).total_seconds() / 3600) for a, b in zip(fires, fires[1:])}
        assert gaps <= {167, 168, 169}  # one week, give or take the DST hour


def test_weekday_zero_is_monday_not_sunday() -> None:
    fire = WeeklyRule(0, time(9, 0), "UTC").next_after(datetime(2026, 11, 22, 12, tzinfo=UTC))  # a Sunday
    assert fire == datetime(2026, 11, 23, 9, tzinfo=UTC)
    with pytest.raises(ValueError):
        WeeklyRule(7, time(9), "UTC")


def test_zone_names_are_checked() -> None:
    assert parse_zone(" Europe/Zurich ") == "Europe/Zurich"
    with pytest.raises(ValueError, match="Area/City"):
        parse_zone("Mars/Olympus_Mons")


@given(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31)), st.sampled_from(ZONES), st.sampled_from(TIMES))
def test_next_after_is_strictly_later_and_within_a_day(naive: datetime, zone: str, at: time) -> None:
    instant = UTC.localize(naive)
    fire = DailyRule(at, zone).next_after(instant)
    assert instant < fire <= instant + timedelta(hours=26)
    assert DailyRule(at, zone).next_after(fire - timedelta(microseconds=1)) == fire
