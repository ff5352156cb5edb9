"""Remembering what was already handled: Events API ids and HTTP request signatures."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from storage.db import insert_if_absent
from storage.models.delivery import ProcessedEventRow, RequestSignatureRow


def remember_event(session: Session, event_id: str, now: datetime) -> bool:
    """True the first time `event_id` is seen, False for Slack's retries and duplicates."""
    return insert_if_absent(session, ProcessedEventRow, {"event_id": event_id, "received_at": now}, ProcessedEventRow.event_id) is not None


def remember_signature(session: Session, signature: str, expires_at: datetime) -> bool:
    """True the first time a request signature is seen inside its window."""
    return insert_if_absent(session, RequestSignatureRow, {"signature": signature, "expires_at": expires_at},
                            RequestSignatureRow.signature) is not None


def forget_old_events(session: Session, before: datetime) -> None:
    """Drop event ids received before `before`."""
    session.execute(delete(ProcessedEventRow).where(ProcessedEventRow.received_at < before))


def forget_expired_signatures(session: Session, now: datetime) -> None:
    """Drop request signatures whose replay window has passed."""
    session.execute(delete(RequestSignatureRow).where(RequestSignatureRow.expires_at < now))
