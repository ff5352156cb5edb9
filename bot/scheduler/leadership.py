"""Active/standby schedulers: a lease in the database elects one, and its epoch is checked before every send.

The lease lasts LEASE and is renewed at every tick and before every send. A killed leader stops
renewing, so a standby ticking every few seconds takes over within LEASE plus one tick. A leader
that stalls (GC pause, network partition) past its lease finds its epoch gone at the next check
and stops sending; the claims it still holds are fenced by their own claim tokens.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from bot.clock import Clock
from storage.db import Database
from storage.scheduler_lease import holds, resign, take_or_renew

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=15)


@dataclass
class Leadership:
    """This process's view of the scheduler lease."""

    db: Database
    clock: Clock
    holder: str
    name: str = "scheduler"
    lease: timedelta = LEASE
    epoch: int | None = field(default=None, init=False)

    def try_lead(self) -> int | None:
        """Take or renew the lease; our epoch while we lead, None on standby."""
        now = self.clock.now()
        with self.db.write() as session:
            epoch = take_or_renew(session, self.name, holder=self.holder, now=now, until=now + self.lease)
        if epoch != self.epoch:
            if epoch is None:
                logger.warning("scheduler %s is standing by (epoch %s lost)", self.holder, self.epoch)
            else:
                logger.info("scheduler %s is active (epoch %s)", self.holder, epoch)
        self.epoch = epoch
        return epoch

    def still_leads(self, epoch: int) -> bool:
        """The fencing check before a send: our epoch's lease still runs (and is renewed)."""
        now = self.clock.now()
        with self.db.write() as session:
            ok = holds(session, self.name, holder=self.holder, epoch=epoch, now=now, until=now + self.lease)
        if not ok and self.epoch == epoch:
            logger.warning("scheduler %s lost the lease (epoch %s); stopping sends", self.holder, epoch)
            self.epoch = None
        return ok

    def resign(self) -> None:
        """Hand over at a clean stop."""
        if self.epoch is None:
            return
        with self.db.write() as session:
            resign(session, self.name, holder=self.holder)
        self.epoch = None
