"""An alliance's or a person's calendar feed: one iCalendar file that calendars subscribe to and poll.

It holds the confirmed meetings (each series as in its invite, `bot.views.calendar`: one UID, moves
and cancellations included), the milestones and payments, and action items' due dates, as all-day
events. No METHOD and nobody addressed: a subscription is read, never replied to. An event that
leaves the feed (a cancelled meeting, a milestone achieved, an item done) leaves the subscriber's
calendar at the next poll.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event

from bot.domain import tz
from bot.domain.actions import ActionItem
from bot.domain.meetings import Meeting
from bot.domain.milestones import Milestone
from bot.views.calendar import PRODID, SeriesWriter, vtimezone
from bot.views.milestones import payment_text

POLL = timedelta(hours=1)  # what the feed suggests to pollers (REFRESH-INTERVAL, X-PUBLISHED-TTL)


def _day_event(uid: str, summary: str, day: date, now: datetime, text: str = "") -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", now.astimezone(tz.UTC))
    event.add("summary", summary)
    event.add("dtstart", day)
    event.add("duration", timedelta(days=1))
    event.add("transp", "TRANSPARENT")  # a due date does not make anyone busy
    if text:
        event.add("description", text)
    return event


def feed_calendar(title: str, now: datetime, *, meetings: Sequence[Meeting] = (), milestones: Sequence[Milestone] = (),
                  items: Sequence[ActionItem] = ()) -> bytes:
    """The feed's iCalendar file."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", title)
    calendar.add("name", title)
    calendar.add("refresh-interval", POLL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")  # Outlook reads this one
    spans: dict[str, list[datetime]] = {}
    for meeting in meetings:
        if not meeting.occurrences:
            continue
        writer = SeriesWriter(meeting, now, {}, {}, None, invitation=False)
        for event in writer.series():
            calendar.add_component(event)
        if writer.local:
            spans.setdefault(meeting.zone, []).extend(o.starts_at for o in meeting.occurrences)
    for zone, instants in sorted(spans.items()):
        calendar.subcomponents.insert(0, vtimezone(zone, min(instants), max(instants)))
    for milestone in milestones:
        payment = f" · {payment_text(milestone)}" if milestone.payment else ""
        calendar.add_component(_day_event(f"milestone-{milestone.id}@alliancebot", f"{milestone.ref} {milestone.name}{payment}",
                                          milestone.due, now))
    for item in items:
        if item.due is not None:
            calendar.add_component(_day_event(f"item-{item.id}@alliancebot", f"Due: {item.ref} {item.text}", item.due, now,
                                              item.permalink or ""))
    return bytes(calendar.to_ical())
