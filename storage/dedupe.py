"""Remembering what was already handled: Events API ids and HTTP request signatures."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models.delivery import ProcessedEventRow, RequestSignatureRow


def _insert_new(session: Session, model: type, values: dict[str, object]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True when the row is new (the first value is the key)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    key = next(iter(values))
    # RETURNING tells reliably whether a row went in; rowcount does not on every driver.
    statement = dialect.insert(model).values(**values).on_conflict_do_nothing().returning(getattr(model, key))
    return session.execute(statement).first() is not None


def remember_event(session: Session, event_id: str, now: datetime) -> bool:
    """True the first time `event_id` is seen, False for Slack's retries and duplicates."""
    return _insert_new(session, ProcessedEventRow, {"event_id": event_id, "received_at": now})


def remember_signature(session: Session, signature: str, expires_at: datetime) -> bool:
    """True the first time a request signature is seen inside its window."""
    return _insert_new(session, RequestSignatureRow, {"signature": signature, "expires_at": expires_at})


def forget_old_events(session: Session, before: datetime) -> None:
    """Drop event ids received before `before`."""
    session.execute(delete(ProcessedEventRow).where(ProcessedEventRow.received_at < before))


def forget_expired_signatures(session: Session, now: datetime) -> None:
    """Drop request signatures whose replay window has passed."""
    session.execute(delete(RequestSignatureRow).where(RequestSignatureRow.expires_at < now))
