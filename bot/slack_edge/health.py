"""/healthz: the database answers and, in Socket Mode, the connection to Slack is up."""
from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable
from typing import Any

from storage.db import Database

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def health_answer(db: Database, connection: Any = None) -> tuple[int, dict[str, Any]]:
    """200 with what was checked, or 503 naming what is down. `connection` has alive() and status()."""
    body: dict[str, Any] = {"ok": True, "pid": os.getpid()}
    try:
        db.ping()
    except Exception as error:
        logger.warning("health check: database unavailable (%s)", type(error).__name__)
        return 503, {"ok": False, "database": "unavailable"}
    if connection is not None:
        body.update(connection.status())
        if not connection.alive():
            body["ok"] = False
            return 503, body
    return 200, body


def reply_health(start_response: StartResponse, db: Database, connection: Any = None) -> Iterable[bytes]:
    """The WSGI answer to GET /healthz."""
    status, body = health_answer(db, connection)
    payload = json.dumps(body).encode()
    start_response("200 OK" if status == 200 else "503 Service Unavailable",
                   [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]


class HealthApp:
    """A WSGI app with only /healthz, for Socket Mode (which serves nothing else over HTTP)."""

    def __init__(self, db: Database, connection: Any) -> None:
        self.db, self.connection = db, connection

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return reply_health(start_response, self.db, self.connection)
        start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
        return [b"not found"]
