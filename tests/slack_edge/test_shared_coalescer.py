"""Two workers updating one message: the last update shows the newest state, whoever counted it."""
from __future__ import annotations

import threading
import time

from bot.clock import SystemClock
from bot.slack_edge.coalescer import UpdateCoalescer
from storage.db import Database
from tests.slack_double.clock import PATIENCE


def test_two_processes_coalescers_end_at_the_latest_state(database: Database) -> None:
    state = {"votes": 0}
    sent: list[int] = []
    lock = threading.Lock()
    burst_over = threading.Event()

    def render() -> tuple[str, list]:
        return str(state["votes"]), []

    def send(_channel: str, _ts: str, text: str, _blocks: list) -> None:
        # Slack answers the first updates only once the burst is over, so they are in flight during
        # all of it, however slow the machine: the votes meanwhile must end up in few more updates.
        assert burst_over.wait(PATIENCE)
        time.sleep(0.01)  # a chat.update round trip, so the workers overlap
        with lock:
            sent.append(int(text))

    # Two coalescers on one database stand for two worker processes.
    workers = [UpdateCoalescer(send, min_interval=0.02, db=database, clock_utc=SystemClock()) for _ in range(2)]
    try:
        for vote in range(1, 41):
            with lock:
                state["votes"] = vote
            workers[vote % 2].request("C1", "1.0", render)
            time.sleep(0.003)
        burst_over.set()
        deadline = time.monotonic() + PATIENCE
        while (not sent or sent[-1] != 40) and time.monotonic() < deadline:
            time.sleep(0.02)
        for worker in workers:
            assert worker.flush(PATIENCE)
    finally:
        for worker in workers:
            worker.close()
    assert sent[-1] == 40, "the message ends at the latest tally"
    assert len(sent) < 40, "bursts coalesce across workers"


def test_a_request_counted_just_before_a_render_does_not_keep_the_message_updating(database: Database) -> None:
    """The race: a request is counted in the database after the coalescer took the message for a round
    but before it read the count, and marks the message dirty in memory only after that. The round's
    render covers it and lets go; the dirty flag brings one more round, which finds nothing requested.
    That round must end the updates (it used to find no row, fail to let go, and update every
    min_interval for ever: a burst left messages being re-sent until the next vote)."""
    from bot.slack_edge.installation_context import current_installation
    from storage.message_renders import note_request

    sent: list[str] = []
    coalescer = UpdateCoalescer(lambda _c, _t, text, _b: sent.append(text), min_interval=0.02, db=database,
                                clock_utc=SystemClock())
    hold = coalescer._hold
    counted = threading.Event()

    def hold_then_count_another(channel: str, ts: str, *, note: bool) -> bool:
        held = hold(channel, ts, note=note)
        if not note and not counted.is_set():  # the round has the message and has not read the count yet
            counted.set()
            with database.write() as session:
                note_request(session, current_installation.get() or 0, channel, ts)
        return held

    def render() -> tuple[str, list]:
        if len(sent) == 0:
            with coalescer._lock:  # the same request now reaches the in-memory queue
                coalescer._pending[("C1", "1.0")].dirty = True
        return "tally", []

    coalescer._hold = hold_then_count_another  # type: ignore[method-assign]
    try:
        coalescer.request("C1", "1.0", render)
        # Nothing left pending means nothing more will be sent (the bug kept the message pending for ever).
        assert coalescer.flush(PATIENCE), "the updates stop once the message shows everything requested"
        assert 1 <= len(sent) <= 2
    finally:
        coalescer.close(1)


def test_a_message_held_by_a_process_that_died_is_taken_over_once_its_hold_lapses(database: Database) -> None:
    """A worker (or the previous run of the bot) died while it held the message with an update
    outstanding: the update is not left undone; another process takes over after the hold."""
    from datetime import datetime, timedelta, timezone

    from storage.message_renders import hold, note_request

    with database.write() as session:
        note_request(session, 0, "C1", "1.0")
        now = datetime.now(timezone.utc)
        assert hold(session, 0, "C1", "1.0", holder="dead-host:4711:1", now=now, until=now + timedelta(seconds=1))
    sent: list[str] = []
    worker = UpdateCoalescer(lambda _c, _t, text, _b: sent.append(text), min_interval=0.02, db=database, clock_utc=SystemClock())
    worker.HOLD = timedelta(seconds=1)
    try:
        worker.request("C1", "1.0", lambda: ("12 votes", []))
        assert worker.flush(PATIENCE)  # a watch is not an update waiting to be sent
        deadline = time.monotonic() + PATIENCE
        while not sent and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        worker.close()
    assert sent == ["12 votes"]
