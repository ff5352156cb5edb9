"""Business-day clocks: weekends and every partner's public holidays are skipped, windows end at local midnight
whatever DST does, and the reminder comes the business day before (issue 19)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.business_days import add_business_days, business_days_between, is_business_day, reminder_before, window_end

US, DE = holidays.country_holidays("US", years=range(2026, 2032)), holidays.country_holidays("DE", years=range(2026, 2032))


def either(day: date) -> bool:
    """A public holiday of either partner (Acme in the US, Beta in Germany)."""
    return day in US or day in DE


def test_fifteen_business_days_skip_weekends_and_either_partners_holidays() -> None:
    # Opened on Thursday 17 December 2026: Christmas Day and New Year's Day (holidays in both countries) fall inside.
    opened = datetime(2026, 12, 17, 15, 0, tzinfo=timezone.utc)
    end = window_end(opened, 15, "Europe/Zurich", either)
    assert end == datetime(2027, 1, 12, 0, 0, tzinfo=ZoneInfo("Europe/Zurich")).astimezone(timezone.utc)  # end of Monday 11 January
    assert window_end(opened, 15, "Europe/Zurich") < end  # without the holidays it ends two business days sooner
    assert reminder_before(end, "Europe/Zurich", either) == datetime(2027, 1, 8, 9, 0, tzinfo=ZoneInfo("Europe/Zurich")).astimezone(timezone.utc)
    assert window_end(opened, 0, "Europe/Zurich", either) == opened


def test_one_partners_holiday_stops_the_clock_for_both() -> None:
    # US Thanksgiving (Thursday 26 November 2026) is no holiday in Germany; five business days from the Tuesday before.
    opened = datetime(2026, 11, 24, 14, 0, tzinfo=timezone.utc)
    zurich = ZoneInfo("Europe/Zurich")
    assert window_end(opened, 5, "Europe/Zurich", either).astimezone(zurich).date() == date(2026, 12, 3)  # end of Wed 2 Dec
    assert window_end(opened, 5, "Europe/Zurich", DE.__contains__).astimezone(zurich).date() == date(2026, 12, 2)


def test_a_window_ends_at_local_midnight_across_a_dst_change() -> None:
    opened = datetime(2027, 3, 10, 16, 0, tzinfo=timezone.utc)  # New York changes to summer time on 14 March
    end = window_end(opened, 3, "America/New_York")
    assert end.astimezone(ZoneInfo("America/New_York")).replace(tzinfo=None) == datetime(2027, 3, 16, 0, 0)
    assert end == datetime(2027, 3, 16, 4, 0, tzinfo=timezone.utc)  # EDT: UTC-4


@settings(max_examples=200, deadline=None)
@given(start=st.dates(date(2026, 1, 1), date(2030, 12, 31)), days=st.integers(0, 40))
def test_adding_business_days_counts_exactly_those_days(start: date, days: int) -> None:
    end = add_business_days(start, days, either)
    between = [start + timedelta(days=k) for k in range(1, (end - start).days + 1)]
    assert sum(is_business_day(d, either) for d in between) == days
    assert days == 0 or is_business_day(end, either)


@settings(max_examples=200, deadline=None)
@given(opened=st.datetimes(datetime(2026, 1, 1), datetime(2030, 12, 1), timezones=st.just(timezone.utc)),
       days=st.integers(1, 30), zone=st.sampled_from(["Europe/Zurich", "America/New_York", "Asia/Tokyo", "Australia/Sydney",
                                                        "Asia/Kolkata", "Pacific/Chatham"]))
def test_every_window_ends_at_a_local_midnight_after_a_business_day_and_counts_its_days(opened: datetime, days: int, zone: str) -> None:
    end = window_end(opened, days, zone, either)
    local = end.astimezone(ZoneInfo(zone))
    assert local.time() == time(0, 0) and end > opened
    last = local.date() - timedelta(days=1)
    assert is_business_day(last, either)
    assert business_days_between(opened, end - timedelta(microseconds=1), zone, either) == days
    reminder = reminder_before(end, zone, either)
    assert reminder is not None and reminder < end and is_business_day(reminder.astimezone(ZoneInfo(zone)).date(), either)
