"""What Slack POSTed over HTTP, told apart by how Slack sends it, never by the words people typed.

Slack sends three shapes to one Request URL:

- a slash command: `application/x-www-form-urlencoded`, one form field per value, `command` among them;
- an interaction (click, form, shortcut): `application/x-www-form-urlencoded` with one field,
  `payload`, holding a JSON object;
- an Events API delivery: `application/json`, an envelope object whose `type` is one of `ENVELOPES`.

(And `ssl_check=1` forms, Slack's check of a slash command's URL, which Bolt answers.) Anything
else cannot be Slack's and is refused with the 4xx in `Unreadable.status`. Bolt's own parser guesses
from the raw text instead (`"payload" in body`), which sends a command whose text says "payload"
nowhere (issue #18).
"""
from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from jsonschema import Draft202012Validator

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
MAX_FIELDS = 100  # a slash command has about 15; more is not Slack
_ENCODED_FORM = re.compile(r"[\x21-\x7e]*")  # URL-encoding leaves no space, control character or non-ASCII raw
_FIELD_NAME = re.compile(r"[a-z][a-z0-9_]*")  # Slack's form fields: command, text, trigger_id, payload, ssl_check, …
ENVELOPES = frozenset({"event_callback", "url_verification", "app_rate_limited"})  # the Events API's outer types


def _object(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


_ID = {"type": "string"}
_ID_OR_NULL = {"type": ["string", "null"]}
_OWNER = {"type": ["object", "string", "null"], "properties": {"id": _ID, "team_id": _ID_OR_NULL, "enterprise_id": _ID_OR_NULL}}
_AUTHORIZATIONS = {"type": "array", "items": _object(team_id=_ID_OR_NULL, enterprise_id=_ID_OR_NULL, user_id=_ID_OR_NULL,
                                                     is_enterprise_install={"type": "boolean"})}
_VIEW = _object(id=_ID, type=_ID, callback_id=_ID, team_id=_ID_OR_NULL, app_installed_team_id=_ID_OR_NULL)
# The types of the fields Bolt and the middleware read, in any body, to route a request and build its
# context, as Slack sends them: on others Bolt raises deep in its dispatch (a 500). The fields only
# listeners read are read leniently by bot/slack_edge/payloads.py instead.
_BOLT_READS = Draft202012Validator(_object(
    type=_ID, user=_OWNER, team=_OWNER, enterprise=_OWNER, channel=_OWNER, authorizations=_AUTHORIZATIONS,
    team_id=_ID_OR_NULL, enterprise_id=_ID_OR_NULL, user_id=_ID_OR_NULL, channel_id=_ID_OR_NULL, api_app_id=_ID, token=_ID,
    is_enterprise_install={"type": ["boolean", "string"]}, is_ext_shared_channel={"type": "boolean"},
    container=_object(channel_id=_ID, message_ts=_ID, thread_ts=_ID, view_id=_ID), message=_object(ts=_ID, thread_ts=_ID),
    view=_VIEW, actions={"type": "array", "items": _object(action_id=_ID, block_id=_ID, type=_ID)},
    callback_id=_ID, trigger_id=_ID, response_url=_ID, event_id=_ID, challenge=_ID,
    function_data={"type": "object"}, bot_access_token=_ID,
    event={"type": "object", "properties": {
        "type": _ID, "subtype": _ID, "user": _OWNER, "channel": _OWNER, "team": _OWNER, "user_team": _ID, "bot_id": _ID_OR_NULL,
        "thread_ts": _ID, "ts": _ID, "view": _VIEW, "item": {"type": "object"}, "message": {"type": "object"},
        "function_execution_id": _ID, "inputs": {"type": "object"}, "bot_access_token": _ID}}))


class Unreadable(ValueError):
    """A body that is none of Slack's shapes. The message names the problem and never quotes the body."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.status = status


def read_slack_body(content_type: str | None, body: bytes) -> dict[str, Any]:
    """The body as Bolt (and Socket Mode) carries it: a command's fields, an interaction's payload, or an event envelope."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type == JSON:
        envelope = _typed_object(_text(body), "the JSON body")
        if envelope["type"] not in ENVELOPES:
            raise Unreadable("a JSON body that is not an Events API envelope")
        return _checked(envelope)
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
    if not _ENCODED_FORM.fullmatch(text):
        raise Unreadable("a form with characters that are not URL-encoded")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True, errors="strict", max_num_fields=MAX_FIELDS)
    except ValueError:  # a field without "=", too many fields, a %-escape that is not UTF-8
        raise Unreadable("not a well-formed form") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise Unreadable("a form field given twice")
    if not all(_FIELD_NAME.fullmatch(name) for name in fields):
        raise Unreadable("a form field name Slack does not use")
    if "payload" in fields and "command" in fields:
        raise Unreadable("a form with both an interaction payload and a command")
    if "payload" in fields:
        payload = _typed_object(fields["payload"], "the interaction payload")
        if payload["type"] in ENVELOPES:
            raise Unreadable("an Events API envelope sent as an interaction")
        return _checked(payload)
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
    if not isinstance(value.get("type"), str) or not value["type"]:
        raise Unreadable(f"{what} has no type")
    return value


def _checked(value: dict[str, Any]) -> dict[str, Any]:
    error = next(_BOLT_READS.iter_errors(value), None)
    if error is not None:  # names the field, never its value
        raise Unreadable(f"field {'.'.join(str(part) for part in error.absolute_path)} is of the wrong type")
    return value
