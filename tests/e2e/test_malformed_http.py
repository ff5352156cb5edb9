"""Malformed, mistyped and misrouted requests to the real HTTP server, signed and not: a 4xx, one log line, no traceback.

Issue #18, point 2. Every case is made from one of Slack's three shapes (a command form, an
interaction form, an Events API envelope), each carrying a marker word that must never reach the
log: wrong content types, other encodings, every kind of truncation, deep nesting, fields of the
wrong type, and shapes sent the wrong way. Requests go one at a time, so the log lines written
while a request was answered are that request's.
"""
from __future__ import annotations

import gzip
import http.client
import json
import logging
import random
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from tests.e2e.conftest import CHANNEL, SECRET, RunningBot, bot_on_sqlite
from tests.slack_double import SignedHttpClient, SlackDouble, event_envelope
from tests.slack_double.clock import PATIENCE
from tests.slack_double.payloads import VERIFICATION_TOKEN, now_ts
from tests.trust_profiles import FUZZ_ROUNDS

MARK = "ConfidentialADC7781"
FORM, JSON = "application/x-www-form-urlencoded", "application/json"
WRONG_TYPES: tuple[Any, ...] = (None, 7, -1.5, "x", "", [], [7], ["x"], {}, {"id": 7}, {"id": ["x"]}, True)


@dataclass
class Case:
    """One request Slack never sends; `refused` when any well-behaved edge must answer it 4xx."""

    label: str
    content_type: str | None
    body: bytes
    refused: bool = True
    method: str = "POST"
    path: str = "/slack/events"


@pytest.fixture
def served(slack: SlackDouble, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Iterator[RunningBot]:
    caplog.set_level(logging.WARNING)
    with bot_on_sqlite(slack, tmp_path, "http") as bot:
        yield bot


def shapes(slack: SlackDouble) -> dict[str, tuple[str, dict[str, Any]]]:
    """Slack's three shapes, each with the marker in what a person typed."""
    command = {"token": VERIFICATION_TOKEN, "team_id": slack.team_id, "channel_id": CHANNEL, "user_id": "UMARIA", "text": f"{MARK} help",
               "trigger_id": slack.issue_trigger("UMARIA"), "response_url": slack.issue_response_url("UMARIA", CHANNEL),
               "command": "/alliance"}  # last, so that no shorter prefix of the form is a whole command
    ts = now_ts()
    click = {"type": "block_actions", "user": {"id": "UMARIA", "team_id": slack.team_id}, "api_app_id": slack.app_id,
             "token": VERIFICATION_TOKEN, "trigger_id": slack.issue_trigger("UMARIA"), "team": {"id": slack.team_id},
             "enterprise": None, "channel": {"id": CHANNEL}, "container": {"type": "message", "message_ts": ts, "channel_id": CHANNEL},
             "message": {"type": "message", "ts": ts, "text": MARK}, "response_url": slack.issue_response_url("UMARIA", CHANNEL, ts),
             "state": {"values": {}}, "actions": [{"action_id": "consensus_support", "block_id": "b", "type": "button", "value": MARK,
                                                   "action_ts": ts}]}
    event = event_envelope(slack, {"type": "app_mention", "user": "UMARIA", "text": MARK, "channel": CHANNEL, "ts": ts, "event_ts": ts})
    return {"command": ("form", command), "interaction": ("payload", click), "event": ("json", event)}


def encode(kind: str, value: dict[str, Any]) -> bytes:
    if kind == "form":
        return urlencode(value).encode()
    if kind == "payload":
        return urlencode({"payload": json.dumps(value)}).encode()
    return json.dumps(value).encode()


def cases(slack: SlackDouble, rng: random.Random) -> list[Case]:
    found: list[Case] = []
    for name, (kind, value) in shapes(slack).items():
        body, right = encode(kind, value), JSON if kind == "json" else FORM
        # Content types Slack does not send this shape with.
        for content_type in (None, "", "text/plain", "application/xml", "multipart/form-data; boundary=x", "application/octet-stream",
                             "*/*", "json", "application/jsonx", FORM + "x", "application/x-www-form-urlencoded-json", right + ",text/html"):
            found.append(Case(f"{name} as {content_type!r}", content_type, body))
        found.append(Case(f"{name} as the other shape's type", FORM if right == JSON else JSON, body))
        # Other encodings: UTF-16/32 (with and without BOM), a UTF-8 BOM, Latin-1, gzip, NUL and invalid UTF-8.
        text = body.decode()
        for label, mangled in (("utf-16", text.encode("utf-16")), ("utf-16-le", text.encode("utf-16-le")), ("utf-32", text.encode("utf-32")),
                               ("utf-8 BOM", b"\xef\xbb\xbf" + body), ("gzip", gzip.compress(body)), ("latin-1", body + "Ü".encode("latin-1")),
                               ("overlong", body.replace(b"a", b"\xc0\xe1", 1)), ("NUL", body.replace(b"a", b"\x00", 1)),
                               ("%ff", body.replace(b"a", b"%ff", 1) if kind != "json" else body.replace(b"a", b"\\udc00\xff", 1))):
            found.append(Case(f"{name} in {label}", right, mangled))
        # Truncated anywhere. No proper prefix is a request Slack could send, except a command cut
        # inside its name ("/allian"), which is well-formed: Bolt has no listener for it (404).
        cuts = {0, 1, len(body) - 1, *(rng.randrange(1, len(body)) for _ in range(FUZZ_ROUNDS))}
        found.extend(Case(f"{name} cut at {cut}", right, body[:cut], refused=b"command=%2F" not in body[:cut]) for cut in sorted(cuts))
        # Misrouted: the other shapes' wrappers around this one's content.
        for other in ("form", "payload", "json"):
            if other != kind:
                found.append(Case(f"{name} sent as {other}", JSON if other == "json" else FORM, encode(other, value)))
    command, click, event = (value for _kind, value in shapes(slack).values())
    found += [Case("a form with both payload and command", FORM, urlencode({"payload": json.dumps(click), **command}).encode()),
              Case("a form with neither", FORM, urlencode({"text": MARK, "token": "x"}).encode()),
              Case("a field given twice", FORM, encode("form", command) + b"&text=" + MARK.encode()),
              Case("a command without a slash", FORM, encode("form", {**command, "command": "alliance"})),
              Case("too many fields", FORM, "&".join(f"f{n}={MARK}" for n in range(500)).encode())]
    for payload in ("{not json", "[]", "null", '"x"', "1", "{}", f'{{"type": 7, "x": "{MARK}"}}', '{"type": null}'):
        found.append(Case(f"payload={payload}", FORM, urlencode({"payload": payload}).encode()))
        found.append(Case(f"JSON body {payload}", JSON, payload.encode()))
    # Nested deeper than any parser's stack, and nested a little (parsed, then handled or not by Bolt).
    for depth in (50, 5_000, 150_000):  # the deepest just under the 1 MB body limit
        deep = "[" * depth + "]" * depth
        found.append(Case(f"event nested {depth}", JSON, f'{{"type": "event_callback", "event": {deep}}}'.encode(), refused=depth > 50))
        found.append(Case(f"payload nested {depth}", FORM, urlencode({"payload": f'{{"type": "block_actions", "actions": {deep}}}'}).encode(),
                          refused=depth > 50))
        found.append(Case(f"objects nested {depth}", JSON, ('{"a":' * depth + "1" + "}" * depth).encode()))
    # Mistyped: each field Bolt or the bot reads, replaced by a value of another type. These are
    # well-formed, so they may reach Bolt: the answer may be 200 or 404, never a 5xx or a traceback.
    for name, kind, value in (("interaction", "payload", click), ("event", "json", event)):
        for key in sorted(value):
            for wrong in rng.sample(WRONG_TYPES, 4):
                found.append(Case(f"{name} with {key}={wrong!r}", FORM if kind == "payload" else JSON, encode(kind, {**value, key: wrong}),
                                  refused=key == "type"))
        for key in ("user", "team", "channel", "container", "view", "message", "event", "authorizations"):
            for wrong in rng.sample(WRONG_TYPES, 3):
                found.append(Case(f"{name} with a {key} of the wrong type inside", FORM if kind == "payload" else JSON,
                                  encode(kind, {**value, key: [wrong, {"id": wrong, "type": wrong, "team_id": wrong}]}), refused=False))
    found += [Case("GET", None, b"", method="GET"), Case("another path", FORM, encode("form", command), path="/slack/event"),
              Case("PUT", FORM, encode("form", command), method="PUT")]
    return found


def post(url: str, case: Case, headers: dict[str, str]) -> int:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=PATIENCE)
    try:
        if case.content_type is not None:
            headers = {**headers, "Content-Type": case.content_type}
        connection.request(case.method, case.path, body=case.body if case.method != "GET" else None, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def raw(url: str, request: bytes) -> int:
    """Bytes no HTTP client library would send; the status of the answer."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname or "", parts.port or 80), timeout=PATIENCE) as sock:
        sock.sendall(request)
        status_line = sock.makefile("rb").readline()
    return int(status_line.split()[1])


def logged_trouble(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Log records that are tracebacks or errors, or that quote a body."""
    return [f"{r.name}: {r.getMessage()[:200]}" for r in caplog.records
            if r.exc_info or r.levelno >= logging.ERROR or MARK in r.getMessage() or "Traceback" in r.getMessage()]


def test_malformed_requests_get_a_4xx_and_one_log_line(served: RunningBot, caplog: pytest.LogCaptureFixture) -> None:
    bot = served
    url = bot.transport.client.app_url
    signer = SignedHttpClient(url, SECRET)
    all_cases = cases(bot.slack, random.Random(18))
    answers: list[tuple[str, bool, int, int]] = []
    for case in all_cases:
        for signed in (True, False):
            ts = str(int(time.time()))
            headers = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signer.sign(case.body, ts) if signed else "v0=" + "0" * 64}
            before = len(caplog.records)
            status = post(url, case, headers)
            answers.append((case.label, signed, status, len(caplog.records) - before))
    bot.settle()

    server_errors = [(label, signed, status) for label, signed, status, _ in answers if status >= 500]
    assert not server_errors, server_errors
    refused = {case.label for case in all_cases if case.refused}
    accepted = [(label, signed, status) for label, signed, status, _ in answers if (label in refused or not signed) and status < 400]
    assert not accepted, accepted
    chatty = [(label, signed, lines) for label, signed, status, lines in answers if status >= 400 and lines != 1]
    assert not chatty, chatty
    assert logged_trouble(caplog) == []
    print(f"\nmalformed HTTP: {len(answers)} requests ({len(all_cases)} cases, signed and not): "
          f"{sum(1 for a in answers if 400 <= a[2] < 500)} answered 4xx, 0 answered 5xx, 0 tracebacks")


def test_broken_http_gets_a_4xx_and_the_server_carries_on(served: RunningBot, caplog: pytest.LogCaptureFixture) -> None:
    url = served.transport.client.app_url
    head = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    for request in (head + b"Content-Length: abc\r\n\r\n{}", head + b"Content-Length: -1\r\n\r\n{}",
                    head + b"Content-Length: 1\r\nContent-Length: 2\r\n\r\n{}",
                    head + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
                    head + b"Content-Length: 2000000\r\n\r\n",  # refused (413) before a byte of the body is sent
                    head + b"no colon here\r\n\r\n", b"GARBAGE\r\n\r\n", b"POST /slack/events HTTP/9.9\r\n\r\n"):
        assert 400 <= raw(url, request) < 500, request[:120]
    assert logged_trouble(caplog) == []
    form = {"command": "/alliance", "text": "help", "user_id": "UMARIA", "channel_id": CHANNEL, "team_id": served.slack.team_id,
            "trigger_id": served.slack.issue_trigger("UMARIA"), "response_url": served.slack.issue_response_url("UMARIA", CHANNEL)}
    assert SignedHttpClient(url, SECRET).command(form).status == 200
