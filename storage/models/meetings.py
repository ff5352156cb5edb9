"""Meetings, their occurrences and slot votes, people's meeting preferences, the pain ledger and governance cadences."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


class MeetingRow(Base):
    """A meeting or series in a channel: proposed, confirmed or cancelled; its calendar UID never changes."""

    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_channel_status", "installation_id", "channel_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(String(32))
    organizer_id: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(150))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    participant_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    recurrence: Mapped[str] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(Integer, default=1)
    # proposed -> confirmed -> cancelled; "external" meetings (/meeting add) start confirmed.
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    uid: Mapped[str] = mapped_column(String(128))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    agenda: Mapped[str] = mapped_column(Text, default="")
    prereads: Mapped[list[str]] = mapped_column(JSON, default=list)
    reminder_target: Mapped[str] = mapped_column(String(16), default="channel")
    zone: Mapped[str] = mapped_column(String(64), default="UTC")
    # The slots offered (with each person's pain) and, once confirmed, the calendar form used.
    proposal: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    message_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    cadence_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MeetingOccurrenceRow(Base):
    """One sitting of a confirmed meeting; a moved one keeps its original start (the calendar's RECURRENCE-ID)."""

    __tablename__ = "meeting_occurrences"
    __table_args__ = (UniqueConstraint("meeting_id", "position", name="uq_meeting_occurrences_position"),
                      Index("ix_meeting_occurrences_starts_at", "starts_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    original_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)


class MeetingSlotVoteRow(Base):
    """A participant's "works / doesn't work" on one proposed slot; one row per (meeting, slot, person)."""

    __tablename__ = "meeting_slot_votes"
    __table_args__ = (UniqueConstraint("meeting_id", "slot", "user_id", name="uq_meeting_slot_votes_vote"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    slot: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(String(32))
    works: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MeetingPrefsRow(Base):
    """A person's working hours, workdays and hard limits for meeting planning (their zone comes from Slack)."""

    __tablename__ = "meeting_prefs"
    __table_args__ = (UniqueConstraint("installation_id", "user_id", name="uq_meeting_prefs_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    # Set only when Slack has no tz for the person and they told us theirs.
    tz: Mapped[str | None] = mapped_column(String(64), nullable=True)
    work_start: Mapped[str] = mapped_column(String(5), default="09:00")
    work_end: Mapped[str] = mapped_column(String(5), default="17:00")
    workdays: Mapped[list[int]] = mapped_column(JSON, default=list)
    never: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PainLedgerRow(Base):
    """Pain a person has carried in an alliance's meetings, per series ("" = the alliance's running total)."""

    __tablename__ = "pain_ledger"
    __table_args__ = (UniqueConstraint("installation_id", "channel_id", "series", "user_id", name="uq_pain_ledger_entry"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(String(32))
    series: Mapped[str] = mapped_column(String(150))
    user_id: Mapped[str] = mapped_column(String(32))
    # Integer quarter-points (4 x pain points), as the solver counts them, so sums stay exact.
    pain_qp: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MeetingCadenceRow(Base):
    """A governance cadence ("steering committee every quarter"): the scheduler proposes each next occurrence."""

    __tablename__ = "meeting_cadences"
    __table_args__ = (UniqueConstraint("installation_id", "channel_id", "title", name="uq_meeting_cadences_title"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(String(32))
    organizer_id: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(150))
    recurrence: Mapped[str] = mapped_column(String(16))
    participant_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=50)
    lead_days: Mapped[int] = mapped_column(Integer, default=14)
    next_on: Mapped[str] = mapped_column(String(10))  # the local date of the next occurrence
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
