"""APScheduler 3.x as a metronome: a few fixed jobs that claim due rows and hand them to senders."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, timezone

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from bot.clock import Clock
from bot.scheduler.leadership import Leadership
from bot.scheduler.work import MAX_ATTEMPTS, Failed, Outcome, RetryLater, Sender, Sent, run_sender, settle
from bot.slack_edge.installation_context import bound_installation
from storage.db import Database
from storage.due_work import ClaimedWork, claim_due, mark_failed, mark_sent, release, retry_later

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)


class Scheduler:
    """Claims due work and sends it; safe to run twice, to crash, and to run beside another one."""

    def __init__(self, db: Database, senders: Mapping[str, Sender], *, clock: Clock, worker: str,
                 interval: float = 5.0, batch: int = 50, housekeeping: Callable[[], None] | None = None,
                 max_attempts: int = MAX_ATTEMPTS, lease: timedelta = LEASE, leadership: Leadership | None = None) -> None:
        self.db = db
        self.senders = dict(senders)
        self.clock = clock
        self.worker = worker
        self.interval = interval
        self.batch = batch
        self.housekeeping = housekeeping
        self.max_attempts = max_attempts
        self.lease = lease
        # With leadership, only the elected process claims and sends (active/standby); without it,
        # several schedulers share the work (claims are safe either way).
        self.leadership = leadership
        self._stopping = threading.Event()
        self._tick_lock = threading.Lock()
        self._aps: BackgroundScheduler | None = None

    def tick(self) -> int:
        """Claim what is due, batch after batch, and send it; returns how many pieces were handled."""
        handled = 0
        with self._tick_lock:
            epoch = self.leadership.try_lead() if self.leadership else None
            if self.leadership and epoch is None:
                return 0  # standby
            while not self._stopping.is_set():
                if epoch is not None and not self.leadership.still_leads(epoch):  # type: ignore[union-attr]
                    break
                claimed = claim_due(self.db, now=self.clock.now(), worker=self.worker, limit=self.batch,
                                    lease=self.lease)
                done, finished = self._run_batch(claimed, epoch)
                handled += done
                if finished and len(claimed) < self.batch:
                    break
        return handled

    def _run_batch(self, claimed: Sequence[ClaimedWork], epoch: int | None = None) -> tuple[int, bool]:
        """Send a claimed batch in turn; stop early (releasing the rest) on stop or a running-out lease."""
        for index, work in enumerate(claimed):
            # Fencing protects our bookkeeping, not Slack: once another scheduler may have taken
            # the lease over, sending would post twice. Half the lease is left for the send itself.
            # And the leader's epoch (the fencing token) is checked right before each send.
            fenced = epoch is not None and not self.leadership.still_leads(epoch)  # type: ignore[union-attr]
            if fenced or self._stopping.is_set() or self.clock.now() >= work.lease_until - self.lease / 2:
                for left in claimed[index:]:
                    release(self.db, left)
                return index, False
            self._run_one(work)
        return len(claimed), True

    def _run_one(self, work: ClaimedWork) -> None:
        """Send one piece of work and record the outcome."""
        if work.attempt > self.max_attempts:
            # Only reachable through expired leases: the work keeps killing or hanging its claimer.
            outcome: Outcome = Failed(f"claimed {work.attempt} times without an outcome; a worker crashed or hung")
        else:
            # The gateway sends with the token of the installation the work belongs to (OAuth mode).
            with bound_installation(work.installation_id):
                outcome = settle(run_sender(work, self.senders), work.attempt, self.max_attempts)
        now = self.clock.now()
        if isinstance(outcome, Sent):
            if not mark_sent(self.db, work, now=now, result=outcome.result):
                logger.warning("due work %s was cancelled or taken over while being sent", work.id)
        elif isinstance(outcome, RetryLater):
            retry_later(self.db, work, now=now, delay=outcome.delay, error=outcome.reason, count_attempt=not outcome.until_fixed)
        else:
            mark_failed(self.db, work, now=now, error=outcome.reason)
            logger.error("due work %s (%s) failed for good: %s", work.id, work.kind, outcome.reason)

    def _safe_tick(self) -> None:
        """The interval job: a failed tick (database away) is logged and the next one tries again."""
        try:
            self.tick()
        except Exception:
            logger.exception("scheduler tick failed; the next tick tries again")

    def _safe_housekeeping(self) -> None:
        """The hourly job."""
        if self.housekeeping is None:
            return
        try:
            self.housekeeping()
        except Exception:
            logger.exception("housekeeping failed; it runs again in an hour")

    def start(self) -> None:
        """Tick at once (work that fell due while we were down), then every `interval` seconds."""
        if self._aps is not None:
            return
        self._stopping.clear()
        aps = BackgroundScheduler(timezone=timezone.utc, jobstores={"default": MemoryJobStore()},
                                  executors={"default": ThreadPoolExecutor(2)})
        # Fixed jobs with explicit ids; what is due lives in our own tables, so a missed tick is
        # harmless and coalescing missed ticks into one is right.
        common = {"replace_existing": True, "coalesce": True, "max_instances": 1, "misfire_grace_time": None}
        # APScheduler runs on the machine's time whatever our Clock says, so "at once" is real now.
        at_once = datetime.now(timezone.utc)
        aps.add_job(self._safe_tick, "interval", seconds=self.interval, id="due-work", next_run_time=at_once, **common)
        # Also at start: a bot restarted more often than hourly would otherwise never clean up.
        aps.add_job(self._safe_housekeeping, "interval", hours=1, id="housekeeping", next_run_time=at_once, **common)
        aps.start()
        self._aps = aps

    def stop(self, wait: bool = True) -> None:
        """Stop claiming; with `wait`, let the running tick finish (its unstarted claims are released)."""
        self._stopping.set()
        aps, self._aps = self._aps, None
        if aps is not None:
            aps.shutdown(wait=wait)
        if wait:
            # Also waits for a tick() called directly, outside APScheduler.
            with self._tick_lock:
                if self.leadership is not None:
                    self.leadership.resign()

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
