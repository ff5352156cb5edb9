"""Group commit for acknowledgements: store what many listeners received in few transactions, then let them ack.

A burst of clicks (300 people voting within a second) used to hold every listener thread in its
own write transaction; acks queued behind them and took seconds. Acking first and storing after
was fast but lost acknowledged votes when the bot was killed in between (docs/reliability.md).
Here a listener queues what it received and waits; one drain thread stores everything queued so
far in one call of the feature's `store`, and wakes the listeners, each with its own outcome.

The drain runs on its own thread, not the listener executor: listeners wait for it, so it must
never queue behind them. Its thread is joined at interpreter exit, so a clean shutdown stores what
was queued.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

logger = logging.getLogger(__name__)
T = TypeVar("T")


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Stored:
    """What `store` did with a batch: for each item, in order, None when it was stored, else why it
    was refused; and what to do once the waiting listeners have been woken (refresh a message)."""

    refusals: Sequence[Exception | None]
    then: Callable[[], None] = _nothing


Store = Callable[[list[T]], Stored]
# Short transactions: on SQLite every writer (e.g. the HTTP edge's replay check before an ack)
# queues on one lock, so a batch must not hold it long.
MAX_BATCH = 50


class Pending(Generic[T]):
    """One queued item: `wait` until it is handled, then `refusal` says whether it was stored."""

    def __init__(self, item: T) -> None:
        self.item = item
        self.refusal: Exception | None = None
        self._done = threading.Event()

    def wait(self, seconds: float) -> bool:
        """True once the item was stored or refused; False if that took longer than `seconds`."""
        return self._done.wait(seconds)

    def finish(self, refusal: Exception | None) -> None:
        """Record the outcome and wake whoever waits."""
        self.refusal = refusal
        self._done.set()


class GroupCommit(Generic[T]):
    """Queue items; one drain thread stores them in batches (bursts become few transactions).

    One queue serves one feature: the `store` given by the put that starts a drain stores
    everything queued until the queue is empty again, so every put passes the same function."""

    def __init__(self, name: str, max_batch: int = MAX_BATCH) -> None:
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._queued: list[Pending[T]] = []
        self._draining = False
        self._drainer = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    def put(self, item: T, store: Store[T]) -> Pending[T]:
        """Queue an item and start the drain if it is idle."""
        pending = Pending(item)
        with self._lock:
            self._queued.append(pending)
            if self._draining:
                return pending
            self._draining = True
        try:
            self._drainer.submit(self._drain, store)
        except RuntimeError:  # shutting down: store it here and now
            self._drain(store)
        return pending

    def _drain(self, store: Store[T]) -> None:
        # Whatever queued while the last batch was being stored is the next batch.
        while True:
            with self._lock:
                batch, self._queued = self._queued[:self._max_batch], self._queued[self._max_batch:]
                if not batch:
                    self._draining = False
                    self._idle.notify_all()
                    return
            try:
                done = [self._checked(store([p.item for p in batch]), len(batch))]
            except Exception:
                logger.exception("storing a batch of %d failed; storing them one by one", len(batch))
                done = [self._alone(store, p.item) for p in batch]
            refusals = [refusal for stored in done for refusal in stored.refusals]
            for pending, refusal in zip(batch, refusals, strict=True):
                pending.finish(refusal)
            for stored in done:
                try:
                    stored.then()
                except Exception:
                    logger.exception("the follow-up of a stored batch failed")

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is queued or being stored, the follow-ups of stored batches (message refreshes) done too;
        False if that did not happen within `timeout` seconds."""
        with self._idle:
            return self._idle.wait_for(lambda: not self._draining, timeout)

    @staticmethod
    def _checked(stored: Stored, count: int) -> Stored:
        """A store must answer once per item: anything else would leave a listener waiting (and the drain stuck)."""
        if len(stored.refusals) != count:
            raise ValueError(f"the store answered {len(stored.refusals)} outcomes for {count} items")
        return stored

    @classmethod
    def _alone(cls, store: Store[T], item: T) -> Stored:
        try:
            return cls._checked(store([item]), 1)
        except Exception as error:
            return Stored([error])
