"""The Web API over real HTTP: routing, body parsing, auth, faults, rate limits and the call log."""
from __future__ import annotations

import base64
import json
import math
import select
import socket
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlparse

from tests.slack_double.clock import PATIENCE
from tests.slack_double.state import Fault, RecordedCall
from tests.slack_double.web_methods import SlackError, WebMethods
from tests.slack_double.web_oauth import OAuthMethods
from tests.slack_double.web_views import ViewAndFileMethods

if TYPE_CHECKING:
    from tests.slack_double.double import SlackDouble

# Fields slack_sdk sends JSON-encoded inside a form body; Slack decodes them.
JSON_FIELDS = ("blocks", "view", "metadata", "attachments", "files")
APP_TOKEN_METHODS = {"apps.connections.open", "apps.event.authorizations.list"}
# Authenticated by the app's client id and secret, not by a token.
CLIENT_METHODS = {"oauth.v2.access"}


class WebApi(WebMethods, ViewAndFileMethods, OAuthMethods):
    """Every method, plus the checks Slack makes before any of them runs."""

    def handler_for(self, method: str) -> Any:
        """The implementation of `method`, or None (unknown_method)."""
        return getattr(self, method.replace(".", "_"), None)

    def authenticate(self, method: str, token: str | None) -> None:
        """Raise like Slack does for a missing, unknown, revoked or wrong-type token."""
        ws = self.ws
        if method in CLIENT_METHODS:
            return
        if not token:
            raise SlackError("not_authed")
        if token in ws.revoked:
            raise SlackError("token_revoked")
        if ws.token_expiry.get(token, float("inf")) < time.time():
            raise SlackError("token_expired")
        if token not in ws.bot_tokens and token not in ws.app_tokens:
            raise SlackError("invalid_auth")
        # An app-level token opens Socket Mode connections and nothing else; a bot token cannot.
        if (method in APP_TOKEN_METHODS) != (token in ws.app_tokens):
            raise SlackError("not_allowed_token_type")

    def rate_limited(self, method: str, params: dict[str, Any]) -> int | None:
        """Seconds to wait when `method` is over a budget, else None (and the call is counted in each)."""
        now = self.double.clock()
        windows: list[tuple[deque[float], int, float]] = []
        workspace = self.ws.workspace_limits.get(method)
        if workspace:
            windows.append((workspace[2], workspace[0], workspace[1]))
        limit = self.ws.rate_limits.get(method)
        if limit:
            per_minute, buckets = limit
            # chat.postMessage is limited per channel; other methods per workspace.
            key = str(params.get("channel", "")) if method == "chat.postMessage" else ""
            windows.append((buckets.setdefault(key, deque()), per_minute, 60.0))
        for window, allowed, span in windows:
            while window and now - window[0] >= span:
                window.popleft()
            if len(window) >= allowed:
                # Retry-After is whole seconds, as Slack sends it.
                return max(1, math.ceil(span - (now - window[0])))
        for window, _, _ in windows:
            window.append(now)
        return None

    def answer(self, method: str, params: dict[str, Any], token: str | None, fault: Fault | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        """Status, body and headers for one Web API call; the call is applied and recorded under the lock."""
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
                handler = self.handler_for(method)
                if handler is None:
                    raise SlackError("unknown_method")
                self.authenticate(method, token)
                wait = self.rate_limited(method, params)
                if wait is not None:
                    status, headers = 429, {"Retry-After": str(wait)}
                    raise SlackError("ratelimited")
                # The call acts as the installation its bot token belongs to (the lock is held until it is answered).
                self.caller = self.ws.installation_for(token)
                body = {"ok": True, **handler(params)}
                if method == "auth.test":
                    headers["x-oauth-scopes"] = ",".join(self.double.scopes)
            except SlackError as error:
                body = error.body
            finally:
                self.caller = self.ws.installations[self.ws.home_team.team_id]
            self.ws.calls.append(RecordedCall(method, params, token, time.time(), status, body, team_id=self.ws.bot_tokens.get(token or "")))
            return status, body, headers


def parse_params(query: str, body: bytes, content_type: str) -> dict[str, Any]:
    """Query string plus a form or JSON body, with JSON-encoded form fields decoded."""
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    if "json" in content_type or body[:1] == b"{":
        params.update(json.loads(body or b"{}"))
    elif body:
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    for key in JSON_FIELDS:
        if isinstance(params.get(key), str) and params[key]:
            try:
                params[key] = json.loads(params[key])
            except ValueError:
                pass  # left as a string; the method rejects it as Slack would
    return params


class Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 front: routes /api/<method>, /upload/<file>, /response/<id>."""

    protocol_version = "HTTP/1.1"
    server: DoubleServer

    def log_message(self, *_: Any) -> None:
        """Keep test output quiet."""

    def do_GET(self) -> None:
        """Slack accepts GET with query parameters too."""
        self.do_POST()

    def do_POST(self) -> None:
        """Route one request."""
        url = urlparse(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        api: WebApi = self.server.double.api
        if url.path.startswith("/upload/"):
            status, uploaded = api.receive_upload(url.path.rsplit("/", 1)[-1], body)
            self._send(status, uploaded)
        elif url.path.startswith("/response/"):
            status, answer = api.use_response_url(url.path.rsplit("/", 1)[-1], body)
            self._send(status, answer)
        elif url.path.startswith("/api/"):
            self._api(url.path[len("/api/"):], url.query, body)
        else:
            self._send(404, {"ok": False, "error": "not_found"})

    def _api(self, method: str, query: str, body: bytes) -> None:
        double = self.server.double
        try:
            params = parse_params(query, body, self.headers.get("Content-Type", ""))
        except (ValueError, UnicodeDecodeError):
            self._send(200, {"ok": False, "error": "invalid_json"})
            return
        auth = self.headers.get("Authorization", "")
        token = auth[len("Bearer "):].strip() if auth.startswith("Bearer ") else params.pop("token", None)
        if auth.startswith("Basic "):
            # oauth.v2.access: slack_sdk sends the client id and secret as HTTP Basic credentials.
            client_id, _, client_secret = base64.b64decode(auth[len("Basic "):]).decode().partition(":")
            params.setdefault("client_id", client_id)
            params.setdefault("client_secret", client_secret)
        fault = double.take_fault(method)
        if fault is not None and fault.kind == "timeout":
            self._hold(fault.delay)
        status, answer, headers = double.api.answer(method, params, token, fault)
        if fault is not None and fault.kind == "empty_body":
            self._send(200, b"", content_type="text/html")
        elif fault is not None and fault.kind == "reset_after_commit":
            # The call took effect; the client never learns it did.
            self.close_connection = True
            self.connection.shutdown(2)
        elif fault is not None and fault.kind == "held" and fault.release is not None:
            fault.release.wait(PATIENCE)  # the call took effect; its answer is on its way back slowly
            self._send(status, answer, headers)
        elif fault is not None and fault.kind == "timeout":
            try:
                self._send(status, answer, headers)
            except OSError:
                self.close_connection = True  # the client stopped waiting and hung up
        else:
            self._send(status, answer, headers)

    def _hold(self, seconds: float) -> None:
        """Answer nothing for `seconds`, or until the client hangs up, whichever comes first."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            readable, _, _ = select.select([self.connection], [], [], left)
            if not readable:
                continue
            try:
                if not self.connection.recv(1, socket.MSG_PEEK):
                    return  # end of stream: the client stopped waiting
            except OSError:
                return  # reset: the client is gone
            # More bytes from the client (it never sends any while it waits): just wait the rest.
            time.sleep(max(0.0, deadline - time.monotonic()))
            return

    def _send(self, status: int, answer: dict[str, Any] | bytes, headers: dict[str, str] | None = None,
              content_type: str | None = None) -> None:
        payload = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type or ("text/plain" if isinstance(answer, bytes) else "application/json; charset=utf-8"))
        self.send_header("Content-Length", str(len(payload)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)


class DoubleServer(ThreadingHTTPServer):
    """The HTTP server on 127.0.0.1:0, knowing its double."""

    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default backlog of 5 drops connections when many workers call at once (the
    # client then waits out TCP's SYN retries); Slack's edge never does that.
    request_queue_size = 256

    def __init__(self, double: SlackDouble) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.double = double
        # Connections accepted and not yet finished; accepting and counting happen under one lock,
        # so settle() sees a connection either still waiting to be accepted or counted here.
        self._busy = 0
        self._idle = threading.Condition()

    def get_request(self) -> tuple[socket.socket, Any]:
        with self._idle:
            request = super().get_request()
            self._busy += 1
        return request

    def process_request(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._done()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._done()

    def _done(self) -> None:
        with self._idle:
            self._busy -= 1
            self._idle.notify_all()

    def settle(self, timeout: float) -> bool:
        """True once no connection is being handled or waiting to be accepted; False after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._busy or select.select([self.socket], [], [], 0)[0]:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(min(left, 0.01))
        return True
