"""Group commit for the HTTP edge's replay check: concurrent requests share one write transaction.

Every signed request must be recorded before its ack (an exact replay is refused, across
processes too), which made each request one write transaction. Under a burst (300 clicks in a
second) those transactions queued on SQLite's single writer (p99 ~240 ms before any listener
ran). Now the first waiting request thread writes the signatures of every request that arrived
meanwhile in one transaction and hands each its answer; the check is exactly as strict as before.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from storage.db import Database
from storage.dedupe import remember_signature

MAX_BATCH = 200


@dataclass
class _Entry:
    key: str
    expires_at: datetime
    lead: bool = False
    done: bool = False
    fresh: bool = False
    error: BaseException | None = None


class SignatureBook:
    """`remember(key, expires_at)` is True the first time a signature is seen, as one shared transaction.

    One waiting thread at a time writes; it writes one batch (its own entry and whatever waits
    with it), then hands the lead to the oldest waiter, so no request waits for others' batches
    after its own answer is known."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._changed = threading.Condition()
        self._pending: list[_Entry] = []
        self._writing = False

    def remember(self, key: str, expires_at: datetime) -> bool:
        """Record the signature (with whatever else is waiting); False for a replay."""
        entry = _Entry(key, expires_at)
        with self._changed:
            self._pending.append(entry)
            if not self._writing:
                self._writing = entry.lead = True
            while not (entry.done or entry.lead):
                self._changed.wait()
            if entry.lead and not entry.done:
                batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
        if entry.lead and not entry.done:
            self._write(batch)
        if entry.error is not None:
            raise entry.error
        return entry.fresh

    def _write(self, batch: list[_Entry]) -> None:
        try:
            with self._db.write() as session:
                results = [remember_signature(session, e.key, e.expires_at) for e in batch]
            for e, fresh in zip(batch, results):
                e.fresh = fresh
        except BaseException as error:  # every request of the batch is told; none is acked unrecorded
            for e in batch:
                e.error = error
        with self._changed:
            for e in batch:
                e.done = True
            if self._pending:
                self._pending[0].lead = True
            else:
                self._writing = False
            self._changed.notify_all()
