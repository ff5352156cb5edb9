"""Two independent readers of an .ics, as calendar clients read it: every occurrence's start and end, per UID.

- `by_recurring_ical_events`: icalendar with recurring-ical-events (RRULE, RDATE, EXDATE, RECURRENCE-ID
  overrides, DURATION), the expansion Python calendar tools use;
- `by_vobject`: vobject, whose rule sets come from dateutil (libical's reading of RRULE, RDATE and
  EXDATE); overrides are applied here the way RFC 5545 says (the instance whose start equals the
  RECURRENCE-ID is replaced).

Both return {uid: [(start, end), …]} in UTC, sorted, with STATUS:CANCELLED instances left out.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import recurring_ical_events
import vobject
from icalendar import Calendar

Occurrences = dict[str, list[tuple[datetime, datetime]]]
WINDOW = (date(1999, 1, 1), date(2040, 1, 1))


def _utc(value: datetime | date) -> datetime:
    """An instant in UTC; an all-day event's date as its midnight in UTC (feeds' milestones and due dates)."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time(0), tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def by_recurring_ical_events(data: bytes) -> Occurrences:
    found: Occurrences = {}
    for event in recurring_ical_events.of(Calendar.from_ical(data)).between(*WINDOW):
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        found.setdefault(str(event["UID"]), []).append((_utc(event.decoded("dtstart")), _utc(event.decoded("dtend"))))
    return {uid: sorted(spans) for uid, spans in found.items()}


def _span(event: vobject.base.Component, start: datetime | date) -> tuple[datetime, datetime]:
    if hasattr(event, "duration"):
        return _utc(start), _utc(start) + event.duration.value
    if hasattr(event, "dtend"):
        return _utc(start), _utc(start) + (event.dtend.value - event.dtstart.value)
    return _utc(start), _utc(start)


def by_vobject(data: bytes) -> Occurrences:
    found: Occurrences = {}
    overrides: dict[str, dict[datetime, vobject.base.Component]] = {}
    events = vobject.readOne(data.decode()).vevent_list
    for event in events:
        if hasattr(event, "recurrence_id"):
            overrides.setdefault(event.uid.value, {})[_utc(event.recurrence_id.value)] = event
    for event in events:
        if hasattr(event, "recurrence_id"):
            continue
        uid = event.uid.value
        starts = sorted({_utc(s) for s in event.getrruleset(addRDate=True)}) if event.rruleset else [_utc(event.dtstart.value)]
        cancelled = hasattr(event, "status") and event.status.value.upper() == "CANCELLED"
        spans = []
        for start in starts:
            override = overrides.get(uid, {}).get(start)
            if override is not None:
                if not (hasattr(override, "status") and override.status.value.upper() == "CANCELLED"):
                    spans.append(_span(override, override.dtstart.value))
            elif not cancelled:
                spans.append(_span(event, start))
        found[uid] = sorted(spans)
    return found


def starts(found: Occurrences) -> dict[str, list[datetime]]:
    """{uid: starts} of a reader's answer."""
    return {uid: [start for start, _ in spans] for uid, spans in found.items()}


def both(data: bytes) -> Occurrences:
    """What both readers agree on; fails with both answers when they do not."""
    first, second = by_recurring_ical_events(data), by_vobject(data)
    assert first == second, f"the readers disagree:\nrecurring-ical-events {first}\nvobject {second}"
    return first


def spans_of(starts_at: list[datetime], minutes: int) -> list[tuple[datetime, datetime]]:
    return [(s, s + timedelta(minutes=minutes)) for s in sorted(starts_at)]
