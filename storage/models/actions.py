"""Action items of a channel, their owners, and the channel's counter of short ids (A-1, A-2, ...)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class ActionCounterRow(Base):
    """The last action item number given out in a channel (A-1, A-2, ...); bumped atomically."""

    __tablename__ = "action_counters"
    __table_args__ = (UniqueConstraint("installation_id", "channel_id", name="uq_action_counters_channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(String(32))
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class ActionItemRow(Base):
    """An action item captured in a channel; `number` is its short id there (A-<number>)."""

    __tablename__ = "action_items"
    __table_args__ = (UniqueConstraint("installation_id", "channel_id", "number", name="uq_action_items_number"),
                      Index("ix_action_items_channel_status", "installation_id", "channel_id", "status"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(String(32))
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    creator_id: Mapped[str] = mapped_column(String(32))
    due: Mapped[date | None] = mapped_column(Date, nullable=True)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    permalink: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    message_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    done_by: Mapped[str | None] = mapped_column(String(32), nullable=True)


class ActionOwnerRow(Base):
    """One owner of an action item (several are allowed), for "my items" across channels."""

    __tablename__ = "action_owners"
    __table_args__ = (UniqueConstraint("item_id", "user_id", name="uq_action_owners_item_user"),
                      Index("ix_action_owners_user", "user_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("action_items.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer, default=0)
