"""Pieces of the payloads Slack sends to apps, in Slack's own shapes (see tests/fixtures/slack/)."""
from __future__ import annotations

import copy
import secrets
import time
import uuid
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.slack_double.double import SlackDouble
    from tests.slack_double.state import Message

VERIFICATION_TOKEN = "verification-token"
TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_input", "rich_text_input"}
# Where each element keeps its value in `state.values`, and where its initial value sits in the element.
VALUE_FIELDS: dict[str, tuple[str, str]] = {
    "plain_text_input": ("value", "initial_value"), "email_text_input": ("value", "initial_value"),
    "url_text_input": ("value", "initial_value"), "number_input": ("value", "initial_value"),
    "static_select": ("selected_option", "initial_option"), "external_select": ("selected_option", "initial_option"),
    "radio_buttons": ("selected_option", "initial_option"), "multi_static_select": ("selected_options", "initial_options"),
    "multi_external_select": ("selected_options", "initial_options"), "checkboxes": ("selected_options", "initial_options"),
    "users_select": ("selected_user", "initial_user"), "multi_users_select": ("selected_users", "initial_users"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "channels_select": ("selected_channel", "initial_channel"), "multi_channels_select": ("selected_channels", "initial_channels"),
    "datepicker": ("selected_date", "initial_date"), "timepicker": ("selected_time", "initial_time"),
    "datetimepicker": ("selected_date_time", "initial_date_time"),
}
MULTI = {kind for kind in VALUE_FIELDS if kind.startswith("multi_")} | {"checkboxes"}


def _random_id() -> str:
    """Slack's generated block_id / action_id: a few url-safe characters."""
    return secrets.token_urlsafe(4)[:5]


def fill_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A copy of `blocks` with the block_ids and action_ids Slack generates when an app leaves them out."""
    filled = copy.deepcopy(blocks)
    for block in filled:
        if isinstance(block, dict):
            block.setdefault("block_id", _random_id())
            elements = [block.get("element"), block.get("accessory")] + (block.get("elements") or [] if block.get("type") == "actions" else [])
            for element in elements:
                if isinstance(element, dict) and (element.get("type") in VALUE_FIELDS or element.get("type") in ("button", "overflow")):
                    element.setdefault("action_id", _random_id())
    return filled


def stateful_elements(blocks: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(block, element) for every element that keeps a value: inputs, and selects/pickers in actions or sections."""
    found: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for block in blocks:
        if block.get("type") == "input":
            candidates = [block.get("element")]
        elif block.get("type") == "actions":
            candidates = block.get("elements") or []
        elif block.get("type") == "section":
            candidates = [block.get("accessory")]
        else:
            continue
        found.extend((block, e) for e in candidates if isinstance(e, dict) and e.get("type") in VALUE_FIELDS)
    return found


def state_values(blocks: list[dict[str, Any]], chosen: dict[tuple[str, str], Any] | None = None,
                 *, submission: bool = True) -> dict[str, dict[str, dict[str, Any]]]:
    """`state.values` as Slack builds it: chosen values, else initial values, else empty.

    In a view_submission an empty text input carries `value: null`; in a message's block_actions state Slack omits it.
    """
    chosen = chosen or {}
    values: dict[str, dict[str, dict[str, Any]]] = {}
    for block, element in stateful_elements(blocks):
        kind = element["type"]
        field, initial = VALUE_FIELDS[kind]
        key = (block.get("block_id", ""), element.get("action_id", ""))
        value = chosen[key] if key in chosen else element.get(initial, [] if kind in MULTI else None)
        entry: dict[str, Any] = {"type": kind}
        if value is not None or not (kind in TEXT_INPUTS and not submission):
            entry[field] = value
        values.setdefault(key[0], {})[key[1]] = entry
    return values


def user_obj(double: SlackDouble, user_id: str) -> dict[str, Any]:
    """The `user` object of interactivity payloads; team_id is the person's own (home) team."""
    user = double.ws.users[user_id]
    return {"id": user.user_id, "username": user.name, "name": user.name, "team_id": user.team_id}


def team_obj(double: SlackDouble, team_id: str | None = None) -> dict[str, Any]:
    """The `team` object: the installing workspace unless told otherwise."""
    team = double.ws.teams[team_id or double.team_id]
    return {"id": team.team_id, "domain": team.domain}


def message_obj(double: SlackDouble, message: Message) -> dict[str, Any]:
    """A message as interactivity payloads carry it."""
    item = double.api.message_api(message)
    item.pop("metadata", None)  # metadata only travels with include_all_metadata / message_metadata events
    return item


def view_for_payload(view: dict[str, Any], values: dict[str, Any] | None = None) -> dict[str, Any]:
    """A stored view as it appears inside a payload, with the given state."""
    return {**copy.deepcopy(view), "state": {"values": values or {}}}


def now_ts() -> str:
    """An action_ts / event_ts like Slack's."""
    return f"{time.time():.6f}"


def authorization(double: SlackDouble, team_id: str) -> dict[str, Any]:
    """One entry of an event's `authorizations`: an installation, named by its team and bot user."""
    return {"enterprise_id": None, "team_id": team_id, "user_id": double.ws.installations[team_id].bot_user_id, "is_bot": True,
            "is_enterprise_install": False}


def event_envelope(double: SlackDouble, event: dict[str, Any], event_id: str | None = None,
                   is_ext_shared_channel: bool = False, team_id: str | None = None,
                   visible_to: list[str] | None = None) -> dict[str, Any]:
    """An Events API `event_callback` in Slack's shape, authorised for the installation of `team_id` (default: the home one).

    Slack delivers an event once per app, its `authorizations` holding at most one installation the event is
    visible to (changelog 2020-09-15, "Events API: truncate authed users"); the outer `team_id` is that
    installation's team here. `visible_to`: the teams of every installation that can see it, which
    apps.event.authorizations.list answers for its `event_context` (default: just that one).
    """
    team_id = team_id or double.team_id
    context = f"4-{uuid.uuid4().hex}"
    with double.ws.lock:
        named = authorization(double, team_id)
        double.ws.event_contexts[context] = [authorization(double, t) for t in (visible_to or [team_id])]
    return {"token": VERIFICATION_TOKEN, "team_id": team_id, "enterprise_id": None, "api_app_id": double.app_id,
            "event": event, "type": "event_callback", "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()), "authorizations": [named],
            "is_ext_shared_channel": is_ext_shared_channel, "event_context": context}
