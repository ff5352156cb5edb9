"""Slack delivery bookkeeping: events already handled, signatures of accepted requests, `chat.update` coalescing."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class ProcessedEventRow(Base):
    """Event ids already handled, so Slack's retries and duplicate deliveries run once."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class RequestSignatureRow(Base):
    """Signatures of accepted HTTP requests inside Slack's 5-minute window, to refuse exact replays."""

    __tablename__ = "request_signatures"

    signature: Mapped[str] = mapped_column(String(80), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class MessageRenderRow(Base):
    """Cross-process coalescing of `chat.update`: one sender per message at a time, re-rendering until caught up."""

    __tablename__ = "message_renders"

    # The workspace whose request asked for the render (0 when none was bound, e.g. a bare test).
    installation_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    ts: Mapped[str] = mapped_column(String(32), primary_key=True)
    requested: Mapped[int] = mapped_column(Integer, default=0)
    holder: Mapped[str | None] = mapped_column(String(128), nullable=True)
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
