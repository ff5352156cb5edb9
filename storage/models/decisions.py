"""Consensus decisions: their rounds and votes, and anonymous mode's ballots and tallies."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


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
    # A decision in a governance body: the body as it stood when the decision started (`storage.governance.body_to_dict`;
    # later membership changes do not move a running decision), and the type of decision (its template).
    body: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    decision_type: Mapped[str | None] = mapped_column(String(40), nullable=True)


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


class PartyVoteRow(Base):
    """A party's vote in a round of a one-vote-per-party body, cast by its lead: one per (round, party), changed in place.

    The members' own positions, which the party settled it from, are `VoteRow`s seen only by their own company."""

    __tablename__ = "party_votes"
    __table_args__ = (UniqueConstraint("round_id", "partner", name="uq_party_votes_round_partner"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("decision_rounds.id", ondelete="CASCADE"))
    partner: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))
    concern: Mapped[str | None] = mapped_column(Text, nullable=True)
    cast_by: Mapped[str] = mapped_column(String(32))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime())
