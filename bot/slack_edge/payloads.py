"""Parse Slack payloads once, at the edge, into plain typed values."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.domain.consensus import Level
from bot.domain.errors import UserError


@dataclass(frozen=True)
class CommandCall:
    """A slash command invocation."""

    command: str
    text: str
    user_id: str
    channel_id: str
    team_id: str
    enterprise_id: str | None
    trigger_id: str

    @classmethod
    def parse(cls, body: Mapping[str, Any]) -> CommandCall:
        """Read a slash command body (form fields in HTTP, the same keys in Socket Mode)."""
        try:
            return cls(command=str(body["command"]), text=str(body.get("text") or ""), user_id=str(body["user_id"]),
                       channel_id=str(body["channel_id"]), team_id=str(body.get("team_id") or ""),
                       enterprise_id=body.get("enterprise_id") or None, trigger_id=str(body.get("trigger_id") or ""))
        except KeyError as error:
            raise UserError("Slack sent this command without the field " + str(error) + "; please try again.") from error


@dataclass(frozen=True)
class Actor:
    """Who did something, with their home team (in Slack Connect, not the installing team)."""

    user_id: str
    team_id: str

    @classmethod
    def from_interaction(cls, body: Mapping[str, Any]) -> Actor:
        """`user.team_id` is the actor's own company; `team.id` is the workspace that installed us."""
        user, team = _mapping(body.get("user")), _mapping(body.get("team"))
        if not isinstance(user.get("id"), str) or not user["id"]:
            raise UserError("Slack sent this action without a user; please try again.")
        return cls(user["id"], str(user.get("team_id") or team.get("id") or ""))


@dataclass(frozen=True)
class ReceivedVote:
    """A vote as Slack delivered it (a Support click or a concern form), before it is checked against its decision."""

    installation_id: int
    decision_id: int
    user_id: str
    level: Level
    concern: str | None
    # What identifies this delivery (middleware.delivery_key): recorded with the vote, so that a
    # redelivery of the same click or form changes nothing.
    delivery: str | None


def state_values(view: Mapping[str, Any]) -> dict[str, Any]:
    """Flatten `view.state.values` to {block_id: value} with each element type's value field."""
    values: dict[str, Any] = {}
    # Malformed state (a list, or elements that are not objects) reads as empty fields, which the
    # form's own checks then refuse with a message, rather than as a crash.
    for block_id, actions in _mapping(_mapping(_mapping(view).get("state")).get("values")).items():
        for element in _mapping(actions).values():
            if isinstance(element, Mapping):
                values[block_id] = _element_value(element)
    return values


def text_field(values: Mapping[str, Any], block_id: str) -> str:
    """A text field of `state_values`: "" when absent or not text (a forged payload can put a
    multi-select's list where a text input was)."""
    value = values.get(block_id)
    return value if isinstance(value, str) else ""


def list_field(values: Mapping[str, Any], block_id: str) -> tuple[str, ...]:
    """A multi-select field of `state_values`: () when absent or not a list of text."""
    value = values.get(block_id)
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def date_field(values: Mapping[str, Any], block_id: str) -> date | None:
    """A date picker's day in `state_values`: None when none was picked; a `UserError` when the value is not a
    day (the picker sends YYYY-MM-DD; a forged payload can send anything)."""
    value = values.get(block_id)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise UserError("Pick a date from the calendar.") from None


def _mapping(value: Any) -> Mapping[str, Any]:
    """`value` when it is a JSON object, else an empty one."""
    return value if isinstance(value, Mapping) else {}


def _element_value(element: Mapping[str, Any]) -> Any:
    """The element's value with the type Slack gives it; anything else (a forged payload) reads as empty."""
    kind = element.get("type")
    if kind in ("static_select", "external_select", "radio_buttons"):
        return _text(_mapping(element.get("selected_option")).get("value"))
    if kind in ("multi_static_select", "multi_external_select", "checkboxes"):
        return _texts(element.get("selected_options"), lambda o: _mapping(o).get("value"))
    for field in ("value", "selected_date", "selected_time", "selected_user", "selected_conversation", "selected_channel"):
        if field in element:
            return _text(element[field])
    for field in ("selected_users", "selected_conversations", "selected_channels"):
        if field in element:
            return _texts(element[field], lambda item: item)
    if "selected_date_time" in element:
        stamp = element["selected_date_time"]
        return stamp if isinstance(stamp, int) and not isinstance(stamp, bool) and 0 <= stamp < 10**11 else None
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _texts(values: Any, pick: Any) -> list[str]:
    return [v for v in (pick(item) for item in values) if isinstance(v, str)] if isinstance(values, list) else []


def where_to_answer(body: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(channel, user) of a command, action or shortcut payload."""
    def field(name: str, key: str) -> Any:
        value = body.get(name)
        return value.get(key) if isinstance(value, Mapping) else None

    user = body.get("user_id") or field("user", "id")
    channel = body.get("channel_id") or field("channel", "id") or field("container", "channel_id")
    return (channel if isinstance(channel, str) else None), (user if isinstance(user, str) else None)
