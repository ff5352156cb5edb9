"""What Slack POSTed over HTTP, told apart by how Slack sends it, never by the words people typed.

Slack sends three shapes to one Request URL:

- a slash command: `application/x-www-form-urlencoded`, one form field per value, `command` among them;
- an interaction (click, form, shortcut): `application/x-www-form-urlencoded` with one field,
  `payload`, holding a JSON object;
- an Events API delivery: `application/json`, an envelope object with a `type`.

(And `ssl_check=1` forms, Slack's check of a slash command's URL, which Bolt answers.) Anything
else cannot be Slack's and is refused with the 4xx in `Unreadable.status`. Bolt's own parser guesses
from the raw text instead (`"payload" in body`), which sends a command whose text says "payload"
nowhere (issue #18).
"""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
MAX_FIELDS = 100  # a slash command has about 15; more is not Slack


class Unreadable(ValueError):
    """A body that is none of Slack's shapes. The message names the problem and never quotes the body."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.status = status


def read_slack_body(content_type: str | None, body: bytes) -> dict[str, Any]:
    """The body as Bolt (and Socket Mode) carries it: a command's fields, an interaction's payload, or an event envelope."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type == JSON:
        return _typed_object(_text(body), "the JSON body")
    if media_type == FORM:
        return _form(_text(body))
    raise Unreadable("not a content type Slack sends", 415)


def _text(body: bytes) -> str:
    if not body:
        raise Unreadable("empty body")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise Unreadable("body is not UTF-8") from None


def _form(text: str) -> dict[str, Any]:
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict", max_num_fields=MAX_FIELDS)
    except ValueError:  # a field without "=", too many fields, a %-escape that is not UTF-8
        raise Unreadable("not a well-formed form") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise Unreadable("a form field given twice")
    if "payload" in fields and "command" in fields:
        raise Unreadable("a form with both an interaction payload and a command")
    if "payload" in fields:
        return _typed_object(fields["payload"], "the interaction payload")
    if "command" in fields:
        if not fields["command"].startswith("/"):
            raise Unreadable("a command that does not start with /")
        return fields
    if fields.get("ssl_check") == "1":
        return fields
    raise Unreadable("a form that is neither a command nor an interaction")


def _typed_object(text: str, what: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser's stack
        raise Unreadable(f"{what} is not JSON") from None
    if not isinstance(value, dict):
        raise Unreadable(f"{what} is not a JSON object")
    if not isinstance(value.get("type"), str):
        raise Unreadable(f"{what} has no type")
    return value
