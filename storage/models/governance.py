"""Models of an alliance's governance bodies (JSC, JDC, …) and the history of their changes."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class GovernanceBodyRow(Base):
    """A body of a channel's alliance: who sits on it for which partner (and who leads), how it decides, its quorum,
    its resolution window, where it escalates, and (at the top) its fallback (`bot.domain.governance.Body`)."""

    __tablename__ = "governance_bodies"
    __table_args__ = (UniqueConstraint("installation_id", "channel_id", "name", name="uq_governance_bodies_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(40))
    # [{"user_id": …, "partner": …, "lead": bool}, …]
    members: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    rule: Mapped[str] = mapped_column(String(32))
    quorum: Mapped[str] = mapped_column(String(32))
    window_days: Mapped[int] = mapped_column(Integer)
    escalates_to: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # {"kind": …, "party": …, "decision_types": […], "clause": …} at the top of the ladder, else None.
    fallback: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BodyChangeRow(Base):
    """A body as it was saved, with when and by whom: membership changes as the alliance moves through phases."""

    __tablename__ = "governance_body_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("governance_bodies.id", ondelete="CASCADE"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    changed_by: Mapped[str] = mapped_column(String(32))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
