"""Repository for the scheduler's leader lease: one active scheduler, and an epoch that fences out old leaders.

A lease row in the database instead of a PostgreSQL advisory lock: it works through PgBouncer
transaction pooling and on SQLite, cannot leak through a pooled connection, and its epoch is a
fencing token every later check compares against. Each call is one short transaction.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import case, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models.due_work import SchedulerLeaseRow

NEVER = datetime(1970, 1, 1, tzinfo=timezone.utc)


def take_or_renew(session: Session, name: str, *, holder: str, now: datetime, until: datetime) -> int | None:
    """Our epoch when we hold (or just took) the lease, None while another holder's lease runs."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(SchedulerLeaseRow).values(name=name, holder="", epoch=0, lease_until=NEVER)
                    .on_conflict_do_nothing(index_elements=["name"]))
    row = session.execute(update(SchedulerLeaseRow).where(
        SchedulerLeaseRow.name == name,
        (SchedulerLeaseRow.holder == holder) | (SchedulerLeaseRow.lease_until < now),
    ).values(
        # A new holder starts a new epoch; renewing keeps ours.
        epoch=case((SchedulerLeaseRow.holder == holder, SchedulerLeaseRow.epoch), else_=SchedulerLeaseRow.epoch + 1),
        holder=holder, lease_until=until,
    ).returning(SchedulerLeaseRow.epoch)).first()
    return int(row[0]) if row else None


def holds(session: Session, name: str, *, holder: str, epoch: int, now: datetime, until: datetime) -> bool:
    """The fencing check before a send: True (and renewed) only while our epoch's lease still runs."""
    result = session.execute(update(SchedulerLeaseRow).where(
        SchedulerLeaseRow.name == name, SchedulerLeaseRow.holder == holder, SchedulerLeaseRow.epoch == epoch,
        SchedulerLeaseRow.lease_until >= now,
    ).values(lease_until=until))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def resign(session: Session, name: str, *, holder: str) -> None:
    """Give the lease up at a clean stop, so a standby takes over at its next tick."""
    session.execute(update(SchedulerLeaseRow).where(SchedulerLeaseRow.name == name, SchedulerLeaseRow.holder == holder)
                    .values(lease_until=NEVER))
