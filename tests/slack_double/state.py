"""The double's in-memory Slack: teams, people, channels, messages, views, tokens and faults."""
from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

# Windows-style long names, as Slack shows them in `tz_label`; zoneinfo only knows abbreviations.
_LONG_NAMES = {"EST": "Eastern Standard Time", "EDT": "Eastern Daylight Time", "CST": "Central Standard Time",
               "CDT": "Central Daylight Time", "MST": "Mountain Standard Time", "MDT": "Mountain Daylight Time",
               "PST": "Pacific Standard Time", "PDT": "Pacific Daylight Time", "CET": "Central European Time",
               "CEST": "Central European Summer Time", "GMT": "Greenwich Mean Time", "BST": "British Summer Time",
               "JST": "Japan Standard Time", "UTC": "Coordinated Universal Time"}


@dataclass
class Team:
    """A workspace (the installing one, or a Slack Connect partner's).

    `app_installed`: whether this organisation has installed the app. Only the home team has by
    default: in a Slack Connect channel a partner's people see the app's messages but get none of
    its entry points (docs/slack-connect.md).
    """

    team_id: str
    name: str
    domain: str
    app_installed: bool = False


@dataclass
class User:
    """A person (or bot user) as users.info describes it."""

    user_id: str
    team_id: str
    name: str
    real_name: str
    tz: str | None
    is_bot: bool = False
    deleted: bool = False
    is_admin: bool = False
    email: str | None = None

    def to_api(self, with_email: bool = True) -> dict[str, Any]:
        """The `users.info` user object, with tz fields only when the person has a zone.

        Slack puts `profile.email` in only for a token with users:read.email (`with_email`), and
        for a person of another organisation only if it shares addresses (an email set here).
        """
        user: dict[str, Any] = {
            "id": self.user_id, "team_id": self.team_id, "name": self.name, "deleted": self.deleted, "color": "9f69e7",
            "real_name": self.real_name, "is_bot": self.is_bot, "is_app_user": False, "is_admin": self.is_admin, "is_owner": False,
            "is_primary_owner": False, "is_restricted": False, "is_ultra_restricted": False, "updated": 1700000000,
            "profile": {"real_name": self.real_name, "real_name_normalized": self.real_name, "display_name": self.name,
                        "display_name_normalized": self.name, "team": self.team_id},
        }
        if with_email and self.email and not self.is_bot:
            user["profile"]["email"] = self.email
        if self.tz:
            now = datetime.now(ZoneInfo(self.tz))
            offset = now.utcoffset()
            abbreviation = now.tzname() or self.tz
            user.update(tz=self.tz, tz_label=_LONG_NAMES.get(abbreviation, abbreviation),
                        tz_offset=int(offset.total_seconds()) if offset else 0)
        return user


@dataclass
class Channel:
    """A conversation; `members` includes the bot user when the bot is in it."""

    channel_id: str
    name: str
    members: list[str]
    is_private: bool = False
    is_ext_shared: bool = False
    archived: bool = False
    is_im: bool = False
    pinned: list[str] = field(default_factory=list)  # ts of pinned messages, in pinning order
    # Members (external people) whose channel permission is "post only": they "cannot use workflows
    # or apps" (PLATFORM-NOTES §1.8), so the client sends nothing for their clicks or commands.
    post_only: set[str] = field(default_factory=set)


@dataclass
class Message:
    """A message as it stands now (updates replace text and blocks)."""

    channel: str
    ts: str
    user: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    metadata: dict[str, Any] | None = None
    edits: int = 0
    ephemeral_to: str | None = None
    bot_id: str | None = None
    files: list[str] = field(default_factory=list)


@dataclass
class RecordedCall:
    """One Web API call as the double saw it (params after parsing)."""

    method: str
    params: dict[str, Any]
    token: str | None
    at: float
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)


@dataclass
class Fault:
    """A failure to play on one future call of a method."""

    kind: str
    retry_after: int = 1
    error: str = "not_in_channel"
    delay: float = 0.0
    release: threading.Event | None = None  # "held": the answer goes when this is set


@dataclass
class Grant:
    """A trigger_id or response_url handed out in a payload, with what it may act on."""

    user: str
    channel: str | None
    issued: float
    uses: int = 0
    message_ts: str | None = None


class Workspace:
    """All state, behind one lock so concurrent requests see consistent data."""

    def __init__(self, team: Team, bot_user_id: str, bot_token: str, app_token: str) -> None:
        self.lock = threading.RLock()
        team.app_installed = True
        self.home_team = team
        self.teams: dict[str, Team] = {team.team_id: team}
        self.users: dict[str, User] = {bot_user_id: User(bot_user_id, team.team_id, "alliancebot", "Alliance Bot", None, is_bot=True)}
        self.channels: dict[str, Channel] = {}
        self.messages: dict[str, list[Message]] = {}
        self.ephemerals: list[Message] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.view_owner: dict[str, str] = {}
        self.view_stacks: dict[str, list[str]] = {}
        self.homes: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.calls: list[RecordedCall] = []
        self.faults: dict[str, deque[Fault]] = {}
        self.triggers: dict[str, Grant] = {}
        self.response_urls: dict[str, Grant] = {}
        self.bot_tokens = {bot_token}
        self.app_tokens = {app_token}
        self.revoked: set[str] = set()
        # Whether the bot may DM people of other organisations (not documented either way; a switch).
        self.external_dms = True
        # OAuth: one-time install codes, live refresh tokens, and when rotating access tokens expire.
        self.oauth_codes: dict[str, str] = {}
        self.refresh_tokens: set[str] = set()
        self.token_expiry: dict[str, float] = {}
        self.rate_limits: dict[str, tuple[int, dict[str, deque[float]]]] = {}
        # Slack's workspace-wide limit on top of the per-channel one: (calls per window, window seconds, call times).
        self.workspace_limits: dict[str, tuple[int, float, deque[float]]] = {}
        self._last_ts = 0
        self._ids = 0

    def next_ts(self) -> str:
        """A message ts: wall-clock based like Slack's, and strictly increasing even within one microsecond."""
        now = int(time.time() * 1_000_000)
        self._last_ts = max(now, self._last_ts + 100)
        return f"{self._last_ts // 1_000_000}.{self._last_ts % 1_000_000:06d}"

    def next_id(self, prefix: str) -> str:
        """A fresh Slack-style id with the given prefix."""
        self._ids += 1
        return f"{prefix}0{self._ids:08X}"

    def issue_trigger(self, user: str, channel: str | None = None, *, issued: float) -> str:
        """A trigger_id for a payload the double sends (Slack's form: digits.digits.hex), issued at `issued` on the double's clock."""
        self._ids += 1
        trigger = f"{self._ids}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}"
        self.triggers[trigger] = Grant(user, channel, issued)
        return trigger

    def dm_channel(self, user_id: str) -> Channel:
        """The bot's direct-message channel with a person."""
        channel_id = "D" + user_id[1:]
        if channel_id not in self.channels:
            self.channels[channel_id] = Channel(channel_id, user_id, [user_id], is_private=True, is_im=True)
        return self.channels[channel_id]

    def dm_refused(self, user_id: str) -> bool:
        """True when the switch is off and `user_id` belongs to another organisation than the bot's."""
        user = self.users.get(user_id)
        return not self.external_dms and user is not None and user.team_id != self.home_team.team_id

    def find_message(self, channel: str, ts: str) -> Message | None:
        """A channel message by ts."""
        return next((m for m in self.messages.get(channel, []) if m.ts == ts), None)

    def find_any_message(self, channel: str, ts: str) -> Message | None:
        """A channel message or an ephemeral one, by ts."""
        return self.find_message(channel, ts) or next((m for m in self.ephemerals if m.channel == channel and m.ts == ts), None)
