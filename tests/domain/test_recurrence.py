"""Recurring local times stay right across DST changes in every hemisphere and at odd offsets.

The oracle is the standard library's zoneinfo (PEP 495) on the tzdata package's files, read here
and not through `bot.domain.tz`: `fold=0` reads a time in a gap with the offset before the gap and
picks the first of two ambiguous times, which is our policy; the cases below give instants worked
out by hand.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.recurrence import DailyRule, WeeklyRule, local_instant, parse_zone
from tests.tzdata_zones import tzdata_zone

UTC = timezone.utc
ZONES = ["Europe/Berlin", "Europe/London", "America/New_York", "America/Sao_Paulo", "Asia/Kolkata",
         "Australia/Lord_Howe", "Pacific/Chatham", "Australia/Sydney",
         "Europe/Dublin"]  # negative DST in the tz data: its winter time is the one marked daylight saving
# 02:15 falls in Lord Howe's 30-minute gap, 03:00 in Chatham's 02:45-03:45 gap and fold.
TIMES = [time(0, 0), time(1, 30), time(2, 30), time(9, 0), time(2, 15), time(3, 0)]
FIRST_DAY, LAST_DAY = date(2026, 1, 1), date(2028, 12, 31)

# (zone, local time) -> (gap days, fold days) in 2026-2028; every other pair has none.
EDGE_DAYS = {
    ("Europe/Berlin", time(2, 30)): (3, 3), ("Europe/Berlin", time(2, 15)): (3, 3),
    ("Europe/London", time(1, 30)): (3, 3), ("Europe/Dublin", time(1, 30)): (3, 3),
    ("America/New_York", time(2, 30)): (3, 0), ("America/New_York", time(2, 15)): (3, 0),
    ("America/New_York", time(1, 30)): (0, 3),
    ("Australia/Lord_Howe", time(2, 15)): (3, 0), ("Australia/Lord_Howe", time(1, 30)): (0, 3),
    ("Pacific/Chatham", time(3, 0)): (3, 3),
    ("Australia/Sydney", time(2, 30)): (3, 3), ("Australia/Sydney", time(2, 15)): (3, 3),
}


def expected(day: date, at: time, zone: str) -> datetime:
    """The policy's instant, by zoneinfo."""
    return datetime.combine(day, at, tzinfo=tzdata_zone(zone)).astimezone(UTC)


def in_gap(day: date, at: time, zone: str) -> bool:
    """Whether the wall time does not exist that day (it does not survive a round trip)."""
    wall = datetime.combine(day, at, tzinfo=tzdata_zone(zone))
    return wall.astimezone(UTC).astimezone(tzdata_zone(zone)).replace(tzinfo=None) != wall.replace(tzinfo=None)


def in_fold(day: date, at: time, zone: str) -> bool:
    """Whether the wall time happens twice that day."""
    wall = datetime.combine(day, at, tzinfo=tzdata_zone(zone))
    return not in_gap(day, at, zone) and wall.utcoffset() != wall.replace(fold=1).utcoffset()


def local(instant: datetime, zone: str) -> datetime:
    return instant.astimezone(tzdata_zone(zone))


def local_midnight(day: date, zone: str) -> datetime:
    return expected(day, time(0, 0), zone)


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("at", TIMES)
def test_a_daily_rule_fires_exactly_once_every_local_day_for_three_years(zone: str, at: time) -> None:
    fires = DailyRule(at, zone).occurrences(local_midnight(FIRST_DAY, zone), local_midnight(LAST_DAY + timedelta(days=1), zone))
    days = [FIRST_DAY + timedelta(days=n) for n in range((LAST_DAY - FIRST_DAY).days + 1)]
    assert fires == [expected(day, at, zone) for day in days]
    assert all(a < b for a, b in pairwise(fires))
    gaps = folds = 0
    for day, fire in zip(days, fires):
        wall = local(fire, zone)
        assert wall.date() == day
        if in_gap(day, at, zone):
            gaps += 1
            # Later by exactly the size of the gap, so never at a time that does not exist.
            jump = wall.utcoffset() - local(fire - timedelta(hours=6), zone).utcoffset()  # type: ignore[operator]
            assert datetime.combine(day, wall.time()) - datetime.combine(day, at) == jump > timedelta(0)
        else:
            assert wall.time() == at
            if in_fold(day, at, zone):
                folds += 1
                # The first of the two: an hour (or 30 minutes) later the same wall time comes again.
                assert fire < datetime.combine(day, at, tzinfo=tzdata_zone(zone)).replace(fold=1).astimezone(UTC)
    assert (gaps, folds) == EDGE_DAYS.get((zone, at), (0, 0))


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected_utc"),
    [
        # US spring forward 2027-03-14: 02:30 does not exist in New York -> 03:30 EDT.
        ("America/New_York", date(2027, 3, 14), time(2, 30), datetime(2027, 3, 14, 7, 30, tzinfo=UTC)),
        # US fall back 2026-11-01: 01:30 happens twice -> the first, EDT.
        ("America/New_York", date(2026, 11, 1), time(1, 30), datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
        # EU spring forward 2026-03-29: 02:30 Berlin -> 03:30 CEST.
        ("Europe/Berlin", date(2026, 3, 29), time(2, 30), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        # EU fall back 2026-10-25: 02:30 happens twice in Berlin -> the first, CEST.
        ("Europe/Berlin", date(2026, 10, 25), time(2, 30), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        # Dublin's fold, where the tz data calls winter time the DST one: still the first 01:30 (IST).
        ("Europe/Dublin", date(2026, 10, 25), time(1, 30), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        ("Europe/Dublin", date(2026, 3, 29), time(1, 30), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        # Sydney springs forward on 2026-10-04 at 02:00 -> 02:30 is 03:30 AEDT.
        ("Australia/Sydney", date(2026, 10, 4), time(2, 30), datetime(2026, 10, 3, 16, 30, tzinfo=UTC)),
        # Lord Howe moves by 30 minutes: 02:15 -> 02:45 (+11:00); 01:30 in April -> the first (+11:00).
        ("Australia/Lord_Howe", date(2026, 10, 4), time(2, 15), datetime(2026, 10, 3, 15, 45, tzinfo=UTC)),
        ("Australia/Lord_Howe", date(2026, 4, 5), time(1, 30), datetime(2026, 4, 4, 14, 30, tzinfo=UTC)),
        # Chatham (+12:45/+13:45) springs forward at 02:45 on 2026-09-27: 03:00 -> 04:00 +13:45.
        ("Pacific/Chatham", date(2026, 9, 27), time(3, 0), datetime(2026, 9, 26, 14, 15, tzinfo=UTC)),
        # Kolkata (+05:30, no DST) and Sao Paulo (no DST since 2019) just keep their offset.
        ("Asia/Kolkata", date(2027, 3, 14), time(9, 0), datetime(2027, 3, 14, 3, 30, tzinfo=UTC)),
        ("America/Sao_Paulo", date(2026, 11, 1), time(0, 0), datetime(2026, 11, 1, 3, 0, tzinfo=UTC)),
    ],
)
def test_the_policy_at_known_edges(zone: str, day: date, at: time, expected_utc: datetime) -> None:
    assert local_instant(day, at, zone) == expected_utc


WEEKLY_CASES = [
    # (zone, weekday, time, a day in the change week)
    ("America/New_York", 6, time(2, 30), date(2027, 3, 14)),  # Sunday at a time that does not exist
    ("America/New_York", 6, time(1, 30), date(2026, 11, 1)),  # Sunday at a time that happens twice
    ("America/New_York", 0, time(9, 0), date(2027, 3, 14)),
    ("America/New_York", 0, time(9, 0), date(2026, 11, 1)),
    ("Europe/Berlin", 6, time(2, 30), date(2026, 3, 29)),
    ("Europe/Berlin", 6, time(2, 30), date(2026, 10, 25)),
    ("Europe/London", 6, time(1, 30), date(2028, 3, 26)),
    ("Europe/London", 6, time(1, 30), date(2028, 10, 29)),
    ("Europe/Zurich", 0, time(9, 0), date(2026, 3, 29)),
    ("Europe/Zurich", 4, time(17, 0), date(2026, 10, 25)),
]


@pytest.mark.parametrize(("zone", "weekday", "at", "change_day"), WEEKLY_CASES)
def test_a_weekly_rule_fires_once_a_week_through_the_change_weeks(zone: str, weekday: int, at: time, change_day: date) -> None:
    start = local_midnight(change_day - timedelta(days=14), zone)
    fires = WeeklyRule(weekday, at, zone).occurrences(start, start + timedelta(days=35))
    first = change_day - timedelta(days=14) + timedelta(days=(weekday - change_day.weekday()) % 7)
    assert fires == [expected(first + timedelta(weeks=n), at, zone) for n in range(5)]
    assert all(local(f, zone).weekday() == weekday for f in fires)
    lengths = {b - a for a, b in pairwise(fires)}
    assert lengths <= {timedelta(days=7) + timedelta(hours=h) for h in (-1, 0, 1)}


def test_weekday_zero_is_monday_not_sunday() -> None:
    fire = WeeklyRule(0, time(9, 0), "UTC").next_after(datetime(2026, 11, 22, 12, tzinfo=UTC))  # a Sunday
    assert fire == datetime(2026, 11, 23, 9, tzinfo=UTC)


@pytest.mark.parametrize("make", [
    lambda: WeeklyRule(7, time(9), "UTC"),
    lambda: WeeklyRule(-1, time(9), "UTC"),
    lambda: DailyRule(time(9), "Mars/Olympus_Mons"),
    lambda: DailyRule(time(9), "europe/zurich"),  # not canonical: parse_zone first
    lambda: DailyRule(time(9, tzinfo=UTC), "UTC"),
])
def test_rules_that_could_only_fail_later_are_refused(make: object) -> None:
    with pytest.raises(ValueError):
        make()  # type: ignore[operator]


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError):
        DailyRule(time(9), "UTC").next_after(datetime(2026, 1, 1))


@pytest.mark.parametrize(("given_name", "canonical"), [
    ("Europe/Zurich", "Europe/Zurich"), (" europe/zurich\n", "Europe/Zurich"), ("utc", "UTC"),
    ("America/Sao_Paulo", "America/Sao_Paulo"),
])
def test_zone_names_are_checked_and_made_canonical(given_name: str, canonical: str) -> None:
    assert parse_zone(given_name) == canonical


@pytest.mark.parametrize("bad", ["Mars/Olympus_Mons", "", "../../etc/passwd", "Europe/Zürich", "x" * 500])
def test_unknown_zones_get_a_clear_error(bad: str) -> None:
    with pytest.raises(ValueError, match=r"Unknown time zone .*Area/City") as error:
        parse_zone(bad)
    assert len(str(error.value)) < 200


instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC))
rules = st.one_of(
    st.builds(DailyRule, st.sampled_from(TIMES), st.sampled_from(ZONES)),
    st.builds(WeeklyRule, st.integers(0, 6), st.sampled_from(TIMES), st.sampled_from(ZONES)),
)


@settings(max_examples=300, deadline=None)
@given(rules, instants)
def test_next_after_is_the_first_policy_instant_strictly_later(rule: DailyRule | WeeklyRule, instant: datetime) -> None:
    fire = rule.next_after(instant)
    assert fire > instant
    assert fire.tzinfo is not None and fire.utcoffset() == timedelta(0)
    # Oracle: the earliest policy instant after `instant` on the days the rule fires.
    today = local(instant, rule.zone).date()
    days = [today + timedelta(days=n) for n in range(-1, 9)]
    candidates = [expected(d, rule.at, rule.zone) for d in days if isinstance(rule, DailyRule) or d.weekday() == rule.weekday]
    assert fire == min(c for c in candidates if c > instant)


@settings(max_examples=300, deadline=None)
@given(rules, instants, st.floats(0, 1))
def test_next_after_is_stable_up_to_the_fire_and_moves_on_at_it(rule: DailyRule | WeeklyRule, instant: datetime, share: float) -> None:
    fire = rule.next_after(instant)
    between = instant + (fire - instant - timedelta(microseconds=1)) * share
    assert rule.next_after(between) == fire
    assert rule.next_after(fire - timedelta(microseconds=1)) == fire
    assert rule.next_after(fire) > fire


@settings(max_examples=300, deadline=None)
@given(rules, instants)
def test_the_local_wall_time_is_the_rules_except_on_gap_days(rule: DailyRule | WeeklyRule, instant: datetime) -> None:
    fire = rule.next_after(instant)
    wall = local(fire, rule.zone)
    if in_gap(wall.date(), rule.at, rule.zone):
        assert wall.time() > rule.at
    else:
        assert wall.time() == rule.at
