"""The .ics invite of a meeting: an RRULE where the local time is fixed, else one VEVENT per occurrence.

Rules calendar clients rely on (RFC 5545/5546, and what Google, Outlook and Apple import):
- UIDs never change; every update carries a higher SEQUENCE, a cancellation METHOD:CANCEL.
- A rotated series has one VEVENT per occurrence in UTC (its own UID each: `<k>-<series uid>`);
  a fixed-time series has one VEVENT with TZID, RRULE and a VTIMEZONE, and a moved occurrence
  of it is an override (same UID, RECURRENCE-ID = its original start).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import pytz
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress, vText

from bot.domain.meetings import CalendarForm, Meeting, MeetingOccurrence, Recurrence

PRODID = "-//Alliance Bot//Meetings//EN"
PREREAD_NOTE = "Pre-reads (read before the meeting; they will not be presented):"
SPAN_START, SPAN_END = datetime(2000, 1, 1), datetime(2038, 1, 1)
RRULE_FREQ = {Recurrence.WEEKLY: ("WEEKLY", 1), Recurrence.BIWEEKLY: ("WEEKLY", 2),
              Recurrence.MONTHLY: ("MONTHLY", 1), Recurrence.QUARTERLY: ("MONTHLY", 3)}


def occurrence_uid(meeting: Meeting, occurrence: MeetingOccurrence) -> str:
    """The UID of one occurrence's VEVENT in a rotated series."""
    return f"{occurrence.index}-{meeting.uid}"


def description(meeting: Meeting, channel_name: str | None = None) -> str:
    """Agenda and pre-reads as plain text."""
    parts = []
    if meeting.agenda.strip():
        parts.append("Agenda:\n" + meeting.agenda.strip())
    if meeting.prereads:
        parts.append(PREREAD_NOTE + "\n" + "\n".join(f"- {link}" for link in meeting.prereads))
    parts.append(f"Scheduled with Alliance Bot in Slack{f' (#{channel_name})' if channel_name else ''}.")
    return "\n\n".join(parts)


def _address(user_id: str, names: Mapping[str, str], emails: Mapping[str, str], *, attendee: bool) -> vCalAddress:
    # Without the users:read.email scope we know no address; a urn keeps the property valid.
    address = vCalAddress(f"mailto:{emails[user_id]}" if emails.get(user_id) else f"urn:x-slack-user:{user_id}")
    address.params["CN"] = vText(names.get(user_id) or user_id)
    if attendee:
        address.params["ROLE"] = vText("REQ-PARTICIPANT")
        address.params["PARTSTAT"] = vText("NEEDS-ACTION")
        address.params["RSVP"] = vText("TRUE")
    return address


def _event(meeting: Meeting, uid: str, start: datetime, now: datetime, names: Mapping[str, str], emails: Mapping[str, str],
           text: str, *, cancelled: bool = False) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now.astimezone(pytz.utc))
    event.add("sequence", meeting.sequence)
    event.add("summary", meeting.title)
    event.add("description", text)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=meeting.duration_minutes))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("organizer", _address(meeting.organizer_id, names, emails, attendee=False))
    for user_id in meeting.participant_ids:
        event.add("attendee", _address(user_id, names, emails, attendee=True), encode=False)
    return event


def meeting_calendar(meeting: Meeting, now: datetime, *, names: Mapping[str, str] | None = None,
                     emails: Mapping[str, str] | None = None, cancel: tuple[int, ...] | None = None,
                     channel_name: str | None = None) -> bytes:
    """The .ics for a confirmed meeting; `cancel` (occurrence indexes, () for all) makes it a METHOD:CANCEL."""
    names, emails = names or {}, emails or {}
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancel is not None else "REQUEST")
    text = description(meeting, channel_name)
    rrule = meeting.proposal.calendar_form is CalendarForm.RRULE
    if cancel is not None:
        for event in _cancellations(meeting, cancel, rrule, now, names, emails, text):
            calendar.add_component(event)
    elif rrule:
        for event in _rrule_events(meeting, now, names, emails, text):
            calendar.add_component(event)
    else:
        for occurrence in meeting.occurrences:
            if not occurrence.cancelled:
                calendar.add_component(_event(meeting, occurrence_uid(meeting, occurrence), occurrence.starts_at.astimezone(pytz.utc),
                                              now, names, emails, text))
    if rrule and meeting.occurrences:
        instants = [_original(o) for o in meeting.occurrences] + [o.starts_at for o in meeting.occurrences]
        calendar.subcomponents.insert(0, vtimezone(meeting.zone, min(instants), max(instants)))
    return bytes(calendar.to_ical())


def vtimezone(zone: str, first: datetime, last: datetime) -> Timezone:
    """A VTIMEZONE listing each offset change from 2000 on as its own observance (no rules, no RDATE).

    One DTSTART per change is the plainest form RFC 5545 allows; every parser we know reads it
    (dateutil's tzical, behind vobject, ignores RDATE lists such as icalendar's own generator makes).
    """
    tz = pytz.timezone(zone)
    component = Timezone()
    component.add("tzid", zone)
    times: list[datetime] = list(getattr(tz, "_utc_transition_times", []))
    infos: list[tuple[timedelta, timedelta, str]] = list(getattr(tz, "_transition_info", []))
    # The same span for every series of a zone (2000 to the end of the tz database's table), so a
    # client that caches a VTIMEZONE by its TZID never meets one that stops short of its dates.
    start = min((first - timedelta(days=400)).replace(tzinfo=None), SPAN_START)
    end = max((last + timedelta(days=400)).replace(tzinfo=None), SPAN_END)
    chosen = [i for i in range(1, len(times)) if start <= times[i] <= end]
    earlier = [i for i in range(1, len(times)) if times[i] < start]
    if earlier:
        chosen.insert(0, earlier[-1])
    if not chosen:
        offset = tz.utcoffset(first.replace(tzinfo=None))
        standard = TimezoneStandard()
        standard.add("dtstart", datetime(1970, 1, 1))
        standard.add("tzoffsetfrom", offset)
        standard.add("tzoffsetto", offset)
        standard.add("tzname", first.astimezone(tz).tzname())
        component.add_component(standard)
        return component
    for i in chosen:
        before, after = infos[i - 1], infos[i]
        observance: TimezoneDaylight | TimezoneStandard = TimezoneDaylight() if after[1] else TimezoneStandard()
        # DTSTART is the wall clock just before the change, in the offset being left.
        observance.add("dtstart", times[i] + before[0])
        observance.add("tzoffsetfrom", before[0])
        observance.add("tzoffsetto", after[0])
        observance.add("tzname", after[2])
        component.add_component(observance)
    return component


def _original(occurrence: MeetingOccurrence) -> datetime:
    return occurrence.original_starts_at or occurrence.starts_at


def _rrule_events(meeting: Meeting, now: datetime, names: Mapping[str, str], emails: Mapping[str, str], text: str) -> list[Event]:
    """The master with its rule (EXDATE for cancelled occurrences) and an override per moved one."""
    tz = pytz.timezone(meeting.zone)
    first = meeting.occurrences[0]
    master = _event(meeting, meeting.uid, _original(first).astimezone(tz), now, names, emails, text)
    freq, interval = RRULE_FREQ[meeting.recurrence]
    master.add("rrule", {"freq": freq, "interval": interval, "count": len(meeting.occurrences)})
    cancelled = [_original(o).astimezone(tz) for o in meeting.occurrences if o.cancelled]
    if cancelled:
        master.add("exdate", cancelled)
    events = [master]
    for occurrence in meeting.occurrences:
        if occurrence.original_starts_at and not occurrence.cancelled:
            override = _event(meeting, meeting.uid, occurrence.starts_at.astimezone(tz), now, names, emails, text)
            override.add("recurrence-id", occurrence.original_starts_at.astimezone(tz))
            events.append(override)
    return events


def _cancellations(meeting: Meeting, indexes: tuple[int, ...], rrule: bool, now: datetime, names: Mapping[str, str],
                   emails: Mapping[str, str], text: str) -> list[Event]:
    """METHOD:CANCEL events: the whole series (no indexes) or the chosen occurrences."""
    chosen = [o for o in meeting.occurrences if not indexes or o.index in indexes]
    if rrule:
        tz = pytz.timezone(meeting.zone)
        if not indexes:
            return [_event(meeting, meeting.uid, _original(meeting.occurrences[0]).astimezone(tz), now, names, emails, text, cancelled=True)]
        events = []
        for occurrence in chosen:
            event = _event(meeting, meeting.uid, occurrence.starts_at.astimezone(tz), now, names, emails, text, cancelled=True)
            event.add("recurrence-id", _original(occurrence).astimezone(tz))
            events.append(event)
        return events
    return [_event(meeting, occurrence_uid(meeting, o), o.starts_at.astimezone(pytz.utc), now, names, emails, text, cancelled=True)
            for o in chosen]
