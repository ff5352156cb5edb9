"""Two independent readers of an .ics, as calendar clients read it: every occurrence's start and end, per UID.

- `by_recurring_ical_events`: icalendar with recurring-ical-events (RRULE, RDATE, EXDATE, RECURRENCE-ID
  overrides, DURATION), the expansion Python calendar tools use;
- `by_vobject`: vobject, whose rule sets come from dateutil (libical's reading of RRULE, RDATE and
  EXDATE); overrides are applied here the way RFC 5545 says (the instance whose start equals the
  RECURRENCE-ID is replaced).

- `by_ical_js`: ical.js, the parser Thunderbird uses, through node (tests/js/read_ics.mjs), when node and
  the package are installed (`.ci/run` installs them: `npm install --prefix tests/js`); else None.

Each returns {uid: [(start, end), …]} in UTC, sorted, with STATUS:CANCELLED instances left out.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

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


JS_READER = Path(__file__).resolve().parents[1] / "js" / "read_ics.mjs"


def by_ical_js(files: list[bytes]) -> list[Occurrences] | None:
    """ical.js's reading of each file (one node process for all), or None when node or the ical.js package is not
    installed here."""
    node = shutil.which("node")
    if node is None or not (JS_READER.parent / "node_modules" / "ical.js").is_dir():
        return None
    done = subprocess.run([node, str(JS_READER)], input=json.dumps([f.decode() for f in files]).encode(), capture_output=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return [{uid: [(datetime.fromisoformat(a.replace("Z", "+00:00")), datetime.fromisoformat(b.replace("Z", "+00:00")))
                   for a, b in spans] for uid, spans in found.items()} for found in json.loads(done.stdout)]


def starts(found: Occurrences) -> dict[str, list[datetime]]:
    """{uid: starts} of a reader's answer."""
    return {uid: [start for start, _ in spans] for uid, spans in found.items()}


def every(files: list[bytes]) -> list[Occurrences]:
    """What every reader here agrees on, file by file (the two Python ones always, ical.js where installed); fails
    with their answers when they do not."""
    agreed = []
    for data in files:
        first, second = by_recurring_ical_events(data), by_vobject(data)
        assert first == second, f"the readers disagree:\nrecurring-ical-events {first}\nvobject {second}"
        agreed.append(first)
    js = by_ical_js(files)
    for first, third in zip(agreed, js or agreed, strict=True):
        assert third == first, f"ical.js disagrees:\nrecurring-ical-events {first}\nical.js {third}"
    return agreed


def both(data: bytes) -> Occurrences:
    """`every` reader's reading of one file."""
    return every([data])[0]


def spans_of(starts_at: list[datetime], minutes: int) -> list[tuple[datetime, datetime]]:
    return [(s, s + timedelta(minutes=minutes)) for s in sorted(starts_at)]
