"""Models of a workspace the bot is installed in: the installation, its bot token, OAuth states, its cached Slack members
and how each is reached privately."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base
from storage.types import UTCDateTime


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
    # users.info enterprise_id: an Enterprise Grid person's organisation, which may span several workspaces.
    enterprise_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # users.info enterprise_user.enterprise_name: that organisation's name (team.info does not name another company's).
    enterprise_name: Mapped[str | None] = mapped_column(String(255), nullable=True)


class PrivateRouteRow(Base):
    """How a person of this workspace's channels was last reached privately (`bot.domain.reach.Route`), and when
    a DM to them was last tried; a DM refused by Slack is not tried again for a while."""

    __tablename__ = "private_routes"

    installation_id: Mapped[int] = mapped_column(ForeignKey("installations.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    route: Mapped[str] = mapped_column(String(16))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())


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
