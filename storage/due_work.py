"""Repository for due work: idempotent enqueue, leased claims with fencing tokens, and outcomes.

`enqueue`, `reschedule`, `cancel`, `cancel_prefix` and `state_of` run inside the caller's unit of
work and never commit. `claim_due`, `mark_sent`, `retry_later`, `mark_failed` and `release` take
the `Database` and own one short transaction each, because the scheduler calls Slack between
them and no transaction may stay open across a network call.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, case, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.db import Database
from storage.models.due_work import DueWorkRow


class WorkStatus(StrEnum):
    """Where a piece of due work is in its life: pending → claimed → sent, back to pending for a
    retry, failed when out of attempts; cancelled when its plan changed before it was sent."""

    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


UNSENT = (WorkStatus.PENDING, WorkStatus.CLAIMED)
MAX_ERROR = 2000


@dataclass(frozen=True)
class ClaimedWork:
    """A claimed row as plain values; `claim_token` fences out a claimer whose lease was taken over."""

    id: int
    installation_id: int
    kind: str
    key: str
    due_at: datetime
    payload: dict[str, Any]
    claim_token: int
    attempt: int
    late: bool
    lease_until: datetime


@dataclass(frozen=True)
class WorkState:
    """Where one piece of due work stands, for operators and tests."""

    status: WorkStatus
    due_at: datetime
    attempts: int
    late: bool
    claimed_by: str | None
    claim_token: int
    sent_at: datetime | None
    result: dict[str, Any] | None
    last_error: str | None


def enqueue(session: Session, *, installation_id: int, kind: str, key: str, due_at: datetime,
            payload: dict[str, Any], now: datetime) -> bool:
    """Add work unless its key exists already (whatever its status); True when it was new."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(DueWorkRow).values(
        installation_id=installation_id, kind=kind, key=key, due_at=due_at, payload=payload, status=WorkStatus.PENDING,
        claim_token=0, attempts=0, late=False, created_at=now,
    ).on_conflict_do_nothing(index_elements=["key"]).returning(DueWorkRow.id)
    # RETURNING says reliably whether a row went in; rowcount after DO NOTHING differs by driver.
    return session.execute(statement).first() is not None


def reschedule(session: Session, key: str, due_at: datetime) -> bool:
    """Move still-pending work to a new time (a snoozed reminder); True when something moved."""
    result = session.execute(
        update(DueWorkRow).where(DueWorkRow.key == key, DueWorkRow.status == WorkStatus.PENDING).values(due_at=due_at, late=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def cancel(session: Session, key: str) -> bool:
    """Cancel unsent work whose reason went away; True when something was cancelled.

    A claimed row is cancelled too: its sender may already be talking to Slack, but a crashed
    claimer's row must not come back after the lease.
    """
    result = session.execute(
        update(DueWorkRow).where(DueWorkRow.key == key, DueWorkRow.status.in_(UNSENT)).values(status=WorkStatus.CANCELLED)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def cancel_prefix(session: Session, installation_id: int, prefix: str) -> int:
    """Cancel this installation's unsent work whose key starts with `prefix`; how many were cancelled."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    result = session.execute(update(DueWorkRow).where(
        DueWorkRow.installation_id == installation_id, DueWorkRow.key.like(escaped + "%", escape="\\"),
        DueWorkRow.status.in_(UNSENT)).values(status=WorkStatus.CANCELLED))
    return int(result.rowcount)  # type: ignore[attr-defined]


def state_of(session: Session, key: str) -> WorkState | None:
    """The state of the work with `key`, or None."""
    row = session.execute(select(DueWorkRow).where(DueWorkRow.key == key)).scalar_one_or_none()
    if row is None:
        return None
    return WorkState(WorkStatus(row.status), row.due_at, row.attempts, row.late, row.claimed_by, row.claim_token,
                     row.sent_at, row.result, row.last_error)


def _claimable(now: datetime) -> ColumnElement[bool]:
    """Due pending rows, and claimed rows whose claimer's lease ran out (it crashed or hung)."""
    return or_(
        and_(DueWorkRow.status == WorkStatus.PENDING, DueWorkRow.due_at <= now),
        and_(DueWorkRow.status == WorkStatus.CLAIMED, DueWorkRow.lease_until < now),
    )


def claim_due(db: Database, *, now: datetime, worker: str, limit: int = 50, lease: timedelta = timedelta(minutes=5),
              late_after: timedelta = timedelta(minutes=5)) -> list[ClaimedWork]:
    """Claim up to `limit` due rows (and rows whose lease ran out), oldest first, in one transaction."""
    pick = select(DueWorkRow.id).where(_claimable(now)).order_by(DueWorkRow.due_at, DueWorkRow.id).limit(limit)
    if db.dialect == "postgresql":
        # Other schedulers skip the rows this one is claiming instead of queueing behind it.
        pick = pick.with_for_update(skip_locked=True)
    with db.write() as session:
        ids = list(session.execute(pick).scalars())
        if not ids:
            return []
        # SQLAlchemy drops FOR UPDATE on SQLite; there the IMMEDIATE transaction serialises
        # claimers, and re-checking the claimable condition keeps the UPDATE right without locks.
        rows = session.execute(
            update(DueWorkRow)
            .where(DueWorkRow.id.in_(ids), _claimable(now))
            .values(status=WorkStatus.CLAIMED, claimed_by=worker, claim_token=DueWorkRow.claim_token + 1,
                    lease_until=now + lease, attempts=DueWorkRow.attempts + 1,
                    # Sticky: once it went out late it stays late, even if a retry is on time.
                    late=case((DueWorkRow.due_at < now - late_after, True), else_=DueWorkRow.late))
            .returning(DueWorkRow.id, DueWorkRow.installation_id, DueWorkRow.kind, DueWorkRow.key, DueWorkRow.due_at,
                       DueWorkRow.payload, DueWorkRow.claim_token, DueWorkRow.attempts, DueWorkRow.late,
                       DueWorkRow.lease_until)
        ).all()
    claimed = [ClaimedWork(r.id, r.installation_id, r.kind, r.key, r.due_at, dict(r.payload or {}), r.claim_token,
                           r.attempts, bool(r.late), r.lease_until) for r in rows]
    # RETURNING promises no order.
    return sorted(claimed, key=lambda work: (work.due_at, work.id))


def _finish(db: Database, work: ClaimedWork, **values: Any) -> bool:
    """Apply `values` only if this claim is still the current one (the fencing check)."""
    with db.write() as session:
        result = session.execute(update(DueWorkRow).where(
            DueWorkRow.id == work.id, DueWorkRow.status == WorkStatus.CLAIMED, DueWorkRow.claim_token == work.claim_token,
        ).values(**values))
        return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_sent(db: Database, work: ClaimedWork, *, now: datetime, result: dict[str, Any]) -> bool:
    """Record the send; False when this claimer was fenced out (its lease was taken over, or cancelled)."""
    return _finish(db, work, status=WorkStatus.SENT, sent_at=now, result=result, lease_until=None, last_error=None)


def retry_later(db: Database, work: ClaimedWork, *, now: datetime, delay: timedelta, error: str, count_attempt: bool = True) -> bool:
    """Put the work back as pending, due again `delay` after `now`; the attempt stays counted unless
    the failure was not the work's own (a revoked token), so that waiting never uses up its attempts."""
    extra = {} if count_attempt else {"attempts": DueWorkRow.attempts - 1}
    return _finish(db, work, status=WorkStatus.PENDING, due_at=now + delay, lease_until=None, claimed_by=None,
                   last_error=error[:MAX_ERROR], **extra)


def mark_failed(db: Database, work: ClaimedWork, *, now: datetime, error: str) -> bool:
    """Give up on the work for good, keeping the reason for operators."""
    return _finish(db, work, status=WorkStatus.FAILED, lease_until=None, last_error=error[:MAX_ERROR])


def release(db: Database, work: ClaimedWork) -> bool:
    """Hand an unstarted claim back as pending without counting the attempt (clean shutdown)."""
    return _finish(db, work, status=WorkStatus.PENDING, lease_until=None, claimed_by=None, attempts=DueWorkRow.attempts - 1)
