"""The concerns register: every concern a decision's rounds raised, and whether a later round answered it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class ConcernRow(Base):
    """A concern raised in a round (identical texts of one round are one row), registered when the round closed.

    In an anonymous decision `raised_by` is null and `partners` empty: no row links a person to a concern."""

    __tablename__ = "decision_concerns"
    # One row per text and round: a close registered twice (a retry) adds nothing. The text is unique by its digest,
    # as a concern (up to 2,000 characters) is too long for a PostgreSQL index entry. The constraint's index, led by
    # decision_id, also serves loading a decision's register.
    __table_args__ = (UniqueConstraint("decision_id", "round_raised", "text_key", name="uq_decision_concerns_text"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"))
    round_raised: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(16))  # the strongest level it came with
    text: Mapped[str] = mapped_column(Text)
    text_key: Mapped[str] = mapped_column(String(64))  # sha256 of the text
    partners: Mapped[list[str]] = mapped_column(JSON, default=list)
    raised_by: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, addressed, assumption
    addressed_in_round: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
