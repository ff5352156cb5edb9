"""The scheduler's truth, kept in the database: due work with its sent state, and the leader lease."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class DueWorkRow(Base):
    """One piece of scheduled work (reminder, nudge, digest...) with its due time and sent state.

    The scheduler only ticks; this table is the truth. `key` makes enqueueing idempotent, the
    claim columns make sending safe with several schedulers: a row is claimed with a lease and a
    fencing token, and only the holder of the current token may mark it sent.
    """

    __tablename__ = "due_work"
    __table_args__ = (
        UniqueConstraint("key", name="uq_due_work_key"),
        Index("ix_due_work_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # pending -> claimed -> sent | failed; cancelled when the reason for it went away.
    status: Mapped[str] = mapped_column(String(16), default="pending")  # storage.due_work.WorkStatus
    claimed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    claim_token: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SchedulerLeaseRow(Base):
    """Which scheduler process is active; `epoch` grows with every change of leader (the fencing token)."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128), default="")
    epoch: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime] = mapped_column(UTCDateTime())
