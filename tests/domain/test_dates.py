"""Dates as people type them: read in their own zone, refused with examples when unreadable."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest

from bot.domain.dates import (
    When,
    check_not_past,
    date_examples,
    local_today,
    looks_like_a_date,
    parse_clock,
    parse_day,
    parse_when,
)
from bot.domain.errors import UserError

SATURDAY = date(2026, 11, 28)


@pytest.mark.parametrize("typed, expected", [
    ("2026-12-01", date(2026, 12, 1)),
    ("2026-1-5", date(2026, 1, 5)),
    ("today", SATURDAY),
    ("Tomorrow", date(2026, 11, 29)),
    ("monday", date(2026, 11, 30)),
    ("fri", date(2026, 12, 4)),
    ("saturday", date(2026, 12, 5)),  # the next one, not today
    ("next tuesday", date(2026, 12, 1)),
    ("in 3 days", date(2026, 12, 1)),
    ("in 1 day", date(2026, 11, 29)),
    ("in  2   weeks", date(2026, 12, 12)),
    ("this friday", date(2026, 12, 4)),
    ("in 3 months", date(2027, 2, 28)),
    ("dec 15", date(2026, 12, 15)),
    ("15 Nov", date(2027, 11, 15)),  # without a year: the next such day
    ("the 3rd of january", date(2027, 1, 3)),
    ("January 3, 2028", date(2028, 1, 3)),
    ("end of february", date(2027, 2, 28)),
    ("end of nov", date(2026, 11, 30)),
    ("eod", SATURDAY),
])
def test_the_ways_people_write_a_day(typed: str, expected: date) -> None:
    assert parse_day(typed, SATURDAY) == expected


@pytest.mark.parametrize("typed", ["2026-02-30", "next month", "soon", "", "12/01/2026", "in -2 days", "in 1000 days", "feb 30",
                                   "end of the world"])
def test_an_unreadable_day_is_refused_with_examples(typed: str) -> None:
    with pytest.raises(UserError) as refused:
        parse_day(typed, SATURDAY)
    assert "tomorrow" in refused.value.message


@pytest.mark.parametrize("typed, expected", [
    ("09:00", time(9, 0)), ("9:30", time(9, 30)), ("23:59", time(23, 59)), ("9am", time(9, 0)),
    ("12am", time(0, 0)), ("12pm", time(12, 0)), ("5:30 pm", time(17, 30)), ("8", time(8, 0)),
])
def test_times_of_day(typed: str, expected: time) -> None:
    assert parse_clock(typed) == expected


@pytest.mark.parametrize("typed", ["24:00", "9:60", "13pm", "noonish", ""])
def test_an_unreadable_time_is_refused(typed: str) -> None:
    with pytest.raises(UserError):
        parse_clock(typed)


def test_a_date_with_a_time_becomes_an_instant_in_the_typists_zone() -> None:
    when = parse_when("2026-12-01 15:00", SATURDAY)
    assert when == When(date(2026, 12, 1), time(15, 0))
    assert when.instant("America/New_York") == datetime(2026, 12, 1, 20, 0, tzinfo=timezone.utc)
    assert parse_when("tomorrow 9am", SATURDAY) == When(date(2026, 11, 29), time(9, 0))
    assert parse_when("in 2 weeks", SATURDAY) == When(date(2026, 12, 12))
    assert parse_when("2026-12-01T08:30", SATURDAY) == When(date(2026, 12, 1), time(8, 30))
    # No time given: the default hour, in the zone's own offset on that day (DST in March).
    assert parse_when("2027-03-15", SATURDAY).instant("Europe/Zurich") == datetime(2027, 3, 15, 8, 0, tzinfo=timezone.utc)
    assert parse_when("2027-03-29", SATURDAY).instant("Europe/Zurich") == datetime(2027, 3, 29, 7, 0, tzinfo=timezone.utc)


def test_today_depends_on_where_you_are() -> None:
    now = datetime(2026, 11, 28, 20, 0, tzinfo=timezone.utc)
    assert local_today(now, "America/New_York") == date(2026, 11, 28)
    assert local_today(now, "Asia/Tokyo") == date(2026, 11, 29)
    assert local_today(now, None) == date(2026, 11, 28)


def test_a_past_day_is_refused() -> None:
    assert check_not_past(SATURDAY, SATURDAY) == SATURDAY
    with pytest.raises(UserError, match="in the past"):
        check_not_past(date(2026, 11, 27), SATURDAY)


def test_examples_are_computed_from_the_typists_today() -> None:
    for today in (SATURDAY, date(2027, 1, 31), date(2028, 2, 29), date(2026, 12, 31)):
        examples = date_examples(today)
        shown = [part.split("`")[0] for part in examples.split("`")[1::2]]
        assert len(shown) == 4 and all(parse_day(example, today) > today for example in shown), examples
        with pytest.raises(UserError) as refused:
            parse_day("nonsense", today)
        assert examples in refused.value.message


def test_a_misspelt_date_is_named_and_a_reading_suggested_not_applied() -> None:
    with pytest.raises(UserError) as refused:
        parse_day("nxt fryday", SATURDAY)
    assert "`nxt fryday`" in refused.value.message and "Did you mean `next friday` (Friday 2026-12-04)?" in refused.value.message


def test_numeric_dates_with_slashes_are_refused_as_ambiguous() -> None:
    with pytest.raises(UserError, match="reads differently in different countries"):
        parse_day("12/01", SATURDAY)


@pytest.mark.parametrize(("text", "attempt"), [
    ("friday", True), ("nxt friday", True), ("tomorow", True), ("someday-nonsense", True), ("3 partners", True),
    ("the end of march", True), ("next week", True), ("in 2 weeks", True), ("q1", True), ("eod", True), ("this friday", True),
    ("legal", False), ("email", False), ("the CMC team", False), ("this approach", False), ("in-house counsel", False),
    ("end users", False), ("month", False), ("Monica", False), ("", False),
])
def test_what_counts_as_an_attempt_at_a_date(text: str, attempt: bool) -> None:
    assert looks_like_a_date(text) is attempt


def test_the_past_is_refused_with_examples_after_today() -> None:
    with pytest.raises(UserError) as refused:
        check_not_past(date(2026, 11, 1), SATURDAY)
    assert "today is Saturday 28 November where you are" in refused.value.message
    assert date_examples(SATURDAY) in refused.value.message
