"""The scheduler sends what is due exactly once: after downtime, on failure, with two of them running."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest

from bot.clock import FixedClock, SystemClock
from bot.scheduler import Failed, RetryLater, Scheduler, Sent
from storage.db import Database
from storage.due_work import ClaimedWork, claim_due, enqueue, status_of
from tests.storage.helpers import T0, installation


class Recorder:
    """A sender that records what it sent."""

    def __init__(self) -> None:
        self.sent: Counter[str] = Counter()
        self.late: dict[str, bool] = {}
        self.lock = threading.Lock()
        self.event = threading.Event()

    def __call__(self, work: ClaimedWork) -> Sent:
        with self.lock:
            self.sent[work.key] += 1
            self.late[work.key] = work.late
        self.event.set()
        return Sent({"ts": "1.0"})


def add(db: Database, key: str, due_at: object = T0, kind: str = "note") -> None:
    inst = installation(db)
    with db.write() as session:
        enqueue(session, installation_id=inst, kind=kind, key=key, due_at=due_at, payload={}, now=T0)  # type: ignore[arg-type]


def status(db: Database, key: str) -> tuple[str, int, bool, str | None] | None:
    with db.read() as session:
        return status_of(session, key)


def test_due_work_is_sent_once_and_future_work_waits(database: Database) -> None:
    add(database, "now")
    add(database, "tomorrow", T0 + timedelta(days=1))
    clock, recorder = FixedClock(T0), Recorder()
    scheduler = Scheduler(database, {"note": recorder}, clock=clock, worker="w1")
    assert scheduler.tick() == 1
    assert scheduler.tick() == 0
    clock.advance(timedelta(days=1))
    scheduler.tick()
    assert recorder.sent == {"now": 1, "tomorrow": 1}
    assert status(database, "now")[0] == "sent"


def test_work_that_fell_due_during_downtime_is_sent_once_and_marked_late(database: Database) -> None:
    for i in range(12):
        add(database, f"nudge:{i}", T0 + timedelta(minutes=10 * i))
    recorder = Recorder()
    scheduler = Scheduler(database, {"note": recorder}, clock=FixedClock(T0 + timedelta(minutes=113)), worker="w1", batch=5)
    assert scheduler.tick() == 12  # several batches in one tick
    assert set(recorder.sent.values()) == {1} and len(recorder.sent) == 12
    assert recorder.late["nudge:0"] and not recorder.late["nudge:11"]


def test_a_failing_sender_is_retried_with_backoff_then_gives_up(database: Database) -> None:
    add(database, "flaky")
    clock = FixedClock(T0)
    calls: list[int] = []

    def broken(work: ClaimedWork) -> Sent:
        calls.append(work.attempt)
        raise RuntimeError("slack is down")

    scheduler = Scheduler(database, {"note": broken}, clock=clock, worker="w1", max_attempts=3)
    scheduler.tick()
    assert status(database, "flaky")[0] == "pending"
    clock.advance(timedelta(seconds=10))
    assert scheduler.tick() == 0  # backoff: not before 30 s
    clock.advance(timedelta(seconds=25))
    scheduler.tick()
    clock.advance(timedelta(minutes=3))
    scheduler.tick()
    assert calls == [1, 2, 3]
    final = status(database, "flaky")
    assert final[0] == "failed" and "slack is down" in (final[3] or "")


def test_outcomes_permanent_failure_unknown_kind_and_one_bad_item_among_good_ones(database: Database) -> None:
    add(database, "a-bad", kind="bad")
    add(database, "b-good")
    add(database, "c-mystery", kind="mystery")
    add(database, "d-later", kind="later")
    recorder = Recorder()
    senders = {"note": recorder, "bad": lambda w: Failed("channel_not_found"), "later": lambda w: RetryLater(timedelta(hours=1), "429")}
    Scheduler(database, senders, clock=FixedClock(T0), worker="w1").tick()
    assert recorder.sent == {"b-good": 1}
    assert status(database, "a-bad")[::3] == ("failed", "channel_not_found")
    assert status(database, "c-mystery")[0] == "failed"
    assert status(database, "d-later")[0] == "pending"


def test_two_schedulers_on_one_database_send_every_row_once(database: Database) -> None:
    inst = installation(database)
    with database.write() as session:
        for i in range(300):
            enqueue(session, installation_id=inst, kind="note", key=f"n:{i}", due_at=T0, payload={}, now=T0)
    recorder = Recorder()
    schedulers = [Scheduler(database, {"note": recorder}, clock=FixedClock(T0), worker=f"w{i}", batch=9) for i in range(2)]
    threads = [threading.Thread(target=s.tick) for s in schedulers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(recorder.sent) == 300 and set(recorder.sent.values()) == {1}


def test_a_crash_between_claim_and_send_is_recovered_once_after_the_lease(database: Database) -> None:
    add(database, "dm")
    claim_due(database, now=T0, worker="crashed")  # claimed, then the process died
    recorder = Recorder()
    clock = FixedClock(T0 + timedelta(minutes=1))
    survivor = Scheduler(database, {"note": recorder}, clock=clock, worker="w2")
    assert survivor.tick() == 0
    clock.advance(timedelta(minutes=5))
    assert survivor.tick() == 1
    survivor.tick()
    assert recorder.sent == {"dm": 1}


def test_start_ticks_at_once_and_stop_stops_the_thread(database: Database) -> None:
    add(database, "at-start")
    recorder = Recorder()
    scheduler = Scheduler(database, {"note": recorder}, clock=SystemClock(), worker="w1", interval=0.05)
    scheduler.start()
    try:
        assert recorder.event.wait(5)
        assert scheduler.running
        recorder.event.clear()
        add(database, "while-running", T0)
        assert recorder.event.wait(5)
    finally:
        scheduler.stop()
    assert not scheduler.running
    assert recorder.sent == {"at-start": 1, "while-running": 1}


def test_stop_releases_claims_it_did_not_start(database: Database) -> None:
    for i in range(3):
        add(database, f"s:{i}")
    started = threading.Event()
    proceed = threading.Event()
    sent: list[str] = []

    def slow(work: ClaimedWork) -> Sent:
        started.set()
        proceed.wait(5)
        sent.append(work.key)
        return Sent()

    scheduler = Scheduler(database, {"note": slow}, clock=FixedClock(T0), worker="w1")
    runner = threading.Thread(target=scheduler.tick)
    runner.start()
    assert started.wait(5)
    stopper = threading.Thread(target=scheduler.stop)
    stopper.start()
    proceed.set()
    runner.join(5)
    stopper.join(5)
    assert sent == ["s:0"]
    assert [status(database, f"s:{i}")[0] for i in range(3)] == ["sent", "pending", "pending"]


@pytest.fixture(autouse=True)
def _quiet_apscheduler(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING", logger="apscheduler")
