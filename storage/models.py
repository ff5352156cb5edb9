"""Typed SQLAlchemy models; every row belongs to one Slack installation."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.types import UTCDateTime

# Named constraints so Alembic migrations are deterministic on SQLite and PostgreSQL alike.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class InstallationRow(Base):
    """A Slack workspace (or Enterprise Grid org) the bot is installed in."""

    __tablename__ = "installations"
    __table_args__ = (UniqueConstraint("enterprise_id", "team_id", name="uq_installations_org_team"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "" rather than NULL so the unique constraint holds on both databases.
    enterprise_id: Mapped[str] = mapped_column(String(32), default="")
    team_id: Mapped[str] = mapped_column(String(32), default="")
    team_name: Mapped[str] = mapped_column(String(255), default="")
    bot_user_id: Mapped[str] = mapped_column(String(32), default="")
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AllianceRow(Base):
    """A channel's alliance: its name, partner companies and how members map to them."""

    __tablename__ = "alliances"
    __table_args__ = (UniqueConstraint("installation_id", "channel_id", name="uq_alliances_channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(150))
    # "slack_team": a member's partner is the one whose Slack team is the member's home team;
    # "configured": the explicit member lists decide, for channels without Slack Connect.
    mapping: Mapped[str] = mapped_column(String(16))
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    partners: Mapped[list[PartnerRow]] = relationship(
        back_populates="alliance", cascade="all, delete-orphan", order_by="PartnerRow.position"
    )


class PartnerRow(Base):
    """One partner company in an alliance."""

    __tablename__ = "partners"
    __table_args__ = (UniqueConstraint("alliance_id", "position", name="uq_partners_position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alliance_id: Mapped[int] = mapped_column(ForeignKey("alliances.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    slack_team_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Explicitly mapped members, as a JSON list of Slack user ids.
    member_ids: Mapped[list[str]] = mapped_column(JSON, default=list)

    alliance: Mapped[AllianceRow] = relationship(back_populates="partners")


class SlackUserRow(Base):
    """Cached `users.info` answers: who a member is, their home team, time zone and (when Slack shares it) email."""

    __tablename__ = "slack_users"
    __table_args__ = (UniqueConstraint("installation_id", "user_id", name="uq_slack_users_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32))
    team_id: Mapped[str] = mapped_column(String(32), default="")
    name: Mapped[str] = mapped_column(String(255), default="")
    real_name: Mapped[str] = mapped_column(String(255), default="")
    tz: Mapped[str | None] = mapped_column(String(64), nullable=True)
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A workspace admin or owner (users.info is_admin/is_owner): may close or revise any decision.
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # profile.email: only with the users:read.email scope, and for another org's people only if it shares it.
    email: Mapped[str | None] = mapped_column(String(255), nullable=True)


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
    status: Mapped[str] = mapped_column(String(16), default="pending")
    claimed_by: Mapped[str | None] = mapped_column(String(128), nullable=True)
    claim_token: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DecisionRow(Base):
    """A consensus decision in a channel; deciders and their partner are fixed when it starts."""

    __tablename__ = "decisions"
    __table_args__ = (Index("ix_decisions_channel_status", "installation_id", "channel_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(String(32))
    creator_id: Mapped[str] = mapped_column(String(32))
    # [[user_id, partner name or null], ...] in the order they are shown.
    deciders: Mapped[list[list[str | None]]] = mapped_column(JSON, default=list)
    partners: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="open")
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    message_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # The first round's message: later rounds are posted in its thread.
    thread_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    background: Mapped[str | None] = mapped_column(Text, nullable=True)
    preread_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    auto_close: Mapped[bool] = mapped_column(Boolean, default=False)
    # Recorded after consensus: the key assumptions to monitor, and when to review them.
    assumptions: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    review_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Anonymous voting: votes live in ballots (who) and anonymous_tallies (what), never together.
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    # Governance load: the interactions the decision took, counted as they happen.
    load_votes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    load_vote_changes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    load_concerns: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    load_revisions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    load_reminders: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class RoundRow(Base):
    """One round of a decision: the proposal as it stood, and when the round ran."""

    __tablename__ = "decision_rounds"
    __table_args__ = (UniqueConstraint("decision_id", "number", name="uq_decision_rounds_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    proposal: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class VoteRow(Base):
    """A decider's current vote in a round: one row per (round, voter), changed in place."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("round_id", "voter_id", name="uq_votes_round_voter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("decision_rounds.id", ondelete="CASCADE"))
    voter_id: Mapped[str] = mapped_column(String(32))
    partner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    level: Mapped[str] = mapped_column(String(16))
    concern: Mapped[str | None] = mapped_column(Text, nullable=True)
    changes: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BallotRow(Base):
    """Anonymous mode: that a decider voted in a round (to stop double voting) and nothing else.

    No level, no time: nothing here links a person to what they chose."""

    __tablename__ = "ballots"
    __table_args__ = (UniqueConstraint("round_id", "voter_id", name="uq_ballots_round_voter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("decision_rounds.id", ondelete="CASCADE"))
    voter_id: Mapped[str] = mapped_column(String(32))


class AnonymousTallyRow(Base):
    """Anonymous mode: the count of votes at one level for one partner in a round, and their concerns.

    All rows of a round are created when it starts (so their ids and order say nothing about who
    voted first), and concerns are kept sorted (so their order says nothing either)."""

    __tablename__ = "anonymous_tallies"
    __table_args__ = (UniqueConstraint("round_id", "partner", "level", name="uq_anonymous_tallies_cell"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("decision_rounds.id", ondelete="CASCADE"))
    partner: Mapped[str] = mapped_column(String(100))  # "" for deciders no partner claims
    level: Mapped[str] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(Integer, default=0)
    concerns: Mapped[list[str]] = mapped_column(JSON, default=list)


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


class InstallationTokenRow(Base):
    """An OAuth installation's bot token, encrypted at rest (Fernet), with what token rotation needs.

    `version` is bumped by every change, so a refresh is a compare-and-swap: only the process whose
    claim moved the version may store the refreshed tokens, and the others keep the current token.
    """

    __tablename__ = "installation_tokens"

    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"), primary_key=True)
    app_id: Mapped[str] = mapped_column(String(32), default="")
    bot_id: Mapped[str] = mapped_column(String(32), default="")
    bot_scopes: Mapped[str] = mapped_column(Text, default="")
    bot_token: Mapped[str] = mapped_column(Text)
    bot_refresh_token: Mapped[str | None] = mapped_column(Text, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    refreshing_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OAuthStateRow(Base):
    """A one-time OAuth `state`, issued at /slack/install and consumed at /slack/oauth_redirect."""

    __tablename__ = "oauth_states"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class SchedulerLeaseRow(Base):
    """Which scheduler process is active; `epoch` grows with every change of leader (the fencing token)."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128), default="")
    epoch: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime] = mapped_column(UTCDateTime())


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
