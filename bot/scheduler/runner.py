"""APScheduler 3.x as a metronome: a few fixed jobs that claim due rows and hand them to senders."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from pytz import utc

from bot.clock import Clock
from bot.scheduler.work import MAX_ATTEMPTS, Failed, RetryLater, Sender, Sent, backoff
from storage.db import Database
from storage.due_work import ClaimedWork, claim_due, mark_failed, mark_sent, release, retry_later

logger = logging.getLogger(__name__)


class Scheduler:
    """Claims due work and sends it; safe to run twice, to crash, and to run beside another one."""

    def __init__(self, db: Database, senders: Mapping[str, Sender], *, clock: Clock, worker: str, interval: float = 5.0,
                 batch: int = 50, housekeeping: Callable[[], None] | None = None, max_attempts: int = MAX_ATTEMPTS) -> None:
        self.db = db
        self.senders = dict(senders)
        self.clock = clock
        self.worker = worker
        self.interval = interval
        self.batch = batch
        self.housekeeping = housekeeping
        self.max_attempts = max_attempts
        self._stopping = threading.Event()
        self._tick_lock = threading.Lock()
        self._aps: BackgroundScheduler | None = None

    def tick(self) -> int:
        """Claim what is due and send it; returns how many pieces of work were handled."""
        handled = 0
        with self._tick_lock:
            while not self._stopping.is_set():
                claimed = claim_due(self.db, now=self.clock.now(), worker=self.worker, limit=self.batch)
                for index, work in enumerate(claimed):
                    if self._stopping.is_set():
                        # Hand back what we claimed but did not start, so nothing waits for the lease.
                        for left in claimed[index:]:
                            release(self.db, left)
                        return handled
                    self._run_one(work)
                    handled += 1
                if len(claimed) < self.batch:
                    break
        return handled

    def _run_one(self, work: ClaimedWork) -> None:
        sender = self.senders.get(work.kind)
        if sender is None:
            mark_failed(self.db, work, now=self.clock.now(), error=f"no sender for kind {work.kind!r}")
            logger.error("due work %s has unknown kind %s", work.id, work.kind)
            return
        try:
            outcome = sender(work)
        except Exception as error:
            # Never log the payload: it can carry confidential alliance text.
            logger.exception("sending due work %s (%s) failed on attempt %s", work.id, work.kind, work.attempt)
            outcome = RetryLater(backoff(work.attempt), f"{type(error).__name__}: {error}"[:500])
        now = self.clock.now()
        if isinstance(outcome, Sent):
            if not mark_sent(self.db, work, now=now, result=outcome.result):
                logger.warning("due work %s was taken over by another scheduler while being sent", work.id)
        elif isinstance(outcome, RetryLater) and work.attempt < self.max_attempts:
            retry_later(self.db, work, now=now, delay=outcome.delay, error=outcome.reason)
        else:
            reason = outcome.reason if isinstance(outcome, (Failed, RetryLater)) else "unknown outcome"
            mark_failed(self.db, work, now=now, error=reason)
            logger.error("due work %s (%s) failed for good: %s", work.id, work.kind, reason[:200])

    def _housekeeping(self) -> None:
        if self.housekeeping is not None:
            try:
                self.housekeeping()
            except Exception:
                logger.exception("housekeeping failed")

    def _safe_tick(self) -> None:
        try:
            self.tick()
        except Exception:
            logger.exception("scheduler tick failed; the next tick tries again")

    def start(self) -> None:
        """Tick once now (work that fell due while we were down), then every `interval` seconds."""
        self._stopping.clear()
        aps = BackgroundScheduler(timezone=utc, jobstores={"default": MemoryJobStore()})
        # Fixed jobs with explicit ids; the truth about what is due is in our own tables, so a
        # missed tick is harmless and coalescing them is right.
        common = {"replace_existing": True, "coalesce": True, "max_instances": 1, "misfire_grace_time": None}
        aps.add_job(self._safe_tick, "interval", seconds=self.interval, id="due-work", next_run_time=self.clock.now(), **common)
        aps.add_job(self._housekeeping, "interval", hours=1, id="housekeeping", next_run_time=self.clock.now(), **common)
        aps.start()
        self._aps = aps

    def stop(self, wait: bool = True) -> None:
        """Stop claiming; let the running tick finish (unstarted claims are released)."""
        self._stopping.set()
        if self._aps is not None:
            self._aps.shutdown(wait=wait)
            self._aps = None
        if wait:
            with self._tick_lock:
                pass

    @property
    def running(self) -> bool:
        """Whether the APScheduler thread is running."""
        return self._aps is not None and self._aps.running

    def run_forever(self, stop_event: threading.Event) -> None:
        """Run until `stop_event` is set (for `alliancebot scheduler`)."""
        self.start()
        try:
            stop_event.wait()
        finally:
            self.stop(wait=True)
