"""The calendar feeds over HTTP: GET /calendar/<token>.ics, with ETag and Last-Modified so that pollers cost little.

Served by the bot's HTTP server (`SlackHttpEdge` routes the path here) and, in Socket Mode, on
`alliancebot run --feed-port`. A token that opens no feed gets 404 and nothing else: no hint of
whether it ever existed.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from bot.services import Services
from bot.usecases.feeds import FEED_PATH, render

logger = logging.getLogger(__name__)

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


class FeedApp:
    """The WSGI app of the feeds."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        token = path[len(FEED_PATH):-len(".ics")] if path.startswith(FEED_PATH) and path.endswith(".ics") else ""
        if not TOKEN.fullmatch(token):
            return _plain(start_response, "404 Not Found", b"Not Found")
        if method not in ("GET", "HEAD"):
            return _plain(start_response, "405 Method Not Allowed", b"Use GET", [("Allow", "GET, HEAD")])
        rendered = render(self.services, token)
        if rendered is None:
            return _plain(start_response, "404 Not Found", b"Not Found")
        etag = f'"{rendered.etag}"'
        headers = [("ETag", etag), ("Last-Modified", format_datetime(rendered.changed_at.replace(microsecond=0), usegmt=True)),
                   ("Cache-Control", "private, max-age=300")]
        if _not_modified(environ, etag, rendered.changed_at.timestamp()):
            start_response("304 Not Modified", headers)
            return [b""]
        start_response("200 OK", [("Content-Type", "text/calendar; charset=utf-8"), ("Content-Length", str(len(rendered.body))),
                                  *headers])
        return [b"" if method == "HEAD" else rendered.body]


def _not_modified(environ: dict[str, Any], etag: str, changed: float) -> bool:
    """RFC 9110: If-None-Match decides when present; else If-Modified-Since at or after the last change."""
    matches = environ.get("HTTP_IF_NONE_MATCH")
    if matches:
        return etag in [m.strip().removeprefix("W/") for m in matches.split(",")] or matches.strip() == "*"
    since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if since:
        try:
            return parsedate_to_datetime(since).timestamp() >= int(changed)
        except (TypeError, ValueError):
            return False
    return False


def _plain(start_response: StartResponse, status: str, body: bytes, extra: list[tuple[str, str]] | None = None) -> Iterable[bytes]:
    start_response(status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))), *(extra or [])])
    return [body]
