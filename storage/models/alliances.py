"""A channel's alliance and its partner companies."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base
from storage.types import UTCDateTime


class AllianceRow(Base):
    """A channel's alliance: its name, partner companies and how members map to them."""

    __tablename__ = "alliances"
    # ix_alliances_channel: which installation holds a shared channel's alliance (storage/channel_homes.py).
    __table_args__ = (UniqueConstraint("installation_id", "channel_id", name="uq_alliances_channel"),
                      Index("ix_alliances_channel", "channel_id"))

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
    # ISO 3166-1 alpha-2: whose public holidays stop the alliance's business-day clocks.
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)

    alliance: Mapped[AllianceRow] = relationship(back_populates="partners")


class ChannelPanelRow(Base):
    """The panel message the bot keeps pinned in a channel (bot/usecases/panel.py): one per channel, never duplicated."""

    __tablename__ = "channel_panels"
    __table_args__ = (UniqueConstraint("installation_id", "channel_id", name="uq_channel_panels_channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(String(32))
    # None while the process that claimed the row posts the message (or after it died doing so).
    message_ts: Mapped[str | None] = mapped_column(String(32), nullable=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ChannelSightingRow(Base):
    """A channel an installation has seen in a request Slack signed (so its workspace is in the channel).

    A Slack Connect channel keeps one id in every organisation it connects, so when both organisations
    installed the app the same channel is seen by two installations; its alliance lives under one of them
    (storage/channel_homes.py) and these rows say which others may see it, and take it over if that one
    uninstalls."""

    __tablename__ = "channel_sightings"

    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CalendarFeedRow(Base):
    """A private iCalendar feed: an alliance's (`user_id` "") or a person's (`channel_id` ""), reached by its token.

    `etag` and `changed_at` are those of the last rendering, so a poller that has the current feed costs a render and
    a 304, and Last-Modified says when the feed's content last changed."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (UniqueConstraint("installation_id", "channel_id", "user_id", name="uq_calendar_feeds_owner"),
                      UniqueConstraint("token", name="uq_calendar_feeds_token"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"))
    channel_id: Mapped[str] = mapped_column(String(32), default="")
    user_id: Mapped[str] = mapped_column(String(32), default="")
    token: Mapped[str] = mapped_column(String(64))
    etag: Mapped[str] = mapped_column(String(64), default="")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
