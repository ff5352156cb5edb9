"""SlackDouble: the local Slack every end-to-end test runs against."""
from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from typing import Any

from tests.slack_double.socket_mode import SocketModeServer
from tests.slack_double.state import Channel, Fault, Grant, Message, RecordedCall, Team, User, Workspace
from tests.slack_double.web_api import RESPONSE_URL_TTL, RESPONSE_URL_USES, DoubleServer, SlackError, WebApi, record

BOT_METHODS_FOR_APP_TOKEN = {"apps.connections.open"}


class SlackDouble:
    """A Web API server and a Socket Mode server on loopback, sharing one Slack state."""

    def __init__(self, signing_secret: str = "s3cret", bot_token: str = "xoxb-test-1", app_token: str = "xapp-test-1",
                 team_id: str = "T0ALPHA", team_name: str = "Alpha Pharma", bot_user_id: str = "UBOT", app_id: str = "A0BOT",
                 trigger_ttl: float = 3.0, scopes: tuple[str, ...] = ("channels:read", "chat:write", "commands", "groups:read", "team:read", "users:read")) -> None:
        self.signing_secret = signing_secret
        self.bot_token = bot_token
        self.app_token = app_token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.app_id = app_id
        self.trigger_ttl = trigger_ttl
        self.scopes = scopes
        self.ws = Workspace(Team(team_id, team_name, team_name.lower().replace(" ", "")), bot_user_id, bot_token, app_token)
        self.api = WebApi(self)
        self.socket = SocketModeServer(self)
        self._server = DoubleServer(self)
        self._thread = threading.Thread(target=self._server.serve_forever, name="slack-double", daemon=True)

    # -- life cycle -----------------------------------------------------------------------------
    def start(self) -> SlackDouble:
        """Start both servers."""
        self.socket.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop both servers."""
        self.socket.stop()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> SlackDouble:
        return self.start()

    def __exit__(self, *_: Any) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        """What SLACK_API_URL should be."""
        return self.base_url + "/api/"

    # -- setting the scene ----------------------------------------------------------------------
    def add_team(self, team_id: str, name: str, domain: str | None = None) -> None:
        with self.ws.lock:
            self.ws.teams[team_id] = Team(team_id, name, domain or name.lower().replace(" ", ""))

    def add_user(self, user_id: str, team_id: str, name: str, real_name: str | None = None, tz: str | None = "America/New_York",
                 is_bot: bool = False, deleted: bool = False) -> None:
        with self.ws.lock:
            self.ws.users[user_id] = User(user_id, team_id, name, real_name or name.title(), tz, is_bot, deleted)

    def add_channel(self, channel_id: str, name: str, members: list[str] | None = None, is_private: bool = False,
                    is_ext_shared: bool = False, bot_is_member: bool = True, archived: bool = False) -> None:
        members = [m for m in (members or []) if m != self.bot_user_id]
        if bot_is_member:
            members.append(self.bot_user_id)
        with self.ws.lock:
            self.ws.channels[channel_id] = Channel(channel_id, name, members, is_private, is_ext_shared, archived)
            for member in members:
                if member not in self.ws.users:
                    self.ws.users[member] = User(member, self.team_id, member.lower(), member.title(), "UTC")

    def inject(self, method: str, kind: str, times: int = 1, retry_after: int = 1, error: str = "not_in_channel", delay: float = 0.0) -> None:
        """Make the next `times` calls of `method` fail in the way `kind` says."""
        with self.ws.lock:
            queue = self.ws.faults.setdefault(method, deque())
            queue.extend(Fault(kind, retry_after, error, delay) for _ in range(times))

    def set_rate_limit(self, method: str, per_minute: int) -> None:
        """Answer 429 beyond `per_minute` calls of `method` (per channel for chat.postMessage)."""
        with self.ws.lock:
            self.ws.rate_limits[method] = (per_minute, {})

    def revoke_token(self, token: str) -> None:
        with self.ws.lock:
            self.ws.revoked.add(token)

    # -- what happened --------------------------------------------------------------------------
    def calls(self, method: str | None = None) -> list[RecordedCall]:
        with self.ws.lock:
            return [c for c in self.ws.calls if method is None or c.method == method]

    def messages(self, channel_id: str) -> list[Message]:
        with self.ws.lock:
            return list(self.ws.messages.get(channel_id, []))

    def ephemerals(self, channel_id: str | None = None, user: str | None = None) -> list[Message]:
        with self.ws.lock:
            return [m for m in self.ws.ephemerals if (channel_id is None or m.channel == channel_id) and (user is None or m.ephemeral_to == user)]

    def views(self) -> list[dict[str, Any]]:
        with self.ws.lock:
            return [v for v in self.ws.views.values() if v.get("type") == "modal"]

    def view(self, view_id: str) -> dict[str, Any]:
        with self.ws.lock:
            return self.ws.views[view_id]

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        with self.ws.lock:
            return self.ws.homes.get(user_id)

    def file(self, file_id: str) -> dict[str, Any]:
        with self.ws.lock:
            return self.ws.files[file_id]

    # -- grants handed out in payloads ----------------------------------------------------------
    def issue_trigger(self, user: str, channel: str | None = None) -> str:
        with self.ws.lock:
            return self.ws.issue_trigger(user, channel)

    def issue_response_url(self, user: str, channel: str | None) -> str:
        key = uuid.uuid4().hex
        with self.ws.lock:
            self.ws.response_urls[key] = Grant(user, channel, time.monotonic())
        return f"{self.base_url}/response/{key}"

    def use_response_url(self, key: str, body: bytes) -> tuple[int, dict[str, Any] | bytes]:
        """Post through a response_url: 5 uses within 30 minutes, like Slack."""
        with self.ws.lock:
            grant = self.ws.response_urls.get(key)
            if grant is None or grant.uses >= RESPONSE_URL_USES or time.monotonic() - grant.issued > RESPONSE_URL_TTL:
                return 404, {"ok": False, "error": "expired_url"}
            grant.uses += 1
            try:
                data = json.loads(body or b"{}")
            except ValueError:
                return 400, {"ok": False, "error": "invalid_payload"}
            channel = grant.channel or ""
            if data.get("delete_original"):
                return 200, b"ok"
            try:
                self.api._check_content(data)
            except SlackError as error:
                return 400, error.body
            message = Message(channel, self.ws.next_ts(), self.bot_user_id, str(data.get("text") or ""), list(data.get("blocks") or []), bot_id="B0BOT")
            if data.get("response_type") == "in_channel":
                self.ws.messages.setdefault(channel, []).append(message)
            else:
                message.ephemeral_to = grant.user
                self.ws.ephemerals.append(message)
        return 200, b"ok"

    # -- the Web API ----------------------------------------------------------------------------
    def take_fault(self, method: str) -> Fault | None:
        with self.ws.lock:
            queue = self.ws.faults.get(method)
            return queue.popleft() if queue else None

    def _rate_limited(self, method: str, params: dict[str, Any]) -> bool:
        limit = self.ws.rate_limits.get(method)
        if not limit:
            return False
        per_minute, windows = limit
        window = windows.setdefault(str(params.get("channel", "")) if method == "chat.postMessage" else "", deque())
        now = time.monotonic()
        while window and now - window[0] > 60:
            window.popleft()
        if len(window) >= per_minute:
            return True
        window.append(now)
        return False

    def answer(self, method: str, params: dict[str, Any], token: str | None, fault: Fault | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Status, body and headers for one Web API call (the call is recorded)."""
        with self.ws.lock:
            status, headers = 200, {}
            try:
                if fault is not None and fault.kind == "ratelimited":
                    status, headers = 429, {"Retry-After": str(fault.retry_after)}
                    raise SlackError("ratelimited")
                if fault is not None and fault.kind in ("server_error", "unavailable"):
                    status = 500 if fault.kind == "server_error" else 503
                    raise SlackError("internal_error" if status == 500 else "service_unavailable")
                if fault is not None and fault.kind == "error":
                    raise SlackError(fault.error)
                self._authenticate(method, token)
                if self._rate_limited(method, params):
                    status, headers = 429, {"Retry-After": "1"}
                    raise SlackError("ratelimited")
                handler = getattr(self.api, method.replace(".", "_"), None)
                if handler is None:
                    raise SlackError("unknown_method")
                body = {"ok": True, **handler(params)}
                if method == "auth.test":
                    headers["x-oauth-scopes"] = ",".join(self.scopes)
            except SlackError as error:
                body = error.body
            record(self, method, params, token, status, body)
            return status, body, headers

    def _authenticate(self, method: str, token: str | None) -> None:
        if not token:
            raise SlackError("not_authed")
        if token in self.ws.revoked:
            raise SlackError("token_revoked")
        if method in BOT_METHODS_FOR_APP_TOKEN:
            if token in self.ws.bot_tokens:
                raise SlackError("not_allowed_token_type")
            if token not in self.ws.app_tokens:
                raise SlackError("invalid_auth")
            return
        if token in self.ws.app_tokens:
            raise SlackError("not_allowed_token_type")
        if token not in self.ws.bot_tokens:
            raise SlackError("invalid_auth")
