"""SlackDouble: the local Slack every end-to-end test runs against."""
from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from tests.slack_double.clock import PATIENCE, ManualClock
from tests.slack_double.payloads import event_envelope
from tests.slack_double.socket_mode import SocketModeServer
from tests.slack_double.state import Channel, Fault, Grant, Message, RecordedCall, Team, User, Workspace
from tests.slack_double.web_api import DoubleServer, WebApi

DEFAULT_SCOPES = ("channels:read", "chat:write", "commands", "groups:read", "im:write", "pins:write", "team:read", "users:read",
                  "users:read.email")
FAULT_KINDS = {"ratelimited", "server_error", "unavailable", "timeout", "error", "empty_body", "reset_after_commit", "held"}
EVENT_AUTHORIZATIONS = ("host", "other")


class SlackDouble:
    """A Web API server and a Socket Mode server on loopback, sharing one Slack state.

    Slack's time limits (trigger_id, response_url, rate-limit windows) run on `clock`: by default a
    ManualClock, so in tests they pass only when the test calls `advance()`, never because
    the machine is slow; benchmarks pass `clock=time.monotonic` to be held to them in real time.

    The app is installed by the home team (`team_id`, bot user `bot_user_id`, token `bot_token`); other
    organisations may install it too (`install_team`, or OAuth with `approve_install(team_id=...)`), each
    with its own bot user and bot tokens, sharing the app id and the app-level token (docs/slack-connect.md).
    """

    def __init__(self, signing_secret: str = "s3cret", bot_token: str = "xoxb-test-1", app_token: str = "xapp-test-1",
                 team_id: str = "T0ALPHA", team_name: str = "Alpha Pharma", bot_user_id: str = "UBOT", app_id: str = "A0BOT",
                 trigger_ttl: float = 3.0, scopes: Iterable[str] = DEFAULT_SCOPES, team_domain: str | None = None,
                 client_id: str = "1111.2222", client_secret: str = "client-s3cret", token_rotation: bool = False,
                 clock: Callable[[], float] | None = None) -> None:
        self.clock: Callable[[], float] = clock if clock is not None else ManualClock()
        self.signing_secret = signing_secret
        self.client_id, self.client_secret, self.token_rotation = client_id, client_secret, token_rotation
        self.bot_token = bot_token
        self.app_token = app_token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.app_id = app_id
        self.trigger_ttl = trigger_ttl
        self.scopes = list(scopes)
        domain = team_domain or "".join(ch for ch in team_name.lower() if ch.isalnum())
        self.ws = Workspace(Team(team_id, team_name, domain), bot_user_id, bot_token, app_token)
        self.api = WebApi(self)
        self.socket = SocketModeServer(self)
        self._server = DoubleServer(self)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="slack-double-web", daemon=True)
        self._event_authorization = "host"

    # -- life cycle -------------------------------------------------------------------------------
    def start(self) -> SlackDouble:
        """Start both servers."""
        self.socket.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop both servers and their threads."""
        self.socket.stop()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def advance(self, seconds: float) -> None:
        """Let `seconds` pass on the double's clock (for Slack's time limits; needs the default ManualClock)."""
        if not isinstance(self.clock, ManualClock):
            raise TypeError("advance() needs the double's own ManualClock; this one runs in real time")
        self.clock.advance(seconds)

    def settle(self, timeout: float = PATIENCE) -> None:
        """Wait until every Web API request that reached the double has been carried out and answered.

        A call whose client gave up (a timeout) may still be in progress here; after settle() it
        has taken effect, so what a test checks next does not depend on how fast the machine is.
        """
        if not self._server.settle(timeout):
            raise AssertionError(f"the double was still handling requests after {timeout:.0f} s")

    def __enter__(self) -> SlackDouble:
        return self.start()

    def __exit__(self, *_: Any) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:<port> of the Web API server."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        """What SLACK_API_URL should be (slack_sdk appends method names)."""
        return self.base_url + "/api/"

    # -- setting the scene ------------------------------------------------------------------------
    def add_team(self, team_id: str, name: str, domain: str | None = None, app_installed: bool = False) -> None:
        """Another workspace, e.g. a Slack Connect partner's; it has not installed the app unless told so
        (app_installed=True installs it as `install_team` does, without handing out a token)."""
        with self.ws.lock:
            self.ws.teams[team_id] = Team(team_id, name, domain or "".join(ch for ch in name.lower() if ch.isalnum()))
            if app_installed:
                self.ws.install(team_id)

    # -- installations ----------------------------------------------------------------------------
    def install_team(self, team_id: str) -> str:
        """Install the app for an organisation added with add_team (as OAuth would, without the redirect): returns a
        fresh bot token of its installation. Its bot user (`bot_user(team_id)`) is in no channel until `join`ed."""
        with self.ws.lock:
            if team_id not in self.ws.teams:
                raise KeyError(f"no team {team_id}; add_team() first")
            self.ws.install(team_id)
            token = f"xoxb-{team_id}-{uuid.uuid4().hex[:16]}"
            self.ws.bot_tokens[token] = team_id
            return token

    def uninstall(self, team_id: str) -> list[dict[str, Any]]:
        """An admin of `team_id` removes the app: its installation's tokens are revoked (later calls with them answer
        `token_revoked`), the team no longer counts as installed, and its bot user leaves every channel.

        Returns the Events API envelopes Slack sends that installation, for the test to deliver: `app_uninstalled`
        and `tokens_revoked` naming its bot user (api.slack.com/events/app_uninstalled, .../tokens_revoked; their
        order is not documented).
        """
        with self.ws.lock:
            installation = self.ws.installations[team_id]
            for token, owner in self.ws.bot_tokens.items():
                if owner == team_id:
                    self.ws.revoked.add(token)
            for refresh in [r for r, owner in self.ws.refresh_tokens.items() if owner == team_id]:
                del self.ws.refresh_tokens[refresh]
            self.ws.teams[team_id].app_installed = False
            for channel in self.ws.channels.values():
                if not channel.is_im and installation.bot_user_id in channel.members:
                    channel.members.remove(installation.bot_user_id)
        return [event_envelope(self, {"type": "app_uninstalled", "event_ts": f"{time.time():.6f}"}, team_id=team_id),
                event_envelope(self, {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [installation.bot_user_id]},
                                      "event_ts": f"{time.time():.6f}"}, team_id=team_id)]

    def bot_user(self, team_id: str | None = None) -> str:
        """The bot user id of the installation of `team_id` (default: the home one), e.g. UBOT, UBOTBETA."""
        with self.ws.lock:
            return self.ws.installations[team_id or self.team_id].bot_user_id

    def installed_teams(self) -> list[str]:
        """The teams that have the app installed now, the earliest installed first."""
        with self.ws.lock:
            return [i.team_id for i in self.ws.active_installations()]

    @property
    def event_authorization(self) -> str:
        """Which installation Slack names in a channel event's `authorizations` when several can see it.

        Slack sends an event once per app with at most one authorization "that the event is visible to"
        (changelog 2020-09-15, "Events API: truncate authed users"; apps.event.authorizations.list gives all)
        and does not document which. "host" (default): the earliest installed of those whose bot is in the
        channel (the home installation, as before); "other": the latest installed of them, when there are two
        or more. Set it to prove the app works whichever one Slack names.
        """
        return self._event_authorization

    @event_authorization.setter
    def event_authorization(self, value: str) -> None:
        if value not in EVENT_AUTHORIZATIONS:
            raise ValueError(f"event_authorization is one of {EVENT_AUTHORIZATIONS}, not {value!r}")
        self._event_authorization = value

    def seeing(self, channel_id: str) -> list[str]:
        """The teams of the installations a channel event is visible to (their bot is in the channel), earliest first.

        If no installation's bot is in it, every installation (the double delivered channel events regardless
        of membership before it knew installations, and tests rely on it).
        """
        with self.ws.lock:
            installed = self.ws.active_installations()
            channel = self.ws.channels.get(channel_id)
            members = channel.members if channel is not None else []
            return [i.team_id for i in installed if i.bot_user_id in members] or [i.team_id for i in installed]

    def authorized_team(self, channel_id: str) -> str:
        """The team of the installation an event in the channel is delivered to (`event_authorization` says which)."""
        seeing = self.seeing(channel_id)
        if not seeing:
            raise AssertionError("no organisation has the app installed: Slack delivers no events")
        return seeing[0] if self.event_authorization == "host" else seeing[-1]

    def channel_event(self, channel_id: str, event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
        """The envelope of an event in a channel (reaction_added, message, member_joined_channel, ...): authorised for
        `authorized_team(channel_id)`, outer team_id that team, is_ext_shared_channel the channel's, and its event_context
        listing every installation that can see it (apps.event.authorizations.list)."""
        with self.ws.lock:
            channel = self.ws.channels.get(channel_id)
            shared = channel.is_ext_shared if channel is not None else False
        return event_envelope(self, event, event_id=event_id, is_ext_shared_channel=shared, team_id=self.authorized_team(channel_id),
                              visible_to=self.seeing(channel_id))

    def set_post_only(self, channel_id: str, user_id: str) -> None:
        """Give a member of a shared channel "post only" permission: they can no longer use apps there."""
        with self.ws.lock:
            self.ws.channels[channel_id].post_only.add(user_id)

    def refuse_external_dms(self, refuse: bool = True) -> None:
        """Make each installation's DMs to people of other organisations than its own fail, as the issue saw Slack do.

        Then `conversations.open` answers `user_not_visible` (documented for the method) and
        `chat.postMessage` with the person's user id as channel answers `channel_not_found`; so does
        posting to their DM channel id. Whether Slack allows such DMs is not documented either way
        (PLATFORM-NOTES §1.8), so the double allows them until a test says otherwise. An installation's
        bot may always DM its own organisation's people (Beta's bot DMs Beta's people, Alpha's cannot).
        """
        with self.ws.lock:
            self.ws.external_dms = not refuse

    def add_user(self, user_id: str, team_id: str, name: str, real_name: str | None = None, tz: str | None = "America/New_York",
                 is_bot: bool = False, deleted: bool = False, is_admin: bool = False, email: str | None = None) -> None:
        """A person; tz=None means users.info carries no tz fields; is_admin: a workspace admin; email=None: none shared."""
        with self.ws.lock:
            self.ws.users[user_id] = User(user_id, team_id, name, real_name or name.title(), tz, is_bot, deleted, is_admin, email)

    def add_channel(self, channel_id: str, name: str, members: list[str] | None = None, is_private: bool = False,
                    is_ext_shared: bool = False, bot_is_member: bool = True, archived: bool = False) -> None:
        """A channel; members not added as users yet become users of the installing team."""
        members = [m for m in (members or []) if m != self.bot_user_id]
        if bot_is_member:
            members.append(self.bot_user_id)
        with self.ws.lock:
            self.ws.channels[channel_id] = Channel(channel_id, name, members, is_private, is_ext_shared, archived)
            for member in members:
                if member not in self.ws.users:
                    self.ws.users[member] = User(member, self.team_id, member.lower(), member.title(), "UTC")

    def join(self, channel_id: str, user_id: str) -> None:
        """Add someone to a channel (as when a person or a bot is invited: `join(channel, bot_user(team))`)."""
        with self.ws.lock:
            members = self.ws.channels[channel_id].members
            if user_id not in members:
                members.append(user_id)

    def add_token(self, token: str, team_id: str | None = None) -> None:
        """Accept another token: xapp- tokens as app-level, others as bot tokens of the installation of `team_id`
        (default: the home one; the team must have installed the app)."""
        with self.ws.lock:
            self.ws.revoked.discard(token)
            if token.startswith("xapp-"):
                self.ws.app_tokens.add(token)
                return
            team_id = team_id or self.team_id
            if team_id not in self.ws.teams or not self.ws.teams[team_id].app_installed:
                raise ValueError(f"{team_id} has not installed the app; install_team() first")
            self.ws.bot_tokens[token] = team_id

    def approve_install(self, user: str = "UINSTALLER", team_id: str | None = None) -> str:
        """What Slack's authorize page does when someone clicks Allow: a one-time code for the redirect.

        The code installs the app for `team_id`, else for the installing user's own team (the home team when
        the user is unknown to the double); oauth.v2.access then answers with that team's installation.
        """
        with self.ws.lock:
            if team_id is None:
                known = self.ws.users.get(user)
                team_id = known.team_id if known is not None else self.team_id
            if team_id not in self.ws.teams:
                raise KeyError(f"no team {team_id}; add_team() first")
            code = f"{int(time.time())}.{uuid.uuid4().hex}"
            self.ws.oauth_codes[code] = (user, team_id)
            return code

    def revoke_token(self, token: str) -> None:
        """Answer `token_revoked` to every later call with this token."""
        with self.ws.lock:
            self.ws.revoked.add(token)

    # -- faults -----------------------------------------------------------------------------------
    def inject(self, method: str, kind: str, times: int = 1, retry_after: int = 1, error: str = "not_in_channel",
               delay: float | None = None) -> None:
        """Make the next `times` calls of `method` fail the way `kind` says (faults queue in injection order).

        A "timeout" holds the answer for `delay` seconds or until the client gives up and hangs up,
        whichever comes first, and only then carries the call out (as a slow Slack might, after the
        client stopped waiting). Without `delay` it waits for the client: every client times out,
        however slow the machine, and none waits longer than its own timeout.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)}")
        hold = (PATIENCE if delay is None else delay) if kind == "timeout" else 0.0
        with self.ws.lock:
            self.ws.faults.setdefault(method, deque()).extend(Fault(kind, retry_after, error, hold) for _ in range(times))

    def hold_answer(self, method: str) -> threading.Event:
        """The next call of `method` takes effect at once (everyone sees its message) but its answer waits until
        the returned event is set (or PATIENCE passes): a slow way back to the app, during which people may act
        on what they already see. Set the event to let the answer go."""
        release = threading.Event()
        with self.ws.lock:
            self.ws.faults.setdefault(method, deque()).append(Fault("held", release=release))
        return release

    def take_fault(self, method: str) -> Fault | None:
        """The next queued fault for `method`, if any."""
        with self.ws.lock:
            queue = self.ws.faults.get(method)
            return queue.popleft() if queue else None

    def set_rate_limit(self, method: str, per_minute: int) -> None:
        """Answer 429 + Retry-After beyond `per_minute` calls of `method` (per channel for chat.postMessage)."""
        with self.ws.lock:
            self.ws.rate_limits[method] = (per_minute, {})

    def set_workspace_rate_limit(self, method: str, per_window: int, window: float = 60.0) -> None:
        """Answer 429 + Retry-After beyond `per_window` calls of `method` across the whole workspace.

        Slack keeps such a limit on chat.postMessage besides one message per second per channel
        ("while also maintaining a workspace-wide limit"); `window` below 60 s speeds up benchmarks.
        """
        with self.ws.lock:
            self.ws.workspace_limits[method] = (per_window, window, deque())

    # -- what happened ----------------------------------------------------------------------------
    def calls(self, method: str | None = None) -> list[RecordedCall]:
        """Every Web API call so far, in order (optionally of one method); `call.team_id` names the installation that made it."""
        with self.ws.lock:
            return [c for c in self.ws.calls if method is None or c.method == method]

    def messages(self, channel_id: str) -> list[Message]:
        """The channel's messages as they stand now, oldest first (ephemerals are separate); a bot's message names
        its poster in `user` (the installation's bot user), `bot_id` and `team_id` (the installation's team)."""
        with self.ws.lock:
            return list(self.ws.messages.get(channel_id, []))

    def ephemerals(self, channel_id: str | None = None, user: str | None = None) -> list[Message]:
        """Ephemeral messages, optionally in one channel and/or shown to one person."""
        with self.ws.lock:
            return [m for m in self.ws.ephemerals
                    if (channel_id is None or m.channel == channel_id) and (user is None or m.ephemeral_to == user)]

    def views(self) -> list[dict[str, Any]]:
        """Every modal opened, pushed or updated, in its current state."""
        with self.ws.lock:
            return [v for v in self.ws.views.values() if v.get("type") == "modal"]

    def view(self, view_id: str) -> dict[str, Any]:
        """One view by id."""
        with self.ws.lock:
            return self.ws.views[view_id]

    def open_views(self, user_id: str) -> list[dict[str, Any]]:
        """The modal stack a person sees now, bottom first."""
        with self.ws.lock:
            return [self.ws.views[v] for v in self.ws.view_stacks.get(user_id, [])]

    def home_view(self, user_id: str, team_id: str | None = None) -> dict[str, Any] | None:
        """The Home tab the installation of `team_id` published for a person, if any (default: the installation
        serving the person: their organisation's if it installed the app, else the home one)."""
        with self.ws.lock:
            return self.ws.homes.get((team_id or self.ws.serving(user_id).team_id, user_id))

    def dm_channel_id(self, user_id: str, team_id: str | None = None) -> str:
        """The id of the DM between a person and the bot of the installation of `team_id` (default: the home one)."""
        with self.ws.lock:
            return self.ws.dm_channel(user_id, team_id).channel_id

    def file(self, file_id: str) -> dict[str, Any]:
        """An uploaded file: id, name, title, channel and content bytes."""
        with self.ws.lock:
            return self.ws.files[file_id]

    # -- grants handed out in payloads ------------------------------------------------------------
    def issue_trigger(self, user: str, channel: str | None = None, team_id: str | None = None) -> str:
        """A fresh trigger_id, valid for `trigger_ttl` seconds and one use, by the installation of `team_id`
        (default: the home one) it was delivered to."""
        with self.ws.lock:
            return self.ws.issue_trigger(user, channel, issued=self.clock(), team_id=team_id)

    def issue_response_url(self, user: str, channel: str | None, message_ts: str | None = None, team_id: str | None = None) -> str:
        """A response_url on this server; `message_ts` is the message replace/delete_original acts on; what it
        posts comes from the bot of the installation of `team_id` (default: the home one) it was delivered to."""
        key = uuid.uuid4().hex
        with self.ws.lock:
            self.ws.response_urls[key] = Grant(user, channel, self.clock(), message_ts=message_ts, team_id=team_id or self.team_id)
        return f"{self.base_url}/response/{key}"
