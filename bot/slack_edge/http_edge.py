"""The HTTP edge: a WSGI app that verifies Slack's signature, refuses replays and hands over to Bolt."""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from slack_bolt import App, BoltRequest

from bot.clock import Clock
from storage.db import Database
from bot.slack_edge.health import HEALTH_PATH, reply_health
from bot.slack_edge.first_seen import FirstSeen
from storage.dedupe import remember_signature

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
WINDOW = 300  # seconds; Slack's own limit for request timestamps
MAX_BODY = 1_000_000
_REASONS = {200: "OK", 302: "Found", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 500: "Internal Server Error"}
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def signature_problem(secret: str, timestamp: str | None, signature: str | None, body: bytes, now: float) -> str | None:
    """Why a request is not Slack's (None when it is): HMAC-SHA256 of v0:{ts}:{body}, 5-minute window."""
    if not timestamp or not re.fullmatch(r"[0-9]{1,12}", timestamp):
        return "missing or malformed timestamp"
    if abs(now - int(timestamp)) > WINDOW:
        return "timestamp outside the 5-minute window"
    if not signature or not signature.startswith("v0="):
        return "missing or malformed signature"
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return "signature mismatch"
    return None


class SlackHttpEdge:
    """WSGI application serving /slack/events and /healthz."""

    def __init__(self, app: App, db: Database, clock: Clock, signing_secret: str, oauth_flow: Any = None) -> None:
        self.app = app
        self.db = db
        self.clock = clock
        self.secret = signing_secret
        self.signatures = FirstSeen(db, remember_signature)
        # OAuth mode: Bolt's install flow at /slack/install and /slack/oauth_redirect (browser GETs, unsigned).
        self.oauth_flow = oauth_flow

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            return reply_health(start_response, self.db)
        if self.oauth_flow is not None and method == "GET" and path in (self.oauth_flow.install_path, self.oauth_flow.redirect_uri_path):
            return self._oauth(environ, start_response, path)
        if path != EVENTS_PATH:
            return _reply(start_response, "404 Not Found", b"not found")
        if method != "POST":
            return _reply(start_response, "405 Method Not Allowed", b"use POST")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _reply(start_response, "400 Bad Request", b"bad content length")
        if length > MAX_BODY:
            return _reply(start_response, "413 Payload Too Large", b"too large")
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        now = self.clock.now()
        problem = signature_problem(self.secret, headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature"), body, now.timestamp())
        if problem is None:
            # A signature proves who sent a request, not that it is new: refuse an exact replay.
            # Slack's own retries of an event repeat the body but carry a new retry number.
            replay_key = f"{headers['x-slack-signature'][3:67]}:{headers.get('x-slack-retry-num', '')}"
            if not self.signatures.remember(replay_key, now + timedelta(seconds=2 * WINDOW)):
                problem = "replayed request"
        if problem is not None:
            # Never log the body: it can carry another company's confidential text.
            logger.warning("refused a request to %s: %s", path, problem)
            return _reply(start_response, "401 Unauthorized", b"invalid request")
        query = environ.get("QUERY_STRING", "")
        response = self.app.dispatch(BoltRequest(body=body.decode("utf-8", errors="replace"), query=query, headers=headers))
        return _bolt_reply(start_response, response)

    def _oauth(self, environ: dict[str, Any], start_response: StartResponse, path: str) -> Iterable[bytes]:
        """Start an install (302 to Slack's authorize page), or finish one (code -> tokens, stored encrypted)."""
        headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
        request = BoltRequest(body="", query=environ.get("QUERY_STRING", ""), headers=headers)
        if path == self.oauth_flow.install_path:
            return _bolt_reply(start_response, self.oauth_flow.handle_installation(request))
        return _bolt_reply(start_response, self.oauth_flow.handle_callback(request))


def _bolt_reply(start_response: StartResponse, response: Any) -> Iterable[bytes]:
    """Write a BoltResponse as the WSGI answer."""
    payload = response.body.encode("utf-8") if isinstance(response.body, str) else bytes(response.body or b"")
    out_headers = [(str(k), str(v)) for k, values in response.headers.items() if k.lower() != "content-length"
                   for v in (values if isinstance(values, (list, tuple)) else [values])]
    out_headers.append(("Content-Length", str(len(payload))))
    start_response(f"{response.status} {_REASONS.get(response.status, 'Error')}", out_headers)
    return [payload]


def _reply(start_response: StartResponse, status: str, body: bytes, content_type: str = "text/plain; charset=utf-8") -> Iterable[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]
