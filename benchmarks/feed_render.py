"""How long a calendar feed of 500 events takes to render, next to icalendar writing 500 plain events (issue 14).

Run from the repository root:  .venv/bin/python -m benchmarks.feed_render [--runs 30]
The median of `runs` renderings, after one warm-up, of the feed (`bot.views.calendar_feed.feed_calendar`): 100 weekly meetings of 3 occurrences (half
  of them rotated, so each occurrence is an override; one move and one cancellation in ten), 150
  milestones with payments and 150 action items' due dates: 500 events in all;
and the baseline, measured in the same run: icalendar serialising 500 bare VEVENTs (UID, DTSTAMP,
DTSTART, DURATION, SUMMARY), the least any feed of that size costs with this library. The ratios say
what the feed's own work adds; absolute times depend on this shared 2-core machine.
"""
from __future__ import annotations

import argparse
import statistics
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from icalendar import Calendar, Event

from bot.domain.actions import ActionItem
from bot.domain.meetings import CalendarForm, Meeting, MeetingOccurrence, MeetingProposal, MeetingSource, MeetingStatus, Recurrence
from bot.domain.milestones import Direction, Kind, Milestone, Payment
from bot.views.calendar_feed import feed_calendar

NOW = datetime(2027, 1, 10, 9, 0, tzinfo=timezone.utc)
START = datetime(2027, 2, 1, 15, 0, tzinfo=timezone.utc)


def meetings(count: int = 100) -> list[Meeting]:
    made = []
    for n in range(count):
        rotated = n % 2 == 1
        first = START + timedelta(days=n % 30, hours=n % 5)
        occurrences = []
        for k in range(3):
            start = first + timedelta(weeks=k, hours=(k * 7 if rotated else 0))
            moved = start + timedelta(days=1) if n % 10 == 0 and k == 1 else None
            occurrences.append(MeetingOccurrence(f"Meeting {n}", moved or start, 50, "C1", ("U1", "U2"), n, k, n % 10 == 5 and k == 2,
                                                 start if moved else None))
        made.append(Meeting(n, "C1", "U1", f"Meeting {n}", 50, ("U1", "U2"), Recurrence.WEEKLY, 3, MeetingStatus.CONFIRMED,
                            MeetingSource.PROPOSED, f"m{n}@alliancebot", 1, "Agenda", (), zone="Europe/Zurich",
                            occurrences=tuple(occurrences),
                            proposal=MeetingProposal(calendar_form=CalendarForm.EACH if rotated else CalendarForm.RRULE)))
    return made


def milestones(count: int = 150) -> list[Milestone]:
    return [Milestone(n, "C1", f"Milestone {n}", Kind.CLINICAL, date(2027, 3, 1) + timedelta(days=n), "U1",
                      payment=Payment(Decimal(1_000_000 + n), "USD", Direction.IN)) for n in range(count)]


def items(count: int = 150) -> list[ActionItem]:
    return [ActionItem(n, f"A-{n}", "C1", f"Send package {n}", ("U1",), "U1", date(2027, 2, 1) + timedelta(days=n % 60))
            for n in range(count)]


def bare(count: int = 500) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//bench//EN")
    calendar.add("version", "2.0")
    for n in range(count):
        event = Event()
        event.add("uid", f"e{n}@bench")
        event.add("dtstamp", NOW)
        event.add("dtstart", START + timedelta(hours=n))
        event.add("duration", timedelta(minutes=50))
        event.add("summary", f"Event {n}")
        calendar.add_component(event)
    return bytes(calendar.to_ical())


def median_ms(job: object, runs: int) -> float:
    assert callable(job)
    job()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        job()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    content = (meetings(), milestones(), items())
    body = feed_calendar("Bench", NOW, meetings=content[0], milestones=content[1], items=content[2])
    events = body.count(b"BEGIN:VEVENT")
    feed = median_ms(lambda: feed_calendar("Bench", NOW, meetings=content[0], milestones=content[1], items=content[2]), args.runs)
    baseline = median_ms(bare, args.runs)
    print(f"feed of {events} VEVENTs ({len(body):,} bytes: 100 series, 150 milestones, 150 due dates): median {feed:.1f} ms "
          f"over {args.runs} renderings")
    print(f"baseline, icalendar writing 500 bare VEVENTs: median {baseline:.1f} ms; feed/baseline {feed / baseline:.2f}")
    print(f"load average {Path('/proc/loadavg').read_text().split()[0] if Path('/proc/loadavg').exists() else 'n/a'}; "
          f"limit asked by issue 14: 100 ms for 500 events")


if __name__ == "__main__":
    main()
