"""Independent readers of an .ics, as calendar clients read it: every occurrence's start and end, per UID.

Always here (Python packages of the test extra):
- `by_recurring_ical_events`: icalendar with recurring-ical-events (RRULE, RDATE, EXDATE, RECURRENCE-ID
  overrides, DURATION), the expansion Python calendar tools use;
- `by_vobject`: vobject, whose rule sets come from dateutil (libical's reading of RRULE, RDATE and
  EXDATE); overrides are applied here the way RFC 5545 says (the instance whose start equals the
  RECURRENCE-ID is replaced).

Where their runtime is installed (`.ci/run` installs them where it can; else each returns None, and
`test_calendar.py` says which were missing):
- `by_ical_js`: ical.js, the parser Thunderbird uses, through node (tests/js/read_ics.mjs; `npm install
  --prefix tests/js`);
- `by_node_ical`: node-ical, through node (tests/js/read_node_ical.mjs), expanded with its
  `expandRecurringEvent` as its README shows;
- `by_libical`: libical, the C library, through a small program compiled here with gcc
  (tests/libical/read_ics.c; Debian's libical-dev);
- `by_sabre_vobject`: sabre/vobject, the PHP CalDAV servers' library, through php (tests/php/read_ics.php;
  Debian's php-cli and php-sabre-vobject), expanded with VCalendar::expand() as a CalDAV server expands.

Each returns {uid: [(start, end), …]} in UTC, sorted, with STATUS:CANCELLED instances left out. The external ones
read a list of files at once, node's and php's in a process kept for the test process; `every` compares them all, and
lets a reader differ only where `excused` names a documented bug or limit of it (docs/formats.md, "The readers").
"""
from __future__ import annotations

import atexit
import hashlib
import itertools
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from pathlib import Path

import recurring_ical_events
import vobject
from icalendar import Calendar

from tests.tzdata_zones import tzdata_zone

Occurrences = dict[str, list[tuple[datetime, datetime]]]
WINDOW = (date(1999, 1, 1), date(2040, 1, 1))
TESTS = Path(__file__).resolve().parents[1]


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


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def _from_json(output: bytes) -> list[Occurrences]:
    """The answer of a reader script: a JSON list of {uid: [[start, end], …]} in ISO 8601."""
    return [{uid: sorted((_instant(a), _instant(b)) for a, b in spans) for uid, spans in found.items()} for found in json.loads(output)]


class _Kept:
    """A reader process kept for the test process' life: node's or php's start and the library's loading cost more than
    a reading. One request a line on its stdin (a JSON list of the files' texts), one answer a line on its stdout."""

    def __init__(self, command: list[str], env: dict[str, str] | None = None) -> None:
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115 (kept open for the process' life, closed with it)
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors, env=env)
        atexit.register(self.close)

    def ask(self, files: list[bytes]) -> bytes:
        process = self.process
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(json.dumps([f.decode() for f in files]).encode() + b"\n")
        process.stdin.flush()
        ready, _, _ = select.select([process.stdout], [], [], 120)
        answer = process.stdout.readline() if ready else b""
        if not answer.endswith(b"\n"):
            self.errors.seek(0)
            raise AssertionError(f"{process.args!r} gave no answer: {self.errors.read().decode()[-2000:]}")
        return answer

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.errors.close()


_KEPT: dict[str, _Kept] = {}


def _kept(command: list[str], env: dict[str, str] | None = None) -> _Kept:
    """The reader process for this command, started at its first use (and again if it has stopped)."""
    key = " ".join(command)
    if key not in _KEPT or _KEPT[key].process.poll() is not None:
        _KEPT[key] = _Kept(command, env)
    return _KEPT[key]


def _node(script: str, package: str, files: list[bytes]) -> list[Occurrences] | None:
    node = shutil.which("node")
    if node is None or not (TESTS / "js" / "node_modules" / package).is_dir():
        return None
    # TZ=UTC: node-ical reads an all-day DATE as midnight on the process' clock, here midnight UTC like `_utc`.
    return _from_json(_kept([node, str(TESTS / "js" / script)], {**os.environ, "TZ": "UTC"}).ask(files))


def by_ical_js(files: list[bytes]) -> list[Occurrences] | None:
    """ical.js's reading of each file (in a node process kept for the test process), or None when node or the ical.js
    package is not installed here."""
    return _node("read_ics.mjs", "ical.js", files)


def by_node_ical(files: list[bytes]) -> list[Occurrences] | None:
    """node-ical's reading of each file (in a node process kept for the test process), or None when node (20 or later,
    as the pinned node-ical requires) or the node-ical package is not installed here."""
    return _node("read_node_ical.mjs", "node-ical", files) if _node_major() >= 20 else None


@cache
def _node_major() -> int:
    node = shutil.which("node")
    found = subprocess.run([node, "--version"], capture_output=True, text=True, check=False) if node else None
    major = re.match(r"v(\d+)", found.stdout) if found is not None and found.returncode == 0 else None
    return int(major.group(1)) if major else 0


LIBICAL_READER = TESTS / "libical" / "read_ics.c"


@cache
def _libical_flags() -> list[str] | None:
    """gcc's flags for libical, or None when gcc or libical's headers are not installed here."""
    if shutil.which("gcc") is None:
        return None
    if shutil.which("pkg-config") is not None:
        found = subprocess.run(["pkg-config", "--cflags", "--libs", "libical"], capture_output=True, text=True, check=False)
        return found.stdout.split() if found.returncode == 0 else None
    return ["-lical"] if Path("/usr/include/libical/ical.h").is_file() else None


@cache
def _libical_program() -> Path | None:
    """The reader compiled once per version of its source and of libical (in the temporary folder, shared by the test
    processes: each compiles to a name of its own, then renames), or None without gcc or libical."""
    flags = _libical_flags()
    if flags is None:
        return None
    release = subprocess.run(["pkg-config", "--modversion", "libical"], capture_output=True, text=True, check=False).stdout \
        if shutil.which("pkg-config") else ""
    key = hashlib.sha256(LIBICAL_READER.read_bytes() + " ".join([*flags, release]).encode()).hexdigest()[:16]
    program = Path(tempfile.gettempdir()) / f"alliancebot-libical-reader-{key}"
    if not program.is_file():
        scratch = program.with_name(f"{program.name}.{os.getpid()}")
        built = subprocess.run(["gcc", "-std=c99", "-O1", "-Wall", "-o", str(scratch), str(LIBICAL_READER), *flags],
                               capture_output=True, text=True, check=False)
        assert built.returncode == 0, built.stderr[-2000:]
        scratch.replace(program)
    return program


# Before 3.0.19, icalcomponent_foreach_recurrence ends an all-day occurrence a day less a second after its DTEND (or
# DTSTART plus DURATION): libical PR 846, "Fix the calculation of an event's duration if DTSTART is a DATE-only value"
# in its release notes. Such an end is compared as libical reads it since.
LIBICAL_DATE_END_FIXED = (3, 0, 19)


def by_libical(files: list[bytes]) -> list[Occurrences] | None:
    """libical's reading of each file (one process for all: it starts in milliseconds), or None when gcc or libical's
    headers are not installed here."""
    program = _libical_program()
    if program is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for number, data in enumerate(files):
            path = Path(folder) / f"{number}.ics"
            path.write_bytes(data)
            paths.append(str(path))
        done = subprocess.run([str(program), *paths], capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    heading, *lines = done.stdout.decode().splitlines()
    version = tuple(int(part) for part in heading.split()[1].split("."))
    late_date_end = timedelta(days=1, seconds=-1) if version < LIBICAL_DATE_END_FIXED else timedelta(0)
    read: list[Occurrences] = []
    for line in lines:
        if line == "FILE":
            read.append({})
            continue
        uid, *span = line.split("\t")
        spans = read[-1].setdefault(uid, [])
        if span:
            start, end = (datetime.fromtimestamp(int(s), timezone.utc) for s in span[:2])
            spans.append((start, end - late_date_end if span[2] == "1" else end))
    return [{uid: sorted(spans) for uid, spans in found.items()} for found in read]


PHP_READER = TESTS / "php" / "read_ics.php"


def by_sabre_vobject(files: list[bytes]) -> list[Occurrences] | None:
    """sabre/vobject's reading of each file (in a php process kept for the test process), or None when php or the
    library is not installed here."""
    php = shutil.which("php")
    if php is None or sabre_version() is None:
        return None
    return _from_json(_kept([php, "-d", "date.timezone=UTC", "-d", "display_errors=stderr", str(PHP_READER)]).ask(files))


@cache
def sabre_version() -> tuple[int, ...] | None:
    """sabre/vobject's version, or None when php or the library is not installed here."""
    php = shutil.which("php")
    if php is None:
        return None
    found = subprocess.run([php, "-r", "if (!@include 'Sabre/VObject/autoload.php') exit(1); echo Sabre\\VObject\\Version::VERSION;"],
                           capture_output=True, text=True, check=False)
    return tuple(int(part) for part in re.findall(r"\d+", found.stdout)[:3]) if found.returncode == 0 else None


# node-ical and sabre/vobject resolve a TZID they know (an IANA name) with their runtime's own tz data (node's ICU
# through Intl; PHP's, on Debian the system's tzdata), never the invite's VTIMEZONE; icalendar does too, and reads the
# pinned tzdata package here (tests/conftest.py). Where their data predates a change in the pinned one (Africa/Casablanca
# at +00 from 2026-09-20 on), they read the zone's wall times by the old rules, which no invite can correct
# (docs/formats.md): a file is compared with them only where, at every start it means in a zone of its VTIMEZONEs, their
# data gives the pinned data's offset.
OWN_TZ_DATA: dict[str, Callable[[], list[str] | None]] = {
    "node-ical": lambda: [node, str(TESTS / "js" / "read_node_ical.mjs"), "--transitions"] if (node := shutil.which("node")) else None,
    "sabre/vobject": lambda: [php, "-d", "date.timezone=UTC", str(PHP_READER), "--transitions"] if (php := shutil.which("php")) else None,
}
ZONE_SPAN = (datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2040, 1, 1, tzinfo=timezone.utc))


def _pinned_transitions(zone: str) -> list[tuple[int, int]]:
    """[(seconds, UTC offset from then on)] in ZONE_SPAN by the pinned tzdata: the offset at its start, then each change."""
    here = tzdata_zone(zone)

    def offset(seconds: int) -> int:
        return int((datetime.fromtimestamp(seconds, timezone.utc).astimezone(here).utcoffset() or timedelta(0)).total_seconds())

    start, end = (int(t.timestamp()) for t in ZONE_SPAN)
    found = [(start, offset(start))]
    for low in range(start, end, 86400):
        high = min(low + 86400, end)
        if offset(high) == offset(low):
            continue
        a, b = low, high
        while b - a > 1:
            middle = (a + b) // 2
            a, b = (middle, b) if offset(middle) == offset(a) else (a, middle)
        found.append((b, offset(b)))
    return found


@cache
def _misread_spans(reader: str, zone: str) -> tuple[tuple[datetime, datetime], ...]:
    """Where the reader's own tz data gives the zone another UTC offset than the pinned tzdata: [start, end) spans."""
    command = OWN_TZ_DATA[reader]()
    assert command is not None
    start, end = (int(t.timestamp()) for t in ZONE_SPAN)
    done = subprocess.run(command, input=json.dumps([[zone, start, end]]).encode(), capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    theirs: list[tuple[int, int]] = [(t, o) for t, o in json.loads(done.stdout)[0]]
    ours = _pinned_transitions(zone)

    def at(changes: list[tuple[int, int]], seconds: int) -> int:
        return [o for t, o in changes if t <= seconds][-1]

    edges = sorted({t for t, _ in theirs} | {t for t, _ in ours}) + [end]
    return tuple((datetime.fromtimestamp(a, timezone.utc), datetime.fromtimestamp(b, timezone.utc))
                 for a, b in itertools.pairwise(edges) if at(theirs, a) != at(ours, a))


def misread_by_own_tz_data(reader: str, data: bytes, read: Occurrences) -> bool:
    """Whether the reader's own tz data gives another offset than the pinned one at a start of `read` in a zone of the
    file's VTIMEZONEs (then the file says nothing of the reader: see OWN_TZ_DATA)."""
    if reader not in OWN_TZ_DATA:
        return False
    zones = [z.decode() for z in re.findall(rb"^TZID:(.+?)\r?$", data, re.MULTILINE)]
    instants = [start for spans in read.values() for start, _ in spans]
    return any(a <= s < b for zone in zones for a, b in _misread_spans(reader, zone) for s in instants)


# sabre/vobject before 3.3.0 (Debian 12 has 2.1.7) still shows a series' first instance when an EXDATE cancels it or an
# override moves it (its changelog for 3.3.0: "#75, #58, #18: Fixes related to overriding the first event in
# recurrences"); the override then comes as well.
SABRE_FIRST_INSTANCE_FIXED = (3, 3, 0)


def first_instance_replaced(data: bytes) -> bool:
    """Whether an EXDATE or an override (RECURRENCE-ID) names the first instance (DTSTART) of a series in the file."""
    events = Calendar.from_ical(data).walk("VEVENT")
    for master in events:
        if "RRULE" not in master or "RECURRENCE-ID" in master:
            continue
        first = _utc(master.decoded("dtstart"))
        exdates = master.get("EXDATE", [])
        if any(_utc(day.dt) == first for listed in (exdates if isinstance(exdates, list) else [exdates]) for day in listed.dts):
            return True
        if any(str(e["UID"]) == str(master["UID"]) and "RECURRENCE-ID" in e and _utc(e.decoded("recurrence-id")) == first for e in events):
            return True
    return False


def excused(reader: str, data: bytes, meant: Occurrences) -> bool:
    """Whether the reader may read the file otherwise than it means, by a documented bug or limit of the reader
    (docs/formats.md, "Meeting invites"): only these, and only where they apply."""
    if misread_by_own_tz_data(reader, data, meant):
        return True
    return reader == "sabre/vobject" and (sabre_version() or ()) < SABRE_FIRST_INSTANCE_FIXED and first_instance_replaced(data)


def starts(found: Occurrences) -> dict[str, list[datetime]]:
    """{uid: starts} of a reader's answer."""
    return {uid: [start for start, _ in spans] for uid, spans in found.items()}


# The readers that run outside Python, each with its name and its reading of a list of files (None: not installed).
EXTERNAL: dict[str, Callable[[list[bytes]], list[Occurrences] | None]] = {
    "ical.js": by_ical_js, "node-ical": by_node_ical, "libical": by_libical, "sabre/vobject": by_sabre_vobject}


def every(files: list[bytes]) -> list[Occurrences]:
    """What every reader here agrees on, file by file (the two Python ones always, the others where installed); fails
    with their answers when they do not. The others read in their own processes while the Python ones read here."""
    with ThreadPoolExecutor(max_workers=len(EXTERNAL)) as pool:
        pending = {name: pool.submit(reader, files) for name, reader in EXTERNAL.items()}
        agreed = []
        for data in files:
            first, second = by_recurring_ical_events(data), by_vobject(data)
            assert first == second, f"the readers disagree:\nrecurring-ical-events {first}\nvobject {second}"
            agreed.append(first)
        for name, reading in pending.items():
            read = reading.result()
            for number, (data, first, other) in enumerate(zip(files, agreed, read or agreed, strict=True)):
                if other != first and excused(name, data, first):
                    continue
                assert other == first, f"{name} disagrees on file {number}:\nrecurring-ical-events {first}\n{name} {other}"
    return agreed


def both(data: bytes) -> Occurrences:
    """`every` reader's reading of one file."""
    return every([data])[0]


def spans_of(starts_at: list[datetime], minutes: int) -> list[tuple[datetime, datetime]]:
    return [(s, s + timedelta(minutes=minutes)) for s in sorted(starts_at)]
