"""The digest's schedule as typed, and the governance health line."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest

from bot.domain.digest import ClosedSpan, health, parse_schedule, previous_firing
from bot.domain.errors import UserError
from bot.domain.recurrence import DailyRule, WeeklyRule

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=timezone.utc)


def test_schedules_as_typed() -> None:
    assert parse_schedule("weekly mon 09:00", "Europe/Zurich") == WeeklyRule(0, time(9, 0), "Europe/Zurich")
    assert parse_schedule("weekly Sunday 18:30 america/new_york", "UTC") == WeeklyRule(6, time(18, 30), "America/New_York")
    assert parse_schedule("daily 08:30", "UTC") == DailyRule(time(8, 30), "UTC")
    assert parse_schedule("off", "UTC") is None


@pytest.mark.parametrize("text", ["weekly mon", "weekly funday 09:00", "daily 25:00", "daily 08:30 Mars/Olympus", "hourly", "weekly mon 9 x y"])
def test_bad_schedules_are_refused_with_examples(text: str) -> None:
    with pytest.raises(UserError, match="/digest weekly mon 09:00"):
        parse_schedule(text, "UTC")


def test_health_over_the_last_90_days() -> None:
    spans = [ClosedSpan(1, NOW - timedelta(days=10), NOW - timedelta(days=8)), ClosedSpan(3, NOW - timedelta(days=30), NOW - timedelta(days=26)),
             ClosedSpan(2, NOW - timedelta(days=200), NOW - timedelta(days=100))]
    got = health(spans, NOW)
    assert (got.closed, got.average_rounds, got.average_cycle) == (2, 2.0, timedelta(days=3))
    assert health([], NOW).closed == 0


def test_since_the_last_digest_is_the_previous_firing() -> None:
    rule = WeeklyRule(0, time(9, 0), "UTC")
    assert previous_firing(rule, datetime(2027, 3, 8, 9, 0, tzinfo=timezone.utc)) == datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)
    assert previous_firing(None, NOW) == NOW - timedelta(days=7)
