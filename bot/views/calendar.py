"""The .ics invite of a meeting: one VEVENT per series, one UID for its life, read the same by every calendar.

Rules calendar clients rely on (RFC 5545/5546, and what Google, Outlook and Apple import; issue 14):
- One series is one UID, whatever its shape: Outlook takes only the first VEVENT of an invitation
  ([MS-STANOICAL] §2.2.175), so a series of one UID per occurrence arrived as one meeting. Updates
  keep the UID and carry a higher SEQUENCE; a cancellation is METHOD:CANCEL.
- Every series is an RRULE, which every client expands, never RDATEs (Outlook and node-ical ignore
  them, sabre/vobject before 3.3 too, and libical before 4.0 repeats a DTSTART they list): a fixed
  wall time is a rule in its zone (with a VTIMEZONE); any other series (a rotated one, one whose
  wall time falls in a DST gap or fold, or a monthly one on a day some months lack) a rule in UTC,
  one interval apart, a monthly one on the 28th at the latest (a rule skips the months without its
  day). Each occurrence off the rule is an override: RECURRENCE-ID names the rule's instance (the
  same in every version of the invite), its DTSTART is in UTC.
- Every occurrence lasts DURATION (exact minutes), never a DTEND: an end computed on the wall clock
  lands an hour off across a DST change. Some clients still add a zone rule's DURATION on the wall
  clock, so an occurrence spanning an offset change is an override in UTC too; and libical gives
  every instance the length it computes for the first, so a series whose first instance spans one
  is a rule in UTC.
- A cancelled occurrence is an EXDATE in the series and, in a METHOD:CANCEL, an instance with its
  RECURRENCE-ID.
- People whose address Slack does not share are left out of ATTENDEE (a client cannot reply to a
  `urn:`) and named in the description; without the organiser's address the file is a
  METHOD:PUBLISH with no ORGANIZER, which calendars add without offering to reply.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vCalAddress, vText

from bot.domain import tz
from bot.domain.meetings import CalendarForm, Meeting, MeetingOccurrence, Recurrence

PRODID = "-//Alliance Bot//Meetings//EN"
PREREAD_NOTE = "Pre-reads (read before the meeting; they will not be presented):"
NO_ADDRESS_NOTE = "Also invited (Slack does not share their email address):"
SPAN_START, SPAN_END = date(2000, 1, 1), date(2038, 1, 1)  # what every VTIMEZONE covers at least
RRULE_FREQ = {Recurrence.WEEKLY: ("WEEKLY", 1), Recurrence.BIWEEKLY: ("WEEKLY", 2),
              Recurrence.MONTHLY: ("MONTHLY", 1), Recurrence.QUARTERLY: ("MONTHLY", 3)}


def description(meeting: Meeting, channel_name: str | None = None, without_address: Sequence[str] = ()) -> str:
    """Agenda, pre-reads and the people the invite cannot address, as plain text."""
    parts = []
    if meeting.agenda.strip():
        parts.append("Agenda:\n" + meeting.agenda.strip())
    if meeting.prereads:
        parts.append(PREREAD_NOTE + "\n" + "\n".join(f"- {link}" for link in meeting.prereads))
    if without_address:
        parts.append(NO_ADDRESS_NOTE + " " + ", ".join(without_address))
    parts.append(f"Scheduled with Alliance Bot in Slack{f' (#{channel_name})' if channel_name else ''}.")
    return "\n\n".join(parts)


def _address(user_id: str, names: Mapping[str, str], emails: Mapping[str, str], *, attendee: bool) -> vCalAddress:
    address = vCalAddress(f"mailto:{emails[user_id]}")
    address.params["CN"] = vText(names.get(user_id) or user_id)
    if attendee:
        address.params["ROLE"] = vText("REQ-PARTICIPANT")
        address.params["PARTSTAT"] = vText("NEEDS-ACTION")
        address.params["RSVP"] = vText("TRUE")
    return address


class SeriesWriter:
    """Builds the VEVENTs of one meeting: shared properties, its rule, and instants in the rule's form."""

    def __init__(self, meeting: Meeting, now: datetime, names: Mapping[str, str], emails: Mapping[str, str],
                 channel_name: str | None, *, invitation: bool = True) -> None:
        self.meeting, self.now, self.names, self.emails = meeting, now, names, emails
        self.zone = tz.zone(meeting.zone)
        count = len(meeting.occurrences)
        # A fixed wall time is a rule in its zone; any other series a rule in UTC (its instances one interval apart),
        # each occurrence off the rule an override. So is a fixed wall time whose first instance spans an offset change:
        # libical gives every instance of a rule the length of the first, its DURATION added on the wall clock.
        # A series whose zone keeps one offset over all its occurrences is a rule in UTC too: the same instants, and no
        # client's own tz data can misread it (Casablanca's series after 2026-09-20 under data older than 2026a).
        steady = len({tz.offset_at(_original(o), self.zone) for o in meeting.occurrences}) == 1
        self.local = (meeting.proposal.calendar_form is CalendarForm.RRULE and count > 1 and not steady
                      and not self.spans_change(_original(meeting.occurrences[0])))
        # A feed (not an invitation) names nobody: whoever subscribes reads it, and nobody replies to it.
        self.addressed = invitation and bool(emails.get(meeting.organizer_id))
        unaddressed = [u for u in meeting.participant_ids if not emails.get(u)] if invitation else []
        self.text = description(meeting, channel_name, [names.get(u) or u for u in unaddressed])

    def instant(self, at: datetime) -> datetime:
        """An instant in the rule's form: local in its zone for a fixed wall time, else UTC."""
        return at.astimezone(self.zone) if self.local else at.astimezone(tz.UTC)

    def nominal(self, index: int) -> datetime:
        """The rule's instance for occurrence `index` (what its RECURRENCE-ID names, in every version of the invite)."""
        occurrences = self.meeting.occurrences
        if self.local:
            return _original(occurrences[index])
        first = _original(occurrences[0]).astimezone(tz.UTC)
        freq, interval = RRULE_FREQ[self.meeting.recurrence]
        if freq == "WEEKLY":
            return first + timedelta(weeks=interval * index)
        # Every month has a 28th: a later day would make the rule skip months (RFC 5545 §3.3.10), so a series on the
        # 29th to 31st is a rule on the 28th with every occurrence off it overridden.
        months = first.month - 1 + interval * index
        return first.replace(year=first.year + months // 12, month=months % 12 + 1, day=min(first.day, 28))

    def off_rule(self, occurrence: MeetingOccurrence) -> bool:
        """Whether an occurrence needs its own VEVENT: it is not at the rule's instance, or (in a zone's rule) it spans
        an offset change, whose end some clients compute on the wall clock: in UTC every client adds the same."""
        start = occurrence.starts_at
        if start != self.nominal(occurrence.index):
            return True
        return self.local and self.spans_change(start)

    def spans_change(self, start: datetime) -> bool:
        """Whether an occurrence starting then spans an offset change of the meeting's zone."""
        end = start + timedelta(minutes=self.meeting.duration_minutes)
        return tz.offset_at(start, self.zone) != tz.offset_at(end, self.zone)

    def event(self, start: datetime, *, recurrence_id: datetime | None = None, cancelled: bool = False) -> Event:
        meeting = self.meeting
        event = Event()
        event.add("uid", meeting.uid)
        event.add("dtstamp", self.now.astimezone(tz.UTC))
        event.add("sequence", meeting.sequence)
        if recurrence_id is not None:
            event.add("recurrence-id", self.instant(recurrence_id))
        event.add("summary", meeting.title)
        event.add("description", self.text)
        event.add("dtstart", start)
        event.add("duration", timedelta(minutes=meeting.duration_minutes))
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        if self.addressed:
            event.add("organizer", _address(meeting.organizer_id, self.names, self.emails, attendee=False))
            for user_id in meeting.participant_ids:
                if self.emails.get(user_id):
                    event.add("attendee", _address(user_id, self.names, self.emails, attendee=True), encode=False)
        return event

    def series(self) -> list[Event]:
        """The series: the rule's first instance with the rule, cancelled instances excluded, every occurrence off the
        rule overridden (its new start in UTC)."""
        occurrences = self.meeting.occurrences
        if len(occurrences) == 1:
            return [self.event(occurrences[0].starts_at.astimezone(tz.UTC))]
        master = self.event(self.instant(self.nominal(0)))
        freq, interval = RRULE_FREQ[self.meeting.recurrence]
        master.add("rrule", {"freq": freq, "interval": interval, "count": len(occurrences)})
        cancelled = [self.instant(self.nominal(o.index)) for o in occurrences if o.cancelled]
        if cancelled:
            master.add("exdate", cancelled)
        return [master] + [self.event(o.starts_at.astimezone(tz.UTC), recurrence_id=self.nominal(o.index))
                           for o in occurrences if not o.cancelled and self.off_rule(o)]

    def cancellations(self, indexes: tuple[int, ...]) -> list[Event]:
        """The whole series (no indexes), or the chosen occurrences, cancelled."""
        occurrences = self.meeting.occurrences
        if not indexes or len(occurrences) == 1:
            start = self.instant(self.nominal(0)) if len(occurrences) > 1 else occurrences[0].starts_at.astimezone(tz.UTC)
            return [self.event(start, cancelled=True)]
        return [self.event(o.starts_at.astimezone(tz.UTC), recurrence_id=self.nominal(o.index), cancelled=True)
                for o in occurrences if o.index in indexes]


def meeting_calendar(meeting: Meeting, now: datetime, *, names: Mapping[str, str] | None = None,
                     emails: Mapping[str, str] | None = None, cancel: tuple[int, ...] | None = None,
                     channel_name: str | None = None) -> bytes:
    """The .ics for a confirmed meeting; `cancel` (occurrence indexes, () for all) makes it a METHOD:CANCEL."""
    writer = SeriesWriter(meeting, now, names or {}, emails or {}, channel_name)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # iTIP needs an organiser to reply to; without one the file is published, and a cancellation is its STATUS.
    calendar.add("method", ("CANCEL" if cancel is not None else "REQUEST") if writer.addressed else "PUBLISH")
    events = writer.cancellations(cancel) if cancel is not None else writer.series()
    if writer.local:
        instants = [_original(o) for o in meeting.occurrences] + [o.starts_at for o in meeting.occurrences]
        calendar.add_component(vtimezone(meeting.zone, min(instants), max(instants)))
    for event in events:
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def vtimezone(zone: str, first: datetime, last: datetime) -> Timezone:
    """A VTIMEZONE: the offset in force where its span starts, then each change in the span as its own observance
    (no rules, no RDATE).

    One DTSTART per change is the plainest form RFC 5545 allows; every parser we know reads it
    (dateutil's tzical, behind vobject, ignores RDATE lists such as icalendar's own generator makes).
    The changes are the zone's as zoneinfo reads it from the tzdata package, footer rule included
    (`bot.domain.tz.changes`).
    """
    component = Timezone()
    component.add("tzid", zone)
    # The same span for every series of a zone (2000 to 2038, or whole years wider for a series near its edges), so a
    # client that caches a VTIMEZONE by its TZID never meets one that stops short of its dates.
    start = datetime(min((first - timedelta(days=400)).year, SPAN_START.year), 1, 1, tzinfo=tz.UTC)
    end = datetime(max((last + timedelta(days=400)).year + 1, SPAN_END.year), 1, 1, tzinfo=tz.UTC)
    opening = start.astimezone(tz.zone(zone))
    offset = opening.utcoffset() or timedelta(0)
    observance: TimezoneDaylight | TimezoneStandard = TimezoneDaylight() if opening.dst() else TimezoneStandard()
    observance.add("dtstart", (start + offset).replace(tzinfo=None))
    observance.add("tzoffsetfrom", offset)
    observance.add("tzoffsetto", offset)
    observance.add("tzname", opening.tzname())
    component.add_component(observance)
    for change in tz.changes(zone, start, end):
        observance = TimezoneDaylight() if change.daylight else TimezoneStandard()
        # DTSTART is the wall clock just before the change, in the offset being left.
        observance.add("dtstart", (change.at + change.before).replace(tzinfo=None))
        observance.add("tzoffsetfrom", change.before)
        observance.add("tzoffsetto", change.after)
        observance.add("tzname", change.name)
        component.add_component(observance)
    return component


def _original(occurrence: MeetingOccurrence) -> datetime:
    return occurrence.original_starts_at or occurrence.starts_at
