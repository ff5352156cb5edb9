"""Repository for due work: idempotent enqueue, leased claims with fencing tokens, and outcomes.

`enqueue`, `reschedule` and `cancel` run inside the caller's unit of work (they never commit).
`claim_due`, `mark_sent`, `retry_later`, `mark_failed` and `release` own one short transaction
each, because the scheduler calls Slack between them and no transaction may stay open across
a network call.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.db import Database
from storage.models import DueWorkRow


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


def enqueue(session: Session, *, installation_id: int, kind: str, key: str, due_at: datetime, payload: dict[str, Any], now: datetime) -> bool:
    """Add work unless its key exists already; True when it was new."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(DueWorkRow).values(
        installation_id=installation_id, kind=kind, key=key, due_at=due_at, payload=payload, status="pending",
        claim_token=0, attempts=0, late=False, created_at=now,
    ).on_conflict_do_nothing(index_elements=["key"]).returning(DueWorkRow.id)
    return session.execute(statement).first() is not None


def reschedule(session: Session, key: str, due_at: datetime) -> bool:
    """Move pending work to a new time (a snoozed reminder); True when something moved."""
    result = session.execute(update(DueWorkRow).where(DueWorkRow.key == key, DueWorkRow.status == "pending").values(due_at=due_at))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def cancel(session: Session, key: str) -> bool:
    """Cancel work that has not been sent (its reason went away)."""
    result = session.execute(update(DueWorkRow).where(DueWorkRow.key == key, DueWorkRow.status.in_(("pending", "claimed"))).values(status="cancelled"))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def cancel_prefix(session: Session, installation_id: int, prefix: str) -> int:
    """Cancel every unsent piece of work whose key starts with `prefix`."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    result = session.execute(update(DueWorkRow).where(
        DueWorkRow.installation_id == installation_id, DueWorkRow.key.like(escaped + "%", escape="\\"),
        DueWorkRow.status.in_(("pending", "claimed"))).values(status="cancelled"))
    return int(result.rowcount)  # type: ignore[attr-defined]


def claim_due(db: Database, *, now: datetime, worker: str, limit: int = 50, lease: timedelta = timedelta(minutes=5),
              late_after: timedelta = timedelta(minutes=5)) -> list[ClaimedWork]:
    """Claim up to `limit` due rows (and rows whose claimer's lease ran out), oldest first."""
    claimable = or_(
        and_(DueWorkRow.status == "pending", DueWorkRow.due_at <= now),
        and_(DueWorkRow.status == "claimed", DueWorkRow.lease_until < now),
    )
    claimed: list[ClaimedWork] = []
    with db.write() as session:
        query = select(DueWorkRow.id, DueWorkRow.status, DueWorkRow.claim_token).where(claimable).order_by(DueWorkRow.due_at, DueWorkRow.id).limit(limit)
        if db.dialect == "postgresql":
            # Other schedulers skip what this one is claiming instead of waiting for it.
            query = query.with_for_update(skip_locked=True)
        # On SQLite the IMMEDIATE transaction already serialises claimers; the guarded UPDATE
        # below keeps the claim correct without relying on row locks SQLite does not have.
        for row_id, seen_status, seen_token in session.execute(query).all():
            result = session.execute(
                update(DueWorkRow)
                .where(DueWorkRow.id == row_id, DueWorkRow.status == seen_status, DueWorkRow.claim_token == seen_token)
                .values(status="claimed", claimed_by=worker, claim_token=seen_token + 1, lease_until=now + lease,
                        attempts=DueWorkRow.attempts + 1)
                .returning(DueWorkRow.id, DueWorkRow.installation_id, DueWorkRow.kind, DueWorkRow.key, DueWorkRow.due_at,
                           DueWorkRow.payload, DueWorkRow.claim_token, DueWorkRow.attempts)
            ).first()
            if result is None:
                continue
            late = result.due_at < now - late_after
            if late:
                session.execute(update(DueWorkRow).where(DueWorkRow.id == row_id).values(late=True))
            claimed.append(ClaimedWork(result.id, result.installation_id, result.kind, result.key, result.due_at,
                                       dict(result.payload or {}), result.claim_token, result.attempts, late))
    return claimed


def _finish(db: Database, work: ClaimedWork, **values: Any) -> bool:
    with db.write() as session:
        result = session.execute(update(DueWorkRow).where(
            DueWorkRow.id == work.id, DueWorkRow.status == "claimed", DueWorkRow.claim_token == work.claim_token).values(**values))
        return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_sent(db: Database, work: ClaimedWork, *, now: datetime, result: dict[str, Any]) -> bool:
    """Record the send; False when this claimer was fenced out (another one took the lease over)."""
    return _finish(db, work, status="sent", sent_at=now, result=result, lease_until=None, last_error=None)


def retry_later(db: Database, work: ClaimedWork, *, now: datetime, delay: timedelta, error: str) -> bool:
    """Put the work back as pending, due again after `delay`."""
    return _finish(db, work, status="pending", due_at=now + delay, lease_until=None, claimed_by=None, last_error=error[:2000])


def mark_failed(db: Database, work: ClaimedWork, *, now: datetime, error: str) -> bool:
    """Give up on the work for good, keeping the reason."""
    return _finish(db, work, status="failed", lease_until=None, last_error=error[:2000], sent_at=None)


def release(db: Database, work: ClaimedWork) -> bool:
    """Hand an unsent claim back without counting the attempt (clean shutdown)."""
    return _finish(db, work, status="pending", lease_until=None, claimed_by=None, attempts=max(work.attempt - 1, 0))


def status_of(session: Session, key: str) -> tuple[str, int, bool, str | None] | None:
    """(status, attempts, late, last_error) of the work with `key`, for tests and operators."""
    row = session.execute(select(DueWorkRow.status, DueWorkRow.attempts, DueWorkRow.late, DueWorkRow.last_error).where(DueWorkRow.key == key)).first()
    return (row.status, row.attempts, row.late, row.last_error) if row else None
