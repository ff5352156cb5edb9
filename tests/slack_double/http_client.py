"""Requests to the app's HTTP endpoint, signed as Slack signs them (or deliberately not)."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tests.slack_double.clock import PATIENCE


@dataclass
class HttpResult:
    """The app's HTTP answer and how long it took."""

    status: int
    body: bytes
    headers: dict[str, str]
    latency: float


class SignedHttpClient:
    """Posts Slack's wire formats to `app_url` with X-Slack-Signature and X-Slack-Request-Timestamp."""

    def __init__(self, app_url: str, signing_secret: str, timeout: float = PATIENCE) -> None:
        self.app_url = app_url
        self.secret = signing_secret
        self.timeout = timeout

    def sign(self, body: bytes, timestamp: str, secret: str | None = None) -> str:
        """v0=hex(HMAC-SHA256(secret, "v0:{ts}:{body}")), Slack's request signature."""
        base = b"v0:" + timestamp.encode() + b":" + body
        return "v0=" + hmac.new((secret or self.secret).encode(), base, hashlib.sha256).hexdigest()

    def send(self, body: bytes, content_type: str, timestamp: str | None = None, signature: str | None = None,
             headers: dict[str, str] | None = None, *, forged: bool = False, stale_seconds: int = 0, tamper: bool = False) -> HttpResult:
        """POST `body` signed like Slack; forged/stale_seconds/tamper/timestamp/signature make requests Slack never sends."""
        ts = timestamp if timestamp is not None else str(int(time.time()) - stale_seconds)
        sig = signature if signature is not None else self.sign(body, ts, "forged-secret" if forged else None)
        # Tampering changes the body after signing, as a man in the middle would.
        sent = body + (b" " if content_type.startswith("application/json") else b"&x=1") if tamper else body
        request = urllib.request.Request(self.app_url, data=sent, method="POST", headers={
            "Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig, **(headers or {})})
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return HttpResult(response.status, response.read(), dict(response.headers), time.monotonic() - started)
        except urllib.error.HTTPError as error:
            return HttpResult(error.code, error.read(), dict(error.headers), time.monotonic() - started)

    def command(self, form: dict[str, Any], **variant: Any) -> HttpResult:
        """A slash command: form-encoded fields."""
        return self.send(urlencode(form).encode(), "application/x-www-form-urlencoded", **variant)

    def interactive(self, payload: dict[str, Any], **variant: Any) -> HttpResult:
        """An interaction: one form field `payload` holding the JSON."""
        return self.send(urlencode({"payload": json.dumps(payload)}).encode(), "application/x-www-form-urlencoded", **variant)

    def event(self, envelope: dict[str, Any], retry_num: int | None = None, retry_reason: str | None = None, **variant: Any) -> HttpResult:
        """An Events API delivery: JSON, with retry headers on redeliveries."""
        headers = dict(variant.pop("headers", None) or {})
        if retry_num is not None:
            headers.update({"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason or "http_timeout"})
        return self.send(json.dumps(envelope).encode(), "application/json", headers=headers, **variant)
