"""The HTTP edge: a WSGI app that verifies Slack's signature, refuses replays and hands over to Bolt."""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Callable, Iterable
from datetime import timedelta
from http import HTTPStatus
from typing import Any

from slack_bolt import App, BoltRequest

from bot.clock import Clock
from bot.slack_edge.first_seen import FirstSeen
from bot.slack_edge.health import HEALTH_PATH, reply_health
from bot.slack_edge.http_body import Unreadable, read_slack_body
from bot.slack_edge.middleware import delivery_key
from storage.db import Database
from storage.dedupe import remember_signature

logger = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
WINDOW = 300  # seconds; Slack's own limit for request timestamps
MAX_BODY = 1_000_000
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

    def __init__(self, app: App, db: Database, clock: Clock, signing_secret: str, oauth_flow: Any = None,
                 routes: dict[str, Callable[[dict[str, Any], StartResponse], Iterable[bytes]]] | None = None) -> None:
        self.app = app
        self.db = db
        self.clock = clock
        self.secret = signing_secret
        self.signatures = FirstSeen(db, remember_signature)
        # OAuth mode: Bolt's install flow at /slack/install and /slack/oauth_redirect (browser GETs, unsigned).
        self.oauth_flow = oauth_flow
        # Other apps by path prefix (the calendar feeds at /calendar/): not Slack's, not signed.
        self.routes = routes or {}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH and method in ("GET", "HEAD"):
            return reply_health(start_response, self.db)
        if self.oauth_flow is not None and method == "GET" and path in (self.oauth_flow.install_path, self.oauth_flow.redirect_uri_path):
            return self._oauth(environ, start_response, path)
        for prefix, route in self.routes.items():
            if path.startswith(prefix):
                return route(environ, start_response)
        if path != EVENTS_PATH or not self.secret:  # no signing secret (install pages beside Socket Mode): nothing is Slack's
            return self._refuse(start_response, path, 404, "no such path")
        if method != "POST":
            return self._refuse(start_response, path, 405, "use POST")
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0:
            return self._refuse(start_response, path, 400, "bad content length")
        if length > MAX_BODY:
            return self._refuse(start_response, path, 413, "body too large")
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
        now = self.clock.now()
        problem = signature_problem(self.secret, headers.get("x-slack-request-timestamp"), headers.get("x-slack-signature"), body, now.timestamp())
        if problem is not None:
            return self._refuse(start_response, path, 401, problem)
        try:
            request = _bolt_request(environ.get("CONTENT_TYPE"), body, environ.get("QUERY_STRING", ""), headers)
        except Unreadable as unreadable:
            return self._refuse(start_response, path, unreadable.status, str(unreadable))
        # A signature proves who sent a request, not that it is new. A request with a delivery key
        # (an event id or a trigger id, inside the signed body) is run once by the dedupe that
        # records that key (event_dedupe_middleware, or the vote's own transaction), so an exact
        # replay of it is acknowledged and changes nothing; recording its signature too would be one
        # more write before every ack. The rest (url_verification, options loads) are refused on
        # replay here. Slack's own retries of an event repeat the body but carry a new retry number.
        if delivery_key(request.body) is None:
            replay_key = f"{headers['x-slack-signature'][3:67]}:{headers.get('x-slack-retry-num', '')}"
            if not self.signatures.remember(replay_key, now + timedelta(seconds=2 * WINDOW)):
                return self._refuse(start_response, path, 401, "replayed request")
        return _bolt_reply(start_response, self.app.dispatch(request))

    @staticmethod
    def _refuse(start_response: StartResponse, path: str, status: int, problem: str) -> Iterable[bytes]:
        """One log line and a short 4xx; never the body, which can carry another company's confidential text."""
        logger.warning("refused a request to %s: %s", path, problem)
        body = b"invalid request" if status == 401 else problem.encode()
        return _reply(start_response, _status_line(status), body)

    def _oauth(self, environ: dict[str, Any], start_response: StartResponse, path: str) -> Iterable[bytes]:
        """Start an install (302 to Slack's authorize page), or finish one (code -> tokens, stored encrypted)."""
        headers = {key[5:].replace("_", "-").lower(): value for key, value in environ.items() if key.startswith("HTTP_")}
        request = BoltRequest(body="", query=environ.get("QUERY_STRING", ""), headers=headers)
        if path == self.oauth_flow.install_path:
            return _bolt_reply(start_response, self.oauth_flow.handle_installation(request))
        return _bolt_reply(start_response, self.oauth_flow.handle_callback(request))


def _bolt_request(content_type: str | None, body: bytes, query: str, headers: dict[str, Any]) -> BoltRequest:
    """Bolt's request for a body read by its shape (`http_body`), or Unreadable."""
    parsed = read_slack_body(content_type, body)
    try:
        # Bolt takes an already parsed body only with mode="socket_mode", the call Bolt's own Socket
        # Mode adapters (and ours) make; in slack_bolt 1.x the mode decides nothing else but whether
        # Bolt checks the signature itself (turned off in build_app: the edge checked it above).
        return BoltRequest(body=parsed, query=query, headers=headers, mode="socket_mode")
    except Exception as error:  # Bolt reads team, enterprise, user, … as it builds its context
        raise Unreadable(f"fields of the wrong type ({type(error).__name__})") from None


def _bolt_reply(start_response: StartResponse, response: Any) -> Iterable[bytes]:
    """Write a BoltResponse as the WSGI answer."""
    payload = response.body.encode("utf-8") if isinstance(response.body, str) else bytes(response.body or b"")
    out_headers = [(str(k), str(v)) for k, values in response.headers.items() if k.lower() != "content-length"
                   for v in (values if isinstance(values, (list, tuple)) else [values])]
    out_headers.append(("Content-Length", str(len(payload))))
    start_response(_status_line(response.status), out_headers)
    return [payload]


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Status {status}"


def _reply(start_response: StartResponse, status: str, body: bytes, content_type: str = "text/plain; charset=utf-8") -> Iterable[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]
