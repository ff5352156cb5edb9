"""Slack's three HTTP shapes, read from recorded requests; everything else refused with a reason and a 4xx."""
from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from bot.slack_edge.http_body import FORM, JSON, Unreadable, read_slack_body
from tests.samples import sample_path

COMMAND = sample_path("slash_commands", "slash_command.form-urlencoded.txt").read_bytes().strip()
PARSED_COMMAND = json.loads(sample_path("slash_commands", "slash_command.parsed.json").read_text())
CLICK = json.loads(sample_path("interactivity", "block_actions.button.json").read_text())
EVENT = json.loads(sample_path("events", "reaction_added.event_callback.json").read_text())
CHALLENGE = json.loads(sample_path("events", "url_verification.json").read_text())


def test_the_recorded_requests_read_as_bolt_and_socket_mode_carry_them() -> None:
    assert read_slack_body(FORM, COMMAND) == PARSED_COMMAND
    assert read_slack_body("application/x-www-form-urlencoded; charset=UTF-8", COMMAND) == PARSED_COMMAND
    assert read_slack_body(FORM, urlencode({"payload": json.dumps(CLICK)}).encode()) == CLICK
    assert read_slack_body(JSON, json.dumps(EVENT).encode()) == EVENT
    assert read_slack_body("Application/JSON; charset=utf-8", json.dumps(CHALLENGE).encode()) == CHALLENGE
    assert read_slack_body(FORM, b"ssl_check=1&token=x") == {"ssl_check": "1", "token": "x"}


@pytest.mark.parametrize("word", ["payload", "type", "token", "challenge", "command", "ssl_check", "{", "payload={}"])
def test_what_a_person_types_never_changes_how_a_command_is_read(word: str) -> None:
    body = urlencode({**PARSED_COMMAND, "text": f"{word} {word}=1&{word}"}).encode()
    assert read_slack_body(FORM, body)["command"] == "/hello-world"


@pytest.mark.parametrize(("content_type", "body", "status"), [
    (FORM, urlencode({"payload": "{not json"}).encode(), 400),
    (FORM, urlencode({"payload": "[]"}).encode(), 400),
    (FORM, urlencode({"payload": "null"}).encode(), 400),
    (FORM, urlencode({"payload": '"x"'}).encode(), 400),
    (FORM, urlencode({"payload": '{"no": "type"}'}).encode(), 400),
    (FORM, urlencode({"payload": json.dumps(CLICK), "command": "/x"}).encode(), 400),
    (FORM, COMMAND + b"&command=%2Fagain", 400),
    (FORM, b"command=hello", 400),
    (FORM, b"token=x&text=hi", 400),
    (FORM, b"payload", 400),
    (FORM, b"text=%ff", 400),
    (FORM, b"\xff\xfe", 400),
    (FORM, b"", 400),
    (FORM, b"&".join(b"f%d=1" % n for n in range(200)), 400),
    (JSON, b"[" * 100_000 + b"]" * 100_000, 400),
    (JSON, json.dumps(EVENT)[:-1].encode(), 400),
    (JSON, json.dumps(EVENT).encode("utf-16"), 400),
    (JSON, b"\xef\xbb\xbf" + json.dumps(EVENT).encode(), 400),
    (JSON, b'{"type": 7}', 400),
    (JSON, json.dumps(CLICK).encode(), 400),
    (FORM, urlencode({"payload": json.dumps(EVENT)}).encode(), 400),
    (None, COMMAND, 415),
    ("text/plain", COMMAND, 415),
    ("multipart/form-data; boundary=x", COMMAND, 415),
])
def test_anything_else_is_refused_with_a_reason_that_quotes_nothing(content_type: str | None, body: bytes, status: int) -> None:
    with pytest.raises(Unreadable) as refused:
        read_slack_body(content_type, body)
    assert refused.value.status == status
    assert "hello" not in str(refused.value) and "{" not in str(refused.value)
