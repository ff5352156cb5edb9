"""Milestones and their slip history, and each channel's settings of milestone nudges and digests."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class MilestoneRow(Base):
    """A milestone of a channel's alliance, with its payment (exact decimal as text) when it has one."""

    __tablename__ = "milestones"
    __table_args__ = (Index("ix_milestones_channel_due", "installation_id", "channel_id", "due_date"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    due_date: Mapped[date] = mapped_column(Date)
    partner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    owner_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Text, not float: payments are exact; Decimal round-trips through it on both databases.
    amount: Mapped[str | None] = mapped_column(String(40), nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    direction: Mapped[str | None] = mapped_column(String(3), nullable=True)
    achieved_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    payment_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    snoozed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MilestoneSlipRow(Base):
    """One move of a milestone's date: the slip history."""

    __tablename__ = "milestone_slips"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestones.id", ondelete="CASCADE"), index=True)
    from_date: Mapped[date] = mapped_column(Date)
    to_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    by_user: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class ChannelScheduleRow(Base):
    """Per-channel settings of milestones and digests: nudge offsets and the digest's recurrence."""

    __tablename__ = "channel_schedules"
    __table_args__ = (UniqueConstraint("installation_id", "channel_id", name="uq_channel_schedules_channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(String(32))
    nudge_offsets: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)
    # "daily" or "weekly" (None: no digest); weekday 0 = Monday; wall-clock "HH:MM" in digest_zone.
    digest_every: Mapped[str | None] = mapped_column(String(8), nullable=True)
    digest_weekday: Mapped[int | None] = mapped_column(Integer, nullable=True)
    digest_at: Mapped[str | None] = mapped_column(String(5), nullable=True)
    digest_zone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Bumped on each change, so a changed schedule's old firings are recognisably stale.
    digest_version: Mapped[int] = mapped_column(Integer, default=0)
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
