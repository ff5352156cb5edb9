"""The .ics invite, read back by every calendar reader here (tests/views/calendar_readers.py), instant by instant."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest
import vobject
from hypothesis import example, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from bot.domain.meetings import CalendarForm, Meeting, MeetingOccurrence, MeetingProposal, MeetingSource, MeetingStatus, Recurrence, series_days
from bot.domain.recurrence import local_instant
from bot.views.calendar import meeting_calendar
from tests.views.calendar_readers import (
    EXTERNAL,
    OWN_TZ_DATA,
    SABRE_FIRST_INSTANCE_FIXED,
    both,
    by_recurring_ical_events,
    by_sabre_vobject,
    by_vobject,
    excused,
    first_instance_replaced,
    misread_by_own_tz_data,
    sabre_version,
    spans_of,
    starts,
)

NOW = datetime(2027, 1, 10, 9, 0, tzinfo=timezone.utc)


def meeting(starts: list[datetime], *, form: str, recurrence: Recurrence = Recurrence.WEEKLY, sequence: int = 0,
            moved: dict[int, datetime] | None = None, cancelled: tuple[int, ...] = ()) -> Meeting:
    moved = moved or {}
    occurrences = tuple(MeetingOccurrence("JSC", moved.get(k, s), 50, "C1", ("UMARIA", "UKENJI"), 7, k, k in cancelled,
                                          s if k in moved else None) for k, s in enumerate(starts))
    return Meeting(7, "C1", "UMARIA", "JSC", 50, ("UMARIA", "UKENJI"), recurrence, len(starts), MeetingStatus.CONFIRMED, MeetingSource.PROPOSED,
                   "abc123@alliancebot", sequence, "1. Budget\n2. Timeline", ("https://docs.example/plan",), zone="America/New_York",
                   occurrences=occurrences, proposal=MeetingProposal(calendar_form=CalendarForm(form)))


def icalendar_instants(data: bytes) -> dict[str, list[datetime]]:
    """{uid: start instants in UTC} as icalendar with recurring-ical-events reads them."""
    return starts(by_recurring_ical_events(data))


def vobject_instants(data: bytes) -> dict[str, list[datetime]]:
    """{uid: start instants in UTC} as vobject (dateutil's rule sets) reads them."""
    return starts(by_vobject(data))


EMAILS = {"UMARIA": "maria@alpha.example", "UKENJI": "kenji@beta.example"}


def test_a_rotated_series_is_one_uid_with_utc_dates_attendees_and_pre_reads() -> None:
    begins = [datetime(2027, 3, 3, 14, 0, tzinfo=timezone.utc), datetime(2027, 3, 10, 22, 0, tzinfo=timezone.utc),
              datetime(2027, 3, 17, 7, 30, tzinfo=timezone.utc)]
    data = meeting_calendar(meeting(begins, form="each"), NOW, names={"UMARIA": "Maria Silva"}, emails=EMAILS)
    assert both(data) == {"abc123@alliancebot": spans_of(begins, 50)}
    # One series, one UID: a weekly rule in UTC, the occurrences off it overridden (Outlook reads the first VEVENT's
    # UID as the meeting, and ignores RDATE).
    event, *overrides = Calendar.from_ical(data).walk("VEVENT")
    assert {str(e["UID"]) for e in [event, *overrides]} == {"abc123@alliancebot"} and "RRULE" in event and "RDATE" not in event
    assert [o.decoded("recurrence-id") for o in overrides] == [begins[0] + timedelta(weeks=1), begins[0] + timedelta(weeks=2)]
    assert Calendar.from_ical(data)["METHOD"] == "REQUEST"
    assert event.decoded("duration") == timedelta(minutes=50) and "DTEND" not in event
    assert event["ORGANIZER"].params["CN"] == "Maria Silva"
    assert len(event["ATTENDEE"]) == 2
    assert "https://docs.example/plan" in str(event["DESCRIPTION"]) and "1. Budget" in str(event["DESCRIPTION"])
    parsed = vobject.readOne(data.decode()).vevent
    assert parsed.summary.value == "JSC" and "will not be presented" in parsed.description.value


def test_a_fixed_local_time_is_an_rrule_with_its_vtimezone_right_across_the_dst_change() -> None:
    days = series_days(date(2027, 3, 3), Recurrence.WEEKLY, 4)  # the US change is on 14 March
    starts = [local_instant(d, time(10), "America/New_York") for d in days]
    data = meeting_calendar(meeting(starts, form="rrule"), NOW)
    assert b"RRULE:FREQ=WEEKLY;COUNT=4" in data and b"BEGIN:VTIMEZONE" in data and b"TZID=America/New_York" in data
    assert icalendar_instants(data) == {"abc123@alliancebot": starts} == vobject_instants(data)
    assert starts[0].hour == 15 and starts[-1].hour == 14  # 10:00 in New York is an hour earlier in UTC after the change


def test_moving_one_occurrence_of_a_rule_keeps_the_uid_raises_the_sequence_and_adds_an_override() -> None:
    days = series_days(date(2027, 3, 3), Recurrence.WEEKLY, 3)
    starts = [local_instant(d, time(10), "America/New_York") for d in days]
    new = starts[1] + timedelta(hours=2)
    data = meeting_calendar(meeting(starts, form="rrule", sequence=1, moved={1: new}), NOW)
    assert both(data) == {"abc123@alliancebot": spans_of([starts[0], new, starts[2]], 50)}
    events = Calendar.from_ical(data).walk("VEVENT")
    assert {str(e["UID"]) for e in events} == {"abc123@alliancebot"} and all(e["SEQUENCE"] == 1 for e in events)
    override = next(e for e in events if "RECURRENCE-ID" in e)
    assert override.decoded("recurrence-id").astimezone(timezone.utc) == starts[1]
    assert override.decoded("dtstart").astimezone(timezone.utc) == new
    parsed = next(e for e in vobject.readOne(data.decode()).vevent_list if hasattr(e, "recurrence_id"))
    assert parsed.dtstart.value.astimezone(timezone.utc) == new


def test_cancelling_one_occurrence_or_the_whole_series_is_a_method_cancel_with_the_same_uid() -> None:
    begins = [datetime(2027, 3, 3, 14, 0, tzinfo=timezone.utc), datetime(2027, 3, 10, 22, 0, tzinfo=timezone.utc)]
    one = meeting_calendar(meeting(begins, form="each", sequence=2, cancelled=(1,)), NOW, cancel=(1,), emails=EMAILS)
    calendar = Calendar.from_ical(one)
    assert calendar["METHOD"] == "CANCEL"
    [event] = calendar.walk("VEVENT")
    assert (str(event["UID"]), event["STATUS"], event["SEQUENCE"]) == ("abc123@alliancebot", "CANCELLED", 2)
    assert event.decoded("recurrence-id") == begins[0] + timedelta(weeks=1)  # the rule's instance, as in the series
    assert vobject.readOne(one.decode()).vevent.status.value == "CANCELLED"
    # The updated series itself no longer has the cancelled one.
    update = meeting_calendar(meeting(begins, form="each", sequence=2, cancelled=(1,)), NOW, emails=EMAILS)
    assert both(update) == {"abc123@alliancebot": spans_of(begins[:1], 50)}
    everything = meeting_calendar(meeting(begins, form="each", sequence=3), NOW, cancel=(), emails=EMAILS)
    [series] = Calendar.from_ical(everything).walk("VEVENT")
    assert (str(series["UID"]), series["STATUS"], "RECURRENCE-ID" in series) == ("abc123@alliancebot", "CANCELLED", False)


def test_people_without_an_address_are_named_not_invited_and_without_the_organisers_it_is_published() -> None:
    begins = [datetime(2027, 3, 3, 14, 0, tzinfo=timezone.utc)]
    names = {"UMARIA": "Maria Silva", "UKENJI": "Kenji Sato"}
    data = meeting_calendar(meeting(begins, form="each"), NOW, names=names, emails={"UMARIA": "maria@alpha.example"})
    [event] = Calendar.from_ical(data).walk("VEVENT")
    attendees = event["ATTENDEE"] if isinstance(event["ATTENDEE"], list) else [event["ATTENDEE"]]
    assert [str(a) for a in attendees] == ["mailto:maria@alpha.example"] and b"urn:" not in data
    assert "Kenji Sato" in str(event["DESCRIPTION"]) and "does not share" in str(event["DESCRIPTION"])
    published = meeting_calendar(meeting(begins, form="each"), NOW, names=names, emails={"UKENJI": "kenji@beta.example"})
    calendar = Calendar.from_ical(published)
    [event] = calendar.walk("VEVENT")
    assert calendar["METHOD"] == "PUBLISH" and "ORGANIZER" not in event and "ATTENDEE" not in event
    assert both(published) == {"abc123@alliancebot": spans_of(begins, 50)}


@pytest.mark.parametrize("zone, first", [("Australia/Sydney", date(2027, 3, 24)), ("Asia/Kolkata", date(2027, 3, 3)),
                                         ("America/St_Johns", date(2027, 10, 27)), ("Europe/Zurich", date(2027, 10, 20))])
def test_rules_in_other_zones_read_back_the_same_in_both_parsers(zone: str, first: date) -> None:
    days = series_days(first, Recurrence.BIWEEKLY, 4)
    starts = [local_instant(d, time(8, 30), zone) for d in days]
    series = meeting(starts, form="rrule", recurrence=Recurrence.BIWEEKLY)
    data = meeting_calendar(Meeting(**{**series.__dict__, "zone": zone}), NOW)
    assert icalendar_instants(data) == {"abc123@alliancebot": starts} == vobject_instants(data)


ZONES = ("America/New_York", "America/Sao_Paulo", "America/St_Johns", "Europe/London", "Europe/Dublin", "Asia/Tehran", "Asia/Kathmandu",
         "Australia/Lord_Howe", "Pacific/Chatham", "Africa/Casablanca", "UTC")


@settings(max_examples=25, deadline=None)
# Found by this test: 03:00 on 2026-09-27 does not exist in Chatham (02:45 -> 03:45); the two parsers
# read such a wall time differently, so the series must not be an RRULE.
@example(zone="Pacific/Chatham", first=date(2026, 8, 27), at=time(3, 0), recurrence=Recurrence.MONTHLY, count=2)
@given(zone=st.sampled_from(ZONES), first=st.dates(date(2026, 1, 1), date(2030, 12, 1)),
       at=st.times().map(lambda t: time(t.hour, t.minute // 15 * 15)),
       recurrence=st.sampled_from([Recurrence.WEEKLY, Recurrence.BIWEEKLY, Recurrence.MONTHLY]), count=st.integers(2, 12))
def test_any_fixed_series_reads_back_instant_by_instant_in_both_parsers(zone: str, first: date, at: time, recurrence: Recurrence,
                                                                          count: int) -> None:
    from bot.domain.meetings import is_fixed_local_series

    days = series_days(first, recurrence, count)
    starts = [local_instant(d, at, zone) for d in days]
    series = Meeting(**{**meeting(starts, form="rrule", recurrence=recurrence).__dict__, "zone": zone})
    if not is_fixed_local_series(series):  # a DST gap moved one start, or a month lacks the day: one event each
        series = Meeting(**{**series.__dict__, "proposal": MeetingProposal(calendar_form=CalendarForm.EACH)})
    data = meeting_calendar(series, NOW)
    assert both(data) == {"abc123@alliancebot": spans_of(starts, 50)}


# What installs each reader that runs outside Python (`.ci/run` does all it can); without it, `every` reads with the others.
INSTALLS = {"ical.js": "`npm install --prefix tests/js`", "node-ical": "node 20 or later and `npm install --prefix tests/js`",
            "libical": "gcc and Debian's libical-dev", "sabre/vobject": "Debian's php-cli and php-sabre-vobject"}


@pytest.mark.parametrize("name", sorted(EXTERNAL))
def test_each_other_reader_reads_the_invites_too_where_it_is_installed(name: str) -> None:
    begins = [datetime(2027, 3, 3, 14, 0, tzinfo=timezone.utc), datetime(2027, 3, 10, 22, 0, tzinfo=timezone.utc)]
    read = EXTERNAL[name]([meeting_calendar(meeting(begins, form="each"), NOW)])
    if read is None:
        pytest.skip(f"{name} is not installed: {INSTALLS[name]} (CI installs it) adds it as an invite reader")
    assert read == [{"abc123@alliancebot": spans_of(begins, 50)}]


@pytest.mark.parametrize("recurrence, months", [(Recurrence.MONTHLY, 1), (Recurrence.QUARTERLY, 3)])
@pytest.mark.parametrize("day", [29, 30, 31])
def test_a_monthly_series_on_a_day_some_months_lack_is_a_rule_on_the_28th_with_overrides(recurrence: Recurrence, months: int,
                                                                                         day: int) -> None:
    # No RDATE, which Outlook and node-ical ignore (and libical before 4.0 repeats DTSTART from): a rule on a later
    # day would skip the months without it, so the rule is on the 28th and each occurrence off it an override.
    starts = [datetime.combine(d, time(14, 0), tzinfo=timezone.utc) for d in series_days(date(2027, 12, day), recurrence, 5)]
    data = meeting_calendar(meeting(starts, form="each", recurrence=recurrence), NOW)
    assert both(data) == {"abc123@alliancebot": spans_of(starts, 50)}
    master, *overrides = Calendar.from_ical(data).walk("VEVENT")
    assert "RDATE" not in master and master.decoded("dtstart") == datetime(2027, 12, 28, 14, 0, tzinfo=timezone.utc)
    assert master["RRULE"]["FREQ"] == ["MONTHLY"] and master["RRULE"]["INTERVAL"] == [months]
    assert sorted(o.decoded("dtstart") for o in overrides) == [s for s in starts if s.day != 28]


@pytest.mark.parametrize("change", ["moved", "cancelled"])
def test_the_first_occurrence_moved_or_cancelled_reads_back_in_every_reader(change: str) -> None:
    begins = [datetime(2027, 3, 3, 14, 0, tzinfo=timezone.utc), datetime(2027, 3, 10, 22, 0, tzinfo=timezone.utc),
              datetime(2027, 3, 17, 7, 30, tzinfo=timezone.utc)]
    moved = begins[0] + timedelta(hours=30)
    series = meeting(begins, form="each", moved={0: moved}) if change == "moved" else meeting(begins, form="each", cancelled=(0,))
    meant = [moved, *begins[1:]] if change == "moved" else begins[1:]
    assert both(meeting_calendar(series, NOW)) == {"abc123@alliancebot": spans_of(meant, 50)}


def test_sabre_vobject_is_excused_only_for_its_first_instance_bug() -> None:
    # sabre/vobject before 3.3.0 keeps a series' first instance when an EXDATE or an override names it (its issues 58
    # and 75): `every` leaves such a file out of its comparison with that reader, and no other.
    begins = [datetime(2027, 3, 3, 14, 0, tzinfo=timezone.utc), datetime(2027, 3, 10, 22, 0, tzinfo=timezone.utc)]
    first_cancelled = meeting_calendar(meeting(begins, form="each", cancelled=(0,)), NOW)
    second_cancelled = meeting_calendar(meeting(begins, form="each", cancelled=(1,)), NOW)
    assert first_instance_replaced(first_cancelled) and not first_instance_replaced(second_cancelled)
    read = by_sabre_vobject([first_cancelled])
    if read is None:
        pytest.skip(f"sabre/vobject is not installed: {INSTALLS['sabre/vobject']}")
    old = (sabre_version() or ()) < SABRE_FIRST_INSTANCE_FIXED
    assert (read[0] != {"abc123@alliancebot": spans_of(begins[1:], 50)}) == old
    assert excused("sabre/vobject", first_cancelled, read[0]) == old and not excused("sabre/vobject", second_cancelled, {})


@pytest.mark.parametrize("name", sorted(OWN_TZ_DATA))
def test_a_reader_with_its_own_tz_data_is_excused_only_where_that_data_differs(name: str) -> None:
    # Casablanca is at +00 from 2026-09-20 on in the pinned tzdata; node's ICU data and Debian 12's system tzdata (PHP's)
    # still say +01. A series at a fixed wall time there is a rule in its zone, which these readers resolve by their data.
    zone = "Africa/Casablanca"
    starts = [local_instant(d, time(10), zone) for d in series_days(date(2027, 6, 2), Recurrence.WEEKLY, 3)]
    data = meeting_calendar(Meeting(**{**meeting(starts, form="rrule").__dict__, "zone": zone}), NOW)
    read = EXTERNAL[name]([data])
    if read is None:
        pytest.skip(f"{name} is not installed: {INSTALLS[name]}")
    meant = {"abc123@alliancebot": spans_of(starts, 50)}
    if misread_by_own_tz_data(name, data, meant):
        # Read by its own data, exactly: each wall time an hour earlier in UTC, nothing else different.
        assert read[0] == {"abc123@alliancebot": spans_of([s - timedelta(hours=1) for s in starts], 50)}
    else:
        assert read[0] == meant
    new_york = meeting_calendar(meeting([local_instant(d, time(10), "America/New_York") for d in series_days(date(2027, 3, 3), Recurrence.WEEKLY, 3)],
                                        form="rrule"), NOW)
    assert not misread_by_own_tz_data(name, new_york, both(new_york))
