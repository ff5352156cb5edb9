"""Repository for cross-process `chat.update` coalescing: who is updating a message, and whether it is behind.

Each request to re-render a message bumps `requested`; one process at a time holds the message and
keeps rendering from committed state until the count it rendered is still the newest when it lets
go (a compare-and-delete), so an update requested on any worker is never lost or overtaken.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models.delivery import MessageRenderRow


def _row(installation_id: int, channel_id: str, ts: str) -> object:
    return and_(MessageRenderRow.installation_id == installation_id, MessageRenderRow.channel_id == channel_id, MessageRenderRow.ts == ts)


def note_request(session: Session, installation_id: int, channel_id: str, ts: str) -> None:
    """Record that the message should show newer state."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(MessageRenderRow).values(installation_id=installation_id, channel_id=channel_id, ts=ts, requested=1)
    session.execute(statement.on_conflict_do_update(
        index_elements=["installation_id", "channel_id", "ts"], set_={"requested": MessageRenderRow.requested + 1}))


def hold(session: Session, installation_id: int, channel_id: str, ts: str, *, holder: str, now: datetime, until: datetime) -> bool:
    """Become (or stay) the one sender for the message; False while another live process holds it."""
    result = session.execute(update(MessageRenderRow).where(
        _row(installation_id, channel_id, ts),  # type: ignore[arg-type]
        or_(MessageRenderRow.holder.is_(None), MessageRenderRow.holder == holder, MessageRenderRow.held_until < now),
    ).values(holder=holder, held_until=until))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def requested(session: Session, installation_id: int, channel_id: str, ts: str) -> int:
    """How many renders have been requested so far (0 when none is outstanding)."""
    return int(session.scalar(select(MessageRenderRow.requested).where(_row(installation_id, channel_id, ts))) or 0)  # type: ignore[arg-type]


def let_go(session: Session, installation_id: int, channel_id: str, ts: str, *, holder: str, rendered: int) -> bool:
    """Release the message if nothing was requested after our render; False means render again."""
    result = session.execute(delete(MessageRenderRow).where(
        _row(installation_id, channel_id, ts), MessageRenderRow.holder == holder, MessageRenderRow.requested == rendered))  # type: ignore[arg-type]
    return bool(result.rowcount)  # type: ignore[attr-defined]
