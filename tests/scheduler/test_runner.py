"""The scheduler sends what is due exactly once: after downtime, on failure, with two of them running."""
from __future__ import annotations

import logging
import threading
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from bot.clock import FixedClock, SystemClock
from bot.scheduler import MAX_ATTEMPTS, Failed, Outcome, RetryLater, Scheduler, Sender, Sent, backoff
from bot.scheduler.work import RATE_LIMIT_RETRY
from bot.slack_edge.gateway import ErrorCategory, SlackCallError
from storage.db import Database
from storage.due_work import ClaimedWork, claim_due, enqueue
from tests.slack_double.clock import PATIENCE
from tests.storage.helpers import T0, add_many, installation, state

SECRET = "Confidential: Q3 milestone payment to Partner B"


class Recorder:
    """A sender that records what it sent, and signals each send."""

    def __init__(self) -> None:
        self.sent: Counter[str] = Counter()
        self.late: dict[str, bool] = {}
        self.lock = threading.Lock()
        self.event = threading.Event()

    def __call__(self, work: ClaimedWork) -> Outcome:
        with self.lock:
            self.sent[work.key] += 1
            self.late[work.key] = work.late
        self.event.set()
        return Sent({"ts": f"{work.id}.0"})


def add(db: Database, key: str, due_at: datetime = T0, kind: str = "note") -> None:
    inst = installation(db)
    with db.write() as session:
        enqueue(session, installation_id=inst, kind=kind, key=key, due_at=due_at, payload={"text": SECRET}, now=T0)






def test_due_work_is_sent_once_and_future_work_waits(database: Database) -> None:
    add(database, "now")
    add(database, "tomorrow", T0 + timedelta(days=1))
    clock, recorder = FixedClock(T0), Recorder()
    scheduler = Scheduler(database, {"note": recorder}, clock=clock, worker="w1")
    assert scheduler.tick() == 1
    assert scheduler.tick() == 0
    assert recorder.sent == {"now": 1}
    clock.advance(timedelta(days=1))
    assert scheduler.tick() == 1
    assert recorder.sent == {"now": 1, "tomorrow": 1}
    sent = state(database, "now")
    assert (sent.status, sent.sent_at, sent.late) == ("sent", T0, False)
    assert sent.result is not None and "ts" in sent.result


def test_work_that_fell_due_during_downtime_is_sent_once_and_marked_late(database: Database) -> None:
    for i in range(12):
        add(database, f"nudge:{i:02}", T0 + timedelta(minutes=10 * i))
    recorder = Recorder()
    scheduler = Scheduler(database, {"note": recorder}, clock=FixedClock(T0 + timedelta(minutes=113)), worker="w1", batch=5)
    assert scheduler.tick() == 12  # several batches in one tick
    assert scheduler.tick() == 0
    assert set(recorder.sent.values()) == {1} and len(recorder.sent) == 12
    assert recorder.late["nudge:00"] and recorder.late["nudge:10"] and not recorder.late["nudge:11"]
    assert state(database, "nudge:00").late


def test_a_raising_sender_is_retried_with_growing_backoff_then_fails_after_max_attempts(database: Database) -> None:
    add(database, "flaky")
    clock = FixedClock(T0)
    attempts: list[int] = []

    def broken(work: ClaimedWork) -> Outcome:
        attempts.append(work.attempt)
        raise RuntimeError("slack is down")

    scheduler = Scheduler(database, {"note": broken}, clock=clock, worker="w1")
    waits = []
    while (current := state(database, "flaky")).status == "pending":
        clock.set(current.due_at)
        assert scheduler.tick() == 1
        after = state(database, "flaky")
        waits.append(after.due_at - clock.now())
        if after.status == "pending":
            clock.set(after.due_at - timedelta(seconds=1))
            assert scheduler.tick() == 0  # never before the backoff is over
    assert attempts == list(range(1, MAX_ATTEMPTS + 1)) and MAX_ATTEMPTS == 8
    minutes = [w.total_seconds() / 60 for w in waits[:-1]]
    assert minutes == [0.5, 2, 10, 60, 60, 60, 60]
    final = state(database, "flaky")
    assert final.status == "failed" and "slack is down" in (final.last_error or "")


def test_a_sender_asking_to_retry_is_retried_until_max_attempts(database: Database) -> None:
    add(database, "rate-limited")
    clock = FixedClock(T0)
    scheduler = Scheduler(database, {"note": lambda w: RetryLater(timedelta(seconds=45), "ratelimited")},
                          clock=clock, worker="w1", max_attempts=3)
    for _ in range(3):
        assert scheduler.tick() == 1
        clock.advance(timedelta(seconds=45))
    final = state(database, "rate-limited")
    assert (final.status, final.attempts) == ("failed", 3)
    assert "gave up after 3 attempts: ratelimited" in (final.last_error or "")


def test_a_long_429_storm_never_uses_up_the_attempts(database: Database) -> None:
    add(database, "storm")
    clock = FixedClock(T0)

    def rate_limited(work: ClaimedWork) -> Outcome:
        raise SlackCallError("chat.postMessage", "ratelimited", ErrorCategory.TRANSIENT)

    scheduler = Scheduler(database, {"note": rate_limited}, clock=clock, worker="w1", max_attempts=3)
    for _ in range(6):
        assert scheduler.tick() == 1
        clock.advance(RATE_LIMIT_RETRY)
    waiting = state(database, "storm")
    assert (waiting.status, waiting.attempts) == ("pending", 0) and "ratelimited" in (waiting.last_error or "")
    recorder = Recorder()
    assert Scheduler(database, {"note": recorder}, clock=clock, worker="w1", max_attempts=3).tick() == 1
    assert recorder.sent == {"storm": 1} and state(database, "storm").status == "sent"


def test_failures_unknown_kinds_and_exceptions_never_stop_the_other_items(database: Database) -> None:
    add(database, "a-gone", T0 - timedelta(minutes=4), kind="gone")
    add(database, "b-raises", T0 - timedelta(minutes=3), kind="raises")
    add(database, "c-mystery", T0 - timedelta(minutes=2), kind="mystery")
    add(database, "d-good")
    add(database, "e-later", kind="later")

    def raises(work: ClaimedWork) -> Outcome:
        raise KeyError("channel")

    recorder = Recorder()
    senders: dict[str, Sender] = {"note": recorder, "gone": lambda w: Failed("channel_not_found"), "raises": raises,
               "later": lambda w: RetryLater(timedelta(hours=1), "429")}
    assert Scheduler(database, senders, clock=FixedClock(T0), worker="w1").tick() == 5
    assert recorder.sent == {"d-good": 1}
    assert (state(database, "a-gone").status, state(database, "a-gone").last_error) == ("failed", "channel_not_found")
    assert state(database, "b-raises").status == "pending" and "KeyError" in (state(database, "b-raises").last_error or "")
    mystery = state(database, "c-mystery")
    assert mystery.status == "failed" and "no sender for kind 'mystery'" in (mystery.last_error or "")
    assert (state(database, "e-later").status, state(database, "e-later").due_at) == ("pending", T0 + timedelta(hours=1))


def test_the_payload_never_reaches_the_log(database: Database, caplog: pytest.LogCaptureFixture) -> None:
    add(database, "secret", kind="raises")
    add(database, "unknown", kind="mystery")

    def raises(work: ClaimedWork) -> Outcome:
        raise RuntimeError("timeout")

    caplog.set_level(logging.DEBUG)
    Scheduler(database, {"raises": raises}, clock=FixedClock(T0), worker="w1", max_attempts=1).tick()
    assert "timeout" in caplog.text and "raises" in caplog.text
    assert SECRET not in caplog.text and "Partner B" not in caplog.text


def test_two_schedulers_on_one_database_send_every_row_once(database: Database) -> None:
    add_many(database, installation(database), 300)
    recorder = Recorder()
    schedulers = [Scheduler(database, {"note": recorder}, clock=FixedClock(T0), worker=f"w{i}", batch=9) for i in range(2)]
    counts: list[int] = []
    threads = [threading.Thread(target=lambda s=s: counts.append(s.tick())) for s in schedulers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(PATIENCE)
    assert len(recorder.sent) == 300 and set(recorder.sent.values()) == {1}
    assert sum(counts) == 300


def test_a_crash_between_claim_and_send_is_recovered_once_after_the_lease(database: Database) -> None:
    add(database, "dm")
    claim_due(database, now=T0, worker="crashed")  # claimed, then the process died
    recorder = Recorder()
    clock = FixedClock(T0 + timedelta(minutes=1))
    survivor = Scheduler(database, {"note": recorder}, clock=clock, worker="w2")
    assert survivor.tick() == 0
    clock.advance(timedelta(minutes=5))
    assert survivor.tick() == 1
    assert survivor.tick() == 0
    clock.advance(timedelta(hours=1))
    assert survivor.tick() == 0
    assert recorder.sent == {"dm": 1}
    assert state(database, "dm").status == "sent"


def test_work_that_keeps_killing_its_claimer_is_given_up(database: Database) -> None:
    add(database, "poison")
    for n in range(3):
        claim_due(database, now=T0 + timedelta(minutes=10 * n), worker=f"crashed-{n}")
    recorder = Recorder()
    Scheduler(database, {"note": recorder}, clock=FixedClock(T0 + timedelta(hours=1)), worker="w", max_attempts=3).tick()
    assert recorder.sent == {}
    poison = state(database, "poison")
    assert poison.status == "failed" and "crashed or hung" in (poison.last_error or "")


def test_a_batch_whose_lease_runs_out_is_not_sent_by_the_old_claimer(database: Database) -> None:
    for key in ("a", "b", "c"):
        add(database, key)
    clock = FixedClock(T0)
    sent: list[tuple[str, str]] = []

    def quick(work: ClaimedWork) -> Outcome:
        sent.append(("other", work.key))
        return Sent()

    other = Scheduler(database, {"note": quick}, clock=clock, worker="other")

    def slow(work: ClaimedWork) -> Outcome:
        # Slack hangs for six minutes; meanwhile the other scheduler takes the expired lease over.
        clock.advance(timedelta(minutes=6))
        other.tick()
        sent.append(("slow", work.key))
        return Sent()

    Scheduler(database, {"note": slow}, clock=clock, worker="slow").tick()
    assert Counter(key for _, key in sent) == {"a": 2, "b": 1, "c": 1}  # "a" was in flight: fencing can't unsend
    assert ("slow", "b") not in sent and ("slow", "c") not in sent


def test_start_ticks_at_once_even_with_a_long_interval_and_stop_stops_the_thread(database: Database) -> None:
    add(database, "missed-while-down", T0 - timedelta(hours=1))
    recorder = Recorder()
    housekept = threading.Event()
    # A clock years ahead: APScheduler's first run must not wait for it.
    scheduler = Scheduler(database, {"note": recorder}, clock=FixedClock(datetime(2031, 1, 1, tzinfo=timezone.utc)),
                          worker="w1", interval=3600, housekeeping=housekept.set)
    scheduler.start()
    try:
        assert recorder.event.wait(PATIENCE)
        assert housekept.wait(PATIENCE)
        assert scheduler.running and aps_threads()
    finally:
        scheduler.stop()
    assert not scheduler.running and not aps_threads()
    assert recorder.sent == {"missed-while-down": 1} and recorder.late["missed-while-down"]


def test_the_interval_job_keeps_sending_until_stopped(database: Database) -> None:
    recorder = Recorder()
    scheduler = Scheduler(database, {"note": recorder}, clock=SystemClock(), worker="w1", interval=0.05)
    scheduler.start()
    try:
        add(database, "while-running", datetime.now(timezone.utc))
        assert recorder.event.wait(PATIENCE)
    finally:
        scheduler.stop()
    # Nothing may tick any more: no scheduler thread is left to do it (a sleep of a few intervals
    # would prove nothing on a machine slow enough not to tick in it).
    assert not scheduler.running and not aps_threads()
    add(database, "after-stop", datetime.now(timezone.utc) - timedelta(seconds=1))
    assert recorder.sent == {"while-running": 1}
    assert state(database, "after-stop").status == "pending"


def test_run_forever_returns_when_told_to_stop(database: Database) -> None:
    add(database, "x")
    recorder = Recorder()
    stop = threading.Event()
    scheduler = Scheduler(database, {"note": recorder}, clock=FixedClock(T0), worker="w1", interval=0.05)
    runner = threading.Thread(target=scheduler.run_forever, args=(stop,))
    runner.start()
    assert recorder.event.wait(PATIENCE)
    stop.set()
    runner.join(PATIENCE)
    assert not runner.is_alive() and not scheduler.running


def test_stop_waits_for_the_send_in_flight_and_releases_the_rest(database: Database) -> None:
    for i in range(3):
        add(database, f"s:{i}")
    started, proceed = threading.Event(), threading.Event()
    sent: list[str] = []

    def slow(work: ClaimedWork) -> Outcome:
        started.set()
        assert proceed.wait(PATIENCE)
        sent.append(work.key)
        return Sent()

    scheduler = Scheduler(database, {"note": slow}, clock=FixedClock(T0), worker="w1")
    runner = threading.Thread(target=scheduler.tick)
    runner.start()
    assert started.wait(PATIENCE)
    stopper = threading.Thread(target=scheduler.stop)
    stopper.start()
    stopper.join(0.2)  # gives a stop() that does not wait the time to return; a slow machine only gives it less
    assert stopper.is_alive(), "stop() must wait for the send in flight"
    proceed.set()
    runner.join(PATIENCE)
    stopper.join(PATIENCE)
    assert not runner.is_alive() and not stopper.is_alive()
    assert sent == ["s:0"]
    assert [state(database, f"s:{i}").status for i in range(3)] == ["sent", "pending", "pending"]
    assert [state(database, f"s:{i}").attempts for i in range(3)] == [1, 0, 0]
    assert Scheduler(database, {"note": Recorder()}, clock=FixedClock(T0), worker="w2").tick() == 2


def test_backoff_grows_then_stays_hourly() -> None:
    assert [backoff(n) for n in range(1, 7)] == [timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10),
                                                timedelta(hours=1), timedelta(hours=1), timedelta(hours=1)]


def aps_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "APScheduler" and t.is_alive()]


@pytest.fixture(autouse=True)
def _quiet_apscheduler(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING", logger="apscheduler")
