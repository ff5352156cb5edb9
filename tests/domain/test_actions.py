"""Reading `/action` text, and when each owner is reminded, in their own zone and across DST."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from bot.domain import tz
from bot.domain.actions import (
    ActionItem,
    Capture,
    ItemStatus,
    check_can_change,
    check_owners,
    check_text,
    is_overdue,
    next_working_day,
    number_from_ref,
    parse_capture,
    ref_of,
    reminder_times,
    snoozed_due,
    subcommand_of,
)
from bot.domain.dates import example_day
from bot.domain.errors import UserError

TODAY = date(2026, 11, 25)  # a Wednesday


@pytest.mark.parametrize(("raw", "text", "owners", "due"), [
    ("Send the CMC data package <@UMARIA|maria> by 2026-12-01", "Send the CMC data package", ("UMARIA",), date(2026, 12, 1)),
    ("Send the CMC data package", "Send the CMC data package", ("UME",), None),
    ("Review <@UA|a> and <@UB|b> by friday", "Review and", ("UA", "UB"), date(2026, 11, 27)),
    ("Draft the term sheet by tomorrow <@UKENJI>", "Draft the term sheet", ("UKENJI",), date(2026, 11, 26)),
    ("Ship it by today", "Ship it", ("UME",), TODAY),
    ("Ship it BY in 2 weeks", "Ship it", ("UME",), TODAY + timedelta(weeks=2)),
    ("Send the report by email", "Send the report by email", ("UME",), None),
    ("Call Anna by phone by next monday", "Call Anna by phone", ("UME",), date(2026, 11, 30)),
    ("Q&amp;A prep &lt;draft&gt;", "Q&A prep <draft>", ("UME",), None),
    ("<@UA|a> <@UA|a> duplicate owners", "duplicate owners", ("UA",), None),
    ("Email lee@example.com the slides", "Email lee@example.com the slides", ("UME",), None),
])
def test_command_text_is_read_into_text_owners_and_due(raw: str, text: str, owners: tuple[str, ...], due: date | None) -> None:
    capture = parse_capture(raw, "UME", TODAY)
    assert (capture.text, capture.owner_ids, capture.due) == (text, owners, due)


@pytest.mark.parametrize("raw", [
    "Send it by 2026-02-30", "Send it by yesterday", "Send it by 2026-11-24", "Send it by 13/45", "Send it by next blursday",
])
def test_unreadable_or_past_dates_are_refused_with_examples(raw: str) -> None:
    with pytest.raises(UserError) as refused:
        parse_capture(raw, "UME", TODAY)
    message = refused.value.message
    assert "Nothing was created" in message
    assert example_day(TODAY).isoformat() in message  # examples are computed from the typist's today
    assert "2026-12-01" not in message


@pytest.mark.parametrize(("raw", "unread"), [
    ("Do something by someday-nonsense", "someday-nonsense"),
    ("Send the slides by nxt friday", "nxt friday"),
    ("Send the slides by tomorow", "tomorow"),
    ("Send the slides by friday please", "friday please"),
    ("Send the slides by next week", "next week"),
    ("Send the slides by the end of the week", "the end of the week"),
    ("Get sign-off by 3 partners", "3 partners"),
    ("Send the slides by eow", "eow"),
])
def test_a_due_date_that_cannot_be_read_is_refused_by_name_and_nothing_is_created(raw: str, unread: str) -> None:
    with pytest.raises(UserError) as refused:
        parse_capture(raw, "UME", TODAY)
    assert f"`{unread}`" in refused.value.message and "Nothing was created" in refused.value.message


@pytest.mark.parametrize(("raw", "due"), [
    ("Send the slides by jan 15", date(2027, 1, 15)),
    ("Send the slides by the 15th of january", date(2027, 1, 15)),
    ("Send the slides by the end of march", date(2027, 3, 31)),
    ("Send the slides by end of december", date(2026, 12, 31)),
    ("Send the slides by this friday", date(2026, 11, 27)),
    ("Send the slides by in 2 months", date(2027, 1, 25)),
])
def test_more_ways_to_write_a_due_date(raw: str, due: date) -> None:
    assert parse_capture(raw, "UME", TODAY) == Capture("Send the slides", ("UME",), due)


@pytest.mark.parametrize("raw", ["Contract reviewed by legal", "Send the report by email", "Pick up by the CMC team",
                                 "Fix it by this approach", "Check with in-house counsel by in-house counsel", "Split costs by month"])
def test_by_in_ordinary_prose_stays_in_the_text(raw: str) -> None:
    capture = parse_capture(raw, "UME", TODAY)
    assert (capture.text, capture.due) == (raw, None)


def test_a_misspelt_date_gets_a_suggestion_but_is_not_applied() -> None:
    with pytest.raises(UserError) as refused:
        parse_capture("Send the slides by nxt friday", "UME", TODAY)
    assert "Did you mean `next friday` (Friday 2026-11-27)?" in refused.value.message


@pytest.mark.parametrize("raw", ["Send it @nobody", "@ghost do the thing by friday"])
def test_names_slack_could_not_resolve_are_refused(raw: str) -> None:
    with pytest.raises(UserError, match="do not know @"):
        parse_capture(raw, "UME", TODAY)


@pytest.mark.parametrize("raw", ["", "   ", "<@UA|a>", "by friday", "x" * 1001])
def test_empty_or_huge_text_is_refused(raw: str) -> None:
    with pytest.raises(UserError):
        parse_capture(raw, "UME", TODAY)


def test_owner_limits() -> None:
    assert check_owners((), "UME") == ("UME",)
    with pytest.raises(UserError):
        check_owners(tuple(f"U{i}" for i in range(11)), "UME")
    assert check_text("  a \n b ") == "a b"


@pytest.mark.parametrize(("text", "number"), [("A-42", 42), ("a42", 42), ("7", 7), (" A-1 ", 1)])
def test_refs_read_back(text: str, number: int) -> None:
    assert number_from_ref(text) == number
    assert ref_of(number) == f"A-{number}"


@pytest.mark.parametrize("text", ["B-3", "A-", "", "A-x", "done"])
def test_bad_refs_are_refused(text: str) -> None:
    with pytest.raises(UserError):
        number_from_ref(text)


@pytest.mark.parametrize(("day", "following"), [
    (date(2026, 11, 25), date(2026, 11, 26)),  # Wed -> Thu
    (date(2026, 11, 27), date(2026, 11, 30)),  # Fri -> Mon
    (date(2026, 11, 28), date(2026, 11, 30)),  # Sat -> Mon
    (date(2026, 11, 29), date(2026, 11, 30)),  # Sun -> Mon
])
def test_the_overdue_reminder_skips_weekends(day: date, following: date) -> None:
    assert next_working_day(day) == following


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/Zurich", "Asia/Tokyo", "UTC", "Australia/Lord_Howe", "Asia/Kolkata"])
@pytest.mark.parametrize("due", [date(2026, 3, 8), date(2026, 3, 27), date(2026, 3, 29), date(2026, 10, 30), date(2026, 11, 1),
                                 date(2026, 7, 15)])
def test_reminders_are_at_nine_local_on_the_due_day_and_the_next_working_day(zone: str, due: date) -> None:
    (label, at), (label2, later) = reminder_times(due, zone)
    local_zone = tz.zone(zone)
    assert (label, label2) == ("due", "overdue")
    assert at.tzinfo is not None and at.utcoffset() == timedelta(0)
    local, local_later = at.astimezone(local_zone), later.astimezone(local_zone)
    assert (local.date(), local.hour, local.minute) == (due, 9, 0)
    assert (local_later.date(), local_later.hour) == (next_working_day(due), 9)


def test_across_the_spring_change_the_utc_hour_moves() -> None:
    # New York springs forward on 2026-03-08: Friday 09:00 is 14:00 UTC, Monday 09:00 is 13:00 UTC.
    (_, friday), (_, monday) = reminder_times(date(2026, 3, 6), "America/New_York")
    assert (friday.hour, monday.hour) == (14, 13)
    # Zurich falls back on 2026-10-25: Friday 09:00 is 07:00 UTC, Monday 09:00 is 08:00 UTC.
    (_, friday), (_, monday) = reminder_times(date(2026, 10, 23), "Europe/Zurich")
    assert (friday.hour, monday.hour) == (7, 8)


@pytest.mark.parametrize(("due", "choice", "expected"), [
    (date(2026, 11, 30), "1d", date(2026, 12, 1)),
    (date(2026, 11, 30), "1w", date(2026, 12, 7)),
    (date(2026, 11, 20), "1d", date(2026, 11, 26)),  # overdue: a day from today, not from the old date
    (None, "1w", date(2026, 12, 2)),
])
def test_snooze_moves_the_due_date_from_the_later_of_due_and_today(due: date | None, choice: str, expected: date) -> None:
    assert snoozed_due(due, TODAY, choice) == expected


def test_unknown_snooze_and_changing_done_items_are_refused() -> None:
    with pytest.raises(UserError):
        snoozed_due(TODAY, TODAY, "1y")
    done = ActionItem(1, "A-1", "C1", "x", ("U1",), "U1", None, status=ItemStatus.DONE)
    with pytest.raises(UserError, match="already done"):
        check_can_change(done)


def test_overdue_once_the_due_date_has_passed_in_utc() -> None:
    now = datetime(2026, 11, 25, 0, 30, tzinfo=timezone.utc)
    assert is_overdue(date(2026, 11, 24), now)
    assert not is_overdue(date(2026, 11, 25), now)
    assert not is_overdue(None, now)


@pytest.mark.parametrize(("text", "kind"), [
    ("", "form"), ("   ", "form"), ("list", "list"), ("LIST  mine", "mine"), ("list the vendors @maria", "capture"),
    ("done A-3", "done"), ("done 3", "done"), ("done with the deck by friday", "capture"), ("help", "help"),
    ("help Maria with the slides", "capture"), ("Send the deck", "capture"),
])
def test_subcommands_and_captures_that_start_with_the_same_word(text: str, kind: str) -> None:
    assert subcommand_of(text) == kind
