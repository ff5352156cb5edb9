"""Disputes of body decisions (issue 19's timed escalation) and the steps each took."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class DisputeRow(Base):
    """A body decision that ended unresolved: the body it is with now and that body's window (one per decision; it moves
    up the ladder in place, its steps keep the path)."""

    __tablename__ = "disputes"
    __table_args__ = (UniqueConstraint("decision_id", name="uq_disputes_decision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))  # bot.domain.escalation.DisputeStatus
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    window_ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolution: Mapped[str | None] = mapped_column(String(16), nullable=True)  # a defaulted one's Resolution


class DisputeStepRow(Base):
    """One step of a dispute (opened, reminded, escalated, settled, defaulted), at most once per kind and body, so that
    a retried job records it once."""

    __tablename__ = "dispute_steps"
    __table_args__ = (UniqueConstraint("dispute_id", "kind", "body", name="uq_dispute_steps_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("disputes.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # bot.domain.escalation.StepKind
    body: Mapped[str] = mapped_column(String(40))
    round: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    business_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="")
