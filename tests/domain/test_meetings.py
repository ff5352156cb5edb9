"""Meetings in the domain: `/meeting add` input, series dates, reminder times, forms, and fixed-time series."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from bot.domain.errors import UserError
from bot.domain.meeting_requests import parse_add, read_hours, read_request
from bot.domain.meetings import (
    Meeting,
    MeetingOccurrence,
    MeetingSource,
    MeetingStatus,
    Recurrence,
    Reminder,
    is_fixed_local_series,
    local_clock,
    reminders_for,
    series_days,
)
from bot.domain.recurrence import local_instant

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=timezone.utc)
TODAY = NOW.date()


def test_add_reads_title_date_time_zone_and_duration() -> None:
    added = parse_add("Joint steering committee 2026-12-01 15:00 Europe/Zurich 90m", TODAY, "America/New_York", NOW)
    assert added.title == "Joint steering committee" and added.duration_minutes == 90 and added.zone == "Europe/Zurich"
    assert added.starts_at == datetime(2026, 12, 1, 14, 0, tzinfo=timezone.utc)


def test_add_defaults_to_the_typists_zone_and_50_minutes_and_reads_relative_dates() -> None:
    added = parse_add("Ops sync in 2 weeks 9:30", TODAY, "Asia/Tokyo", NOW)
    assert added.title == "Ops sync" and added.duration_minutes == 50
    assert added.starts_at == datetime(2026, 12, 13, 0, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize("text, fragment", [
    ("JSC 2026-12-01", "/meeting add <title>"),
    ("JSC 2026-13-01 15:00", "not a real date"),
    ("JSC 2026-12-01 25:00", "could not read the time"),
    ("JSC 2026-12-01 15:00 Mars/Base", "Unknown time zone"),
    ("2026-12-01 15:00", "/meeting add <title>"),
    ("JSC 2026-11-01 15:00", "in the past"),
])
def test_add_refuses_bad_input_with_a_clear_message(text: str, fragment: str) -> None:
    with pytest.raises(UserError, match=fragment):
        parse_add(text, TODAY, "UTC", NOW)


def test_add_asks_for_a_zone_when_slack_has_none() -> None:
    with pytest.raises(UserError, match="no time zone"):
        parse_add("JSC 2026-12-01 15:00", TODAY, None, NOW)


def test_series_days_keep_the_weekday_or_the_day_of_month() -> None:
    assert series_days(date(2027, 1, 6), Recurrence.BIWEEKLY, 3) == [date(2027, 1, 6), date(2027, 1, 20), date(2027, 2, 3)]
    assert series_days(date(2027, 1, 31), Recurrence.MONTHLY, 3) == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)]
    assert series_days(date(2027, 11, 15), Recurrence.QUARTERLY, 2) == [date(2027, 11, 15), date(2028, 2, 15)]


def test_reminders_are_48h_24h_10m_before_and_the_review_10m_before_the_end() -> None:
    start = datetime(2026, 12, 10, 14, 0, tzinfo=timezone.utc)
    occurrence = MeetingOccurrence("JSC", start, 50, "C1", ("U1",))
    plan = dict(reminders_for(occurrence, True, NOW))
    assert plan == {Reminder.PREREAD: start - timedelta(hours=48), Reminder.DAY: start - timedelta(hours=24),
                    Reminder.SOON: start - timedelta(minutes=10), Reminder.REVIEW: start + timedelta(minutes=40)}
    late = dict(reminders_for(occurrence, False, start - timedelta(hours=3)))
    assert set(late) == {Reminder.SOON, Reminder.REVIEW}  # past ones are left out; no pre-reads, no nudge


def test_local_clock_follows_dst_per_occurrence() -> None:
    # The same UTC instant is 10:00 in Boston before the US change and 11:00 after it.
    assert local_clock(datetime(2027, 3, 17, 15, 0, tzinfo=timezone.utc), "America/New_York") == "Wed 11:00"
    assert local_clock(datetime(2027, 3, 3, 15, 0, tzinfo=timezone.utc), "America/New_York") == "Wed 10:00"
    assert local_clock(datetime(2027, 3, 3, 15, 0, tzinfo=timezone.utc), "Asia/Kathmandu") == "Wed 20:45"


def test_the_propose_form_names_the_wrong_field() -> None:
    good = dict(title="JSC", participant_ids=["U1", "U2", "U1"], duration="50", day="2026-12-02", window_start="00:00",
                window_end="24:00", recurrence="weekly", count="4", agenda="", prereads="https://docs.example/plan",
                reminder_target="dm", today=TODAY)
    request = read_request(**good)  # type: ignore[arg-type]
    assert request.participant_ids == ("U1", "U2") and request.count == 4 and request.window_minutes == 1440
    assert [w[0].date() for w in request.windows()] == [date(2026, 12, 2) + timedelta(weeks=k) for k in range(4)]
    for change, field in [({"duration": "52"}, "duration"), ({"count": "40"}, "count"), ({"day": "2026-11-01"}, "day"),
                          ({"window_start": "08:10"}, "window_start"), ({"window_end": "00:00"}, "window_end"),
                          ({"prereads": "docs.example"}, "prereads"), ({"title": "  "}, "title")]:
        with pytest.raises(UserError) as problem:
            read_request(**{**good, **change})  # type: ignore[arg-type]
        assert problem.value.field == field


def test_prefs_read_hours_days_and_limits() -> None:
    hours = read_hours("U1", "Asia/Tokyo", start="08:00", end="18:30", days=["7", "1", "2", "3", "4"], never="22:00-06:30")
    assert hours.work_start == time(8) and hours.workdays == (1, 2, 3, 4, 7) and hours.never == ((time(22), time(6, 30)),)
    with pytest.raises(UserError) as problem:
        read_hours("U1", "UTC", start="18:00", end="09:00", days=["1"], never="")
    assert problem.value.field == "work_end"


def _series(starts: list[datetime], recurrence: Recurrence, zone: str) -> Meeting:
    occurrences = tuple(MeetingOccurrence("JSC", s, 50, "C1", ("U1",), 1, k) for k, s in enumerate(starts))
    return Meeting(1, "C1", "U1", "JSC", 50, ("U1",), recurrence, len(starts), MeetingStatus.CONFIRMED, MeetingSource.PROPOSED, "x@y", zone=zone,
                   occurrences=occurrences)


def test_a_fixed_local_time_across_dst_is_one_rule_but_a_rotation_is_not() -> None:
    days = series_days(date(2027, 3, 3), Recurrence.WEEKLY, 4)  # crosses the US change on 14 March
    fixed = [local_instant(d, time(10), "America/New_York") for d in days]
    assert is_fixed_local_series(_series(fixed, Recurrence.WEEKLY, "America/New_York"))
    same_utc = [datetime.combine(d, time(15), timezone.utc) for d in days]
    assert not is_fixed_local_series(_series(same_utc, Recurrence.WEEKLY, "America/New_York"))


def test_the_window_opens_at_the_organisers_wall_clock_across_dst() -> None:
    request = read_request(title="JSC", participant_ids=["U1"], duration="50", day="2027-03-10", window_start="08:00",
                           window_end="12:00", recurrence="weekly", count="2", agenda="", prereads="", reminder_target="channel",
                           today=TODAY)
    from dataclasses import replace

    windows = replace(request, zone="America/New_York").windows()
    assert [w[0].hour for w in windows] == [13, 12]  # 08:00 EST, then 08:00 EDT after 14 March
    assert all(end - start == timedelta(hours=4) for start, end in windows)


def test_commands_arrive_escaped_and_mentions_name_the_people() -> None:
    from bot.domain.meeting_requests import parse_cadence

    added = parse_add("R&amp;D sync 2026-12-01 15:00", TODAY, "UTC", NOW)
    assert added.title == "R&D sync"
    title, recurrence, first, lead, people = parse_cadence("JSC quarterly 2027-01-13 ahead 10 <@U1|maria> <@W2>", TODAY)
    assert (title, recurrence, first, lead, people) == ("JSC", Recurrence.QUARTERLY, date(2027, 1, 13), 10, ("U1", "W2"))
    with pytest.raises(UserError, match="quarterly"):
        parse_cadence("JSC sometimes 2027-01-13", TODAY)


def test_add_and_cadence_read_whole_dates_and_refuse_what_they_cannot_read() -> None:
    from bot.domain.meeting_requests import parse_cadence

    assert parse_add("JSC review jan 15 15:00", TODAY, "UTC", NOW).starts_at == datetime(2027, 1, 15, 15, 0, tzinfo=timezone.utc)
    assert parse_cadence("JSC quarterly next friday", TODAY)[2] == date(2026, 12, 4)
    with pytest.raises(UserError, match="`nxt friday`. Did you mean `next friday`"):
        parse_add("JSC review nxt friday 15:00", TODAY, "UTC", NOW)
    with pytest.raises(UserError, match="`someday-nonsense`"):
        parse_cadence("JSC quarterly someday-nonsense", TODAY)
    with pytest.raises(UserError, match="do not know @ghost"):
        parse_cadence("JSC quarterly 2027-01-13 @ghost", TODAY)
