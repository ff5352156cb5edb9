"""Parse Slack payloads once, at the edge, into plain typed values."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

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
        user = body.get("user") or {}
        if not user.get("id"):
            raise UserError("Slack sent this action without a user; please try again.")
        return cls(str(user["id"]), str(user.get("team_id") or (body.get("team") or {}).get("id") or ""))


def state_values(view: Mapping[str, Any]) -> dict[str, Any]:
    """Flatten `view.state.values` to {block_id: value} with each element type's value field."""
    values: dict[str, Any] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        for element in actions.values():
            values[block_id] = _element_value(element)
    return values


def _element_value(element: Mapping[str, Any]) -> Any:
    kind = element.get("type")
    if kind in ("static_select", "external_select", "radio_buttons"):
        option = element.get("selected_option")
        return option.get("value") if option else None
    if kind in ("multi_static_select", "multi_external_select", "checkboxes"):
        return [o.get("value") for o in element.get("selected_options") or []]
    for field in ("value", "selected_date", "selected_time", "selected_user", "selected_users", "selected_conversation",
                  "selected_conversations", "selected_channel", "selected_channels", "selected_date_time"):
        if field in element:
            return element[field]
    return None
