"""Every invite, read by every calendar reader here, lands on the instants the bot means: a matrix of zones and DST edges.

For each zone below and every offset change it has in 2026–2030 (found with `zoneinfo` on the
`tzdata` package, not the system's tz files), series are built around the change: a weekly series
at a wall time just before the change, inside its gap or fold, and just after; a rotated series
whose starts sit on both sides of it; an occurrence moved into the fold or across the change; a
cancelled one; a meeting crossing the change, and a series whose first meeting does. Each invite is read back with icalendar +
recurring-ical-events and with vobject, and, where their runtimes are installed (CI installs them
where it can), with ical.js, node-ical, libical and sabre/vobject (tests/views/calendar_readers.py);
all must give exactly the starts and ends the meeting means, computed here with zoneinfo, never
with the bot's code. A reader differs only where `calendar_readers.excused` names a documented bug
or limit of it (docs/formats.md); in this matrix, node-ical's and sabre/vobject's own tz data for
Casablanca after 2026-09-20 where it predates the pinned tzdata.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.domain.meetings import CalendarForm, Meeting, MeetingProposal, is_fixed_local_series
from bot.views.calendar import meeting_calendar
from tests.tzdata_zones import tzdata_zone
from tests.views.calendar_readers import every
from tests.views.test_calendar import NOW, meeting

UID = "abc123@alliancebot"
# Odd offsets, negative DST (Dublin), 30-minute DST (Lord Howe), +12:45/+13:45 (Chatham), southern-hemisphere
# changes, zones that stopped changing (Sao Paulo, Tehran), half-hour zones without DST (Kolkata, St John's has), and
# Casablanca (in the tzdata release pinned: its Ramadan change and back five weeks apart, then +00 from 2026-09-20 on).
ZONES = ("America/New_York", "America/St_Johns", "America/Santiago", "America/Sao_Paulo", "Europe/London", "Europe/Dublin",
         "Europe/Zurich", "Asia/Tehran", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Sydney", "Australia/Lord_Howe",
         "Pacific/Auckland", "Pacific/Chatham", "Africa/Casablanca")
YEARS = range(2026, 2031)


def changes(zone: ZoneInfo) -> Iterator[datetime]:
    """Each instant in 2026–2030 where the zone's UTC offset changes (to the minute)."""
    at = datetime(YEARS.start, 1, 1, tzinfo=timezone.utc)
    end = datetime(YEARS.stop, 1, 1, tzinfo=timezone.utc)
    while at < end:
        following = at + timedelta(days=1)
        if at.astimezone(zone).utcoffset() != following.astimezone(zone).utcoffset():
            low, high = at, following
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                    low = middle
                else:
                    high = middle
            whole = high.replace(second=0, microsecond=0)  # changes fall on whole minutes
            yield whole if whole.astimezone(zone).utcoffset() == high.astimezone(zone).utcoffset() else whole + timedelta(minutes=1)
        at = following


def wall(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant the bot means by wall time `at` on `day`: the earlier one in a fold, the time read with the offset
    before the change in a gap (RFC 5545 §3.3.5), which is zoneinfo's fold=0."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(timezone.utc)


def series(starts: list[datetime], zone: str, *, minutes: int = 50, moved: dict[int, datetime] | None = None,
           cancelled: tuple[int, ...] = ()) -> Meeting:
    """A weekly meeting with these starts, in the form the bot would choose for it (an RRULE only for a fixed wall time)."""
    base = meeting(starts, form="rrule", moved=moved, cancelled=cancelled)
    shaped = Meeting(**{**base.__dict__, "zone": zone, "duration_minutes": minutes})
    plain = Meeting(**{**shaped.__dict__, "occurrences": tuple(o.__class__(**{**o.__dict__, "cancelled": False, "original_starts_at": None})
                                                             for o in shaped.occurrences)})
    form = CalendarForm.RRULE if is_fixed_local_series(plain) else CalendarForm.EACH
    return Meeting(**{**shaped.__dict__, "proposal": MeetingProposal(calendar_form=form)})


def expected(starts: list[datetime], minutes: int) -> dict[str, list[tuple[datetime, datetime]]]:
    return {UID: sorted((s, s + timedelta(minutes=minutes)) for s in starts)}


def edges() -> list[tuple[str, datetime]]:
    return [(name, change) for name in ZONES for change in changes(tzdata_zone(name))]


EDGES = edges()


def test_the_matrix_covers_every_change_of_every_zone() -> None:
    assert len(EDGES) >= 80, EDGES  # the zones that still change do so twice a year
    assert {name for name, _ in EDGES} >= {"America/New_York", "Pacific/Chatham", "Australia/Lord_Howe", "Europe/Dublin"}


@pytest.mark.parametrize(("name", "change"), EDGES, ids=[f"{n}@{c:%Y-%m-%d}" for n, c in EDGES])
def test_series_around_a_dst_change_read_back_exactly(name: str, change: datetime) -> None:
    zone = tzdata_zone(name)
    before = (change - timedelta(minutes=1)).astimezone(zone)
    after = change.astimezone(zone)
    day = after.date()
    first_day = day - timedelta(days=14)
    days = [first_day + timedelta(weeks=k) for k in range(4)]
    # Wall times: an hour before the change, inside its gap or fold (the wall clock just after it), and after it.
    inside = after.time().replace(second=0, microsecond=0)
    walls = {(before - timedelta(hours=1)).time().replace(second=0, microsecond=0), inside,
             (after + timedelta(hours=2)).time().replace(second=0, microsecond=0)}
    cases: list[tuple[bytes, dict[str, list[tuple[datetime, datetime]]]]] = []
    for at in sorted(walls):
        starts = [wall(d, at, zone) for d in days]
        # 120 minutes: the occurrence on the change's day may cross it; DURATION keeps it 120 real minutes.
        cases.append((meeting_calendar(series(starts, name, minutes=120), NOW), expected(starts, 120)))

    # A fixed weekly series whose first occurrence spans the change: libical gives every instance of a zone's rule the
    # length of the first, its DURATION added on the wall clock, so such a series must be read right all along.
    opening = (before - timedelta(hours=1)).replace(second=0, microsecond=0)
    starts = [wall(opening.date() + timedelta(weeks=k), opening.time(), zone) for k in range(3)]
    cases.append((meeting_calendar(series(starts, name, minutes=120), NOW), expected(starts, 120)))

    # A rotated series with starts on both sides of the change, one of them moved into the wall time just after it
    # (in a fold, the repeated hour) and one cancelled.
    rotated = [change - timedelta(days=7, hours=3), change - timedelta(hours=5), change + timedelta(hours=1, minutes=15),
               change + timedelta(days=6, hours=20)]
    into = wall(day, inside, zone)
    cases.append((meeting_calendar(series(rotated, name, moved={1: into}, cancelled=(3,)), NOW), expected([rotated[0], into, rotated[2]], 50)))

    # A fixed weekly series with the occurrence of the change's week moved to the wall time inside the change.
    at = time(10, 0)
    starts = [wall(d, at, zone) for d in days]
    cases.append((meeting_calendar(series(starts, name, moved={2: into}), NOW), expected([starts[0], starts[1], into, starts[3]], 50)))
    # Every reader at once (each outside Python in a process kept for the test process), each file against what the
    # meeting means.
    for number, (read, meant) in enumerate(zip(every([data for data, _ in cases]), [m for _, m in cases], strict=True)):
        assert read == meant, (name, change, number)
