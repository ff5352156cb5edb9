"""SlackDouble: the local Slack every end-to-end test runs against."""
from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from tests.slack_double.clock import PATIENCE, ManualClock
from tests.slack_double.socket_mode import SocketModeServer
from tests.slack_double.state import Channel, Fault, Grant, Message, RecordedCall, Team, User, Workspace
from tests.slack_double.web_api import DoubleServer, WebApi

DEFAULT_SCOPES = ("channels:read", "chat:write", "commands", "groups:read", "im:write", "pins:write", "team:read", "users:read",
                  "users:read.email")
FAULT_KINDS = {"ratelimited", "server_error", "unavailable", "timeout", "error", "empty_body", "reset_after_commit", "held"}


class SlackDouble:
    """A Web API server and a Socket Mode server on loopback, sharing one Slack state.

    Slack's time limits (trigger_id, response_url, rate-limit windows) run on `clock`: by default a
    ManualClock, so in tests they pass only when the test calls `advance()`, never because
    the machine is slow; benchmarks pass `clock=time.monotonic` to be held to them in real time.
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
        """Another workspace, e.g. a Slack Connect partner's; it has not installed the app unless told so."""
        with self.ws.lock:
            self.ws.teams[team_id] = Team(team_id, name, domain or "".join(ch for ch in name.lower() if ch.isalnum()), app_installed)

    def set_post_only(self, channel_id: str, user_id: str) -> None:
        """Give a member of a shared channel "post only" permission: they can no longer use apps there."""
        with self.ws.lock:
            self.ws.channels[channel_id].post_only.add(user_id)

    def refuse_external_dms(self, refuse: bool = True) -> None:
        """Make the bot's DMs to people of other organisations fail, as the issue saw Slack do.

        Then `conversations.open` answers `user_not_visible` (documented for the method) and
        `chat.postMessage` with the person's user id as channel answers `channel_not_found`; so does
        posting to their DM channel id. Whether Slack allows such DMs is not documented either way
        (PLATFORM-NOTES §1.8), so the double allows them until a test says otherwise.
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
        """Add someone to a channel (as when a person or the bot is invited)."""
        with self.ws.lock:
            members = self.ws.channels[channel_id].members
            if user_id not in members:
                members.append(user_id)

    def add_token(self, token: str) -> None:
        """Accept another token (xapp- tokens as app-level, others as bot tokens)."""
        with self.ws.lock:
            (self.ws.app_tokens if token.startswith("xapp-") else self.ws.bot_tokens).add(token)
            self.ws.revoked.discard(token)

    def approve_install(self, user: str = "UINSTALLER") -> str:
        """What Slack's authorize page does when someone clicks Allow: a one-time code for the redirect."""
        with self.ws.lock:
            code = f"{int(time.time())}.{uuid.uuid4().hex}"
            self.ws.oauth_codes[code] = user
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
        """Every Web API call so far, in order (optionally of one method)."""
        with self.ws.lock:
            return [c for c in self.ws.calls if method is None or c.method == method]

    def messages(self, channel_id: str) -> list[Message]:
        """The channel's messages as they stand now, oldest first (ephemerals are separate)."""
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

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """The Home tab published for a person, if any."""
        with self.ws.lock:
            return self.ws.homes.get(user_id)

    def file(self, file_id: str) -> dict[str, Any]:
        """An uploaded file: id, name, title, channel and content bytes."""
        with self.ws.lock:
            return self.ws.files[file_id]

    # -- grants handed out in payloads ------------------------------------------------------------
    def issue_trigger(self, user: str, channel: str | None = None) -> str:
        """A fresh trigger_id, valid for `trigger_ttl` seconds and one use."""
        with self.ws.lock:
            return self.ws.issue_trigger(user, channel, issued=self.clock())

    def issue_response_url(self, user: str, channel: str | None, message_ts: str | None = None) -> str:
        """A response_url on this server; `message_ts` is the message replace/delete_original acts on."""
        key = uuid.uuid4().hex
        with self.ws.lock:
            self.ws.response_urls[key] = Grant(user, channel, self.clock(), message_ts=message_ts)
        return f"{self.base_url}/response/{key}"
