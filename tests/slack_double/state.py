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

# The home installation's bot id; another organisation's installation gets this plus its team's suffix.
BOT_ID = "B0BOT"

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


def team_suffix(team_id: str) -> str:
    """What the double appends to ids of another organisation's installation: T0BETA -> BETA (UBOTBETA, B0BOTBETA, DKENJIBETA)."""
    return team_id[1:].lstrip("0") or team_id


@dataclass
class Installation:
    """The app as one organisation installed it: its own bot user and bot id; its bot tokens map to it in `bot_tokens`.

    A distributed app installed by several workspaces keeps one app id and one app-level token (so one
    Socket Mode connection), while each installation gets its own bot user and bot token: oauth.v2.access
    answers `bot_user_id` and `access_token` per workspace (docs.slack.dev/authentication/installing-with-oauth,
    the recorded web_api_responses/oauth.v2.access.ok.json). Ids of installations other than the home one
    (`UBOT` + team suffix) are the double's own naming.
    """

    team_id: str
    bot_user_id: str
    bot_id: str
    order: int  # when it was (last) installed: the home installation is 0, later ones count up


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
    # For a DM (is_im): the team of the installation whose bot the person talks with; each installation's bot
    # has its own DM with a person, and another installation's token cannot see it (channel_not_found).
    im_team: str | None = None
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
    # The team of the installation whose bot posted it (None for a person's message): which installation may
    # update or delete it, and which one a click on it is delivered to.
    team_id: str | None = None


@dataclass
class RecordedCall:
    """One Web API call as the double saw it (params after parsing)."""

    method: str
    params: dict[str, Any]
    token: str | None
    at: float
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    # The team of the installation whose bot token made the call (None for app-level tokens, client
    # credentials and tokens the double does not know).
    team_id: str | None = None


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
    # The team of the installation the payload carrying it was delivered to (None: the home installation).
    team_id: str | None = None


class Workspace:
    """All state, behind one lock so concurrent requests see consistent data."""

    def __init__(self, team: Team, bot_user_id: str, bot_token: str, app_token: str) -> None:
        self.lock = threading.RLock()
        team.app_installed = True
        self.home_team = team
        self.teams: dict[str, Team] = {team.team_id: team}
        self.users: dict[str, User] = {bot_user_id: User(bot_user_id, team.team_id, "alliancebot", "Alliance Bot", None, is_bot=True)}
        # Every organisation that has installed the app (or did once: ids stay when it reinstalls), by team id.
        self.installations: dict[str, Installation] = {team.team_id: Installation(team.team_id, bot_user_id, BOT_ID, 0)}
        self._install_count = 0
        self.channels: dict[str, Channel] = {}
        self.messages: dict[str, list[Message]] = {}
        self.ephemerals: list[Message] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.view_owner: dict[str, str] = {}
        self.view_stacks: dict[str, list[str]] = {}
        self.homes: dict[tuple[str, str], dict[str, Any]] = {}  # (installation's team, person) -> their Home tab
        self.files: dict[str, dict[str, Any]] = {}
        self.calls: list[RecordedCall] = []
        self.faults: dict[str, deque[Fault]] = {}
        self.triggers: dict[str, Grant] = {}
        self.response_urls: dict[str, Grant] = {}
        self.bot_tokens: dict[str, str] = {bot_token: team.team_id}  # bot token -> the team of its installation
        self.app_tokens = {app_token}
        self.revoked: set[str] = set()
        # Whether a bot may DM people of other organisations than its installation's (not documented either way; a switch).
        self.external_dms = True
        # OAuth: one-time install codes (-> installing user and team), live refresh tokens (-> team), and when
        # rotating access tokens expire.
        self.oauth_codes: dict[str, tuple[str, str]] = {}
        self.refresh_tokens: dict[str, str] = {}
        self.token_expiry: dict[str, float] = {}
        self.rate_limits: dict[str, tuple[int, dict[str, deque[float]]]] = {}
        # Slack's workspace-wide limit on top of the per-channel one: (calls per window, window seconds, call times).
        self.workspace_limits: dict[str, tuple[int, float, deque[float]]] = {}
        # event_context of each event delivered -> the authorizations of every installation that can see it
        # (what apps.event.authorizations.list answers).
        self.event_contexts: dict[str, list[dict[str, Any]]] = {}
        self._last_ts = 0
        self._ids = 0

    # -- installations ------------------------------------------------------------------------------
    def install(self, team_id: str) -> Installation:
        """Install the app for `team_id` (again): its bot user exists, the team counts as installed, later than the others.

        Its bot is a member of no channel: a bot must be invited into each one (conversations.invite,
        "/invite @app"), the installing workspace's included.
        """
        team = self.teams[team_id]
        installation = self.installations.get(team_id)
        if installation is None:
            home = self.installations[self.home_team.team_id]
            suffix = team_suffix(team_id)
            installation = Installation(team_id, home.bot_user_id + suffix, BOT_ID + suffix, -1)
            self.installations[team_id] = installation
            self.users[installation.bot_user_id] = User(installation.bot_user_id, team_id, "alliancebot", "Alliance Bot", None,
                                                        is_bot=True)
        if installation.order < 0 or not team.app_installed:
            self._install_count += 1
            installation.order = self._install_count
        team.app_installed = True
        return installation

    def active_installations(self) -> list[Installation]:
        """The installations in force, the earliest installed first."""
        return sorted((i for i in self.installations.values() if self.teams[i.team_id].app_installed), key=lambda i: i.order)

    def installation_for(self, token: str | None) -> Installation:
        """The installation a bot token belongs to (the home one for app-level tokens and none)."""
        return self.installations[self.bot_tokens.get(token or "", self.home_team.team_id)]

    def serving(self, user_id: str) -> Installation:
        """The installation that serves a person's own commands, shortcuts and App Home: their organisation's if it
        installed the app, else the home one (whose entry points they are not offered; see Person)."""
        team = self.teams.get(self.users[user_id].team_id) if user_id in self.users else None
        return self.installations[team.team_id] if team is not None and team.app_installed else self.installations[self.home_team.team_id]

    def next_ts(self) -> str:
        """A message ts: wall-clock based like Slack's, and strictly increasing even within one microsecond."""
        now = int(time.time() * 1_000_000)
        self._last_ts = max(now, self._last_ts + 100)
        return f"{self._last_ts // 1_000_000}.{self._last_ts % 1_000_000:06d}"

    def next_id(self, prefix: str) -> str:
        """A fresh Slack-style id with the given prefix."""
        self._ids += 1
        return f"{prefix}0{self._ids:08X}"

    def issue_trigger(self, user: str, channel: str | None = None, *, issued: float, team_id: str | None = None) -> str:
        """A trigger_id for a payload the double sends (Slack's form: digits.digits.hex), issued at `issued` on the double's clock,
        delivered to the installation of `team_id` (default: the home one)."""
        self._ids += 1
        trigger = f"{self._ids}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}"
        self.triggers[trigger] = Grant(user, channel, issued, team_id=team_id or self.home_team.team_id)
        return trigger

    def dm_channel(self, user_id: str, team_id: str | None = None) -> Channel:
        """The direct-message channel between a person and the bot of the installation of `team_id` (default: the home one).

        The home bot's DM with U123 is D123 (as always); another installation's adds its team suffix (D123BETA).
        """
        installation = self.installations[team_id or self.home_team.team_id]
        home = installation.team_id == self.home_team.team_id
        channel_id = "D" + user_id[1:] + ("" if home else team_suffix(installation.team_id))
        if channel_id not in self.channels:
            self.channels[channel_id] = Channel(channel_id, user_id, [user_id], is_private=True, is_im=True, im_team=installation.team_id)
        return self.channels[channel_id]

    def dm_refused(self, user_id: str, team_id: str | None = None) -> bool:
        """True when the switch is off and `user_id` belongs to another organisation than the installation of `team_id`
        (default: the home one): each installation's bot may always DM its own organisation's people."""
        user = self.users.get(user_id)
        return not self.external_dms and user is not None and user.team_id != (team_id or self.home_team.team_id)

    def find_message(self, channel: str, ts: str) -> Message | None:
        """A channel message by ts."""
        return next((m for m in self.messages.get(channel, []) if m.ts == ts), None)

    def find_any_message(self, channel: str, ts: str) -> Message | None:
        """A channel message or an ephemeral one, by ts."""
        return self.find_message(channel, ts) or next((m for m in self.ephemerals if m.channel == channel and m.ts == ts), None)
