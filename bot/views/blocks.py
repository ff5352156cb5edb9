"""Small Block Kit primitives every builder shares."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Block = dict[str, Any]


def escape(text: str) -> str:
    """Escape user text for mrkdwn so it cannot form links, mentions or broadcasts."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """Cut text to `limit` characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = 3000) -> dict[str, Any]:
    """A plain_text object."""
    return {"type": "plain_text", "text": clip(text, limit), "emoji": True}


def mrkdwn(text: str, limit: int = 3000) -> dict[str, Any]:
    """A mrkdwn text object."""
    return {"type": "mrkdwn", "text": clip(text, limit)}


def header(text: str) -> Block:
    """A header block (plain text, 150 characters at most)."""
    return {"type": "header", "text": plain(text, 150)}


def section(text: str, block_id: str | None = None) -> Block:
    """A mrkdwn section."""
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if block_id:
        block["block_id"] = block_id
    return block


def context(*texts: str) -> Block:
    """A context block of up to 10 mrkdwn elements."""
    return {"type": "context", "elements": [mrkdwn(t, 2000) for t in texts[:10]]}


def divider() -> Block:
    """A divider."""
    return {"type": "divider"}


def option(text: str, value: str) -> dict[str, Any]:
    """A select/radio option (text 75, value 150 characters at most)."""
    return {"text": plain(text, 75), "value": value[:150]}


def text_input(block_id: str, action_id: str, label: str, *, initial: str = "", optional: bool = False,
               max_length: int | None = None, placeholder: str | None = None, multiline: bool = False) -> Block:
    """An input block holding a plain_text_input."""
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": action_id, "multiline": multiline}
    if initial:
        element["initial_value"] = initial
    if max_length:
        element["max_length"] = max_length
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    return {"type": "input", "block_id": block_id, "label": plain(label, 2000), "element": element, "optional": optional}


def select_input(block_id: str, action_id: str, label: str, options: Sequence[dict[str, Any]], *,
                 initial_value: str | None = None, optional: bool = False, placeholder: str = "Choose…") -> Block:
    """An input block holding a static_select (at most 100 options)."""
    element: dict[str, Any] = {"type": "static_select", "action_id": action_id, "options": list(options)[:100],
                               "placeholder": plain(placeholder, 150)}
    chosen = [o for o in element["options"] if o["value"] == initial_value]
    if chosen:
        element["initial_option"] = chosen[0]
    return {"type": "input", "block_id": block_id, "label": plain(label, 2000), "element": element, "optional": optional}


def users_input(block_id: str, action_id: str, label: str, *, initial: Sequence[str] = (), optional: bool = True) -> Block:
    """An input block holding a multi_users_select."""
    element: dict[str, Any] = {"type": "multi_users_select", "action_id": action_id, "placeholder": plain("Choose people", 150)}
    if initial:
        element["initial_users"] = list(initial)
    return {"type": "input", "block_id": block_id, "label": plain(label, 2000), "element": element, "optional": optional}


def radio_input(block_id: str, action_id: str, label: str, options: Sequence[dict[str, Any]], initial_value: str) -> Block:
    """An input block holding radio buttons (10 options at most)."""
    element: dict[str, Any] = {"type": "radio_buttons", "action_id": action_id, "options": list(options)[:10]}
    chosen = [o for o in element["options"] if o["value"] == initial_value]
    if chosen:
        element["initial_option"] = chosen[0]
    return {"type": "input", "block_id": block_id, "label": plain(label, 2000), "element": element}


def button(action_id: str, label: str, value: str = "", *, style: str | None = None) -> dict[str, Any]:
    """A button element (label 75 characters at most; style "primary" or "danger")."""
    element: dict[str, Any] = {"type": "button", "action_id": action_id, "text": plain(label, 75)}
    if value:
        element["value"] = value
    if style:
        element["style"] = style
    return element


def actions(block_id: str, elements: list[dict[str, Any]]) -> Block:
    """An actions block (25 elements at most)."""
    return {"type": "actions", "block_id": block_id, "elements": elements[:25]}


def modal(callback_id: str, title: str, blocks: list[Block], *, submit: str | None = None, close: str = "Cancel",
          private_metadata: str = "") -> dict[str, Any]:
    """A modal view (title, submit and close 24 characters at most)."""
    view: dict[str, Any] = {"type": "modal", "callback_id": callback_id, "title": plain(title, 24),
                            "close": plain(close, 24), "blocks": blocks}
    if submit:
        view["submit"] = plain(submit, 24)
    if private_metadata:
        view["private_metadata"] = private_metadata
    return view


def mention_list(user_ids: Sequence[str], limit: int = 20) -> str:
    """Mentions of up to `limit` people, then a count of the rest."""
    shown = " ".join(f"<@{u}>" for u in user_ids[:limit])
    rest = len(user_ids) - limit
    return shown + (f" and {rest} more" if rest > 0 else "") if user_ids else "nobody yet"


def duration(seconds: float) -> str:
    """A short human duration: "45 min", "5 h", "3 days 4 h"."""
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} days {hours % 24} h"


def date_token(epoch: float, pattern: str = "{date_short_pretty} at {time}", fallback: str = "") -> str:
    """A Slack date token, so each viewer sees the time in their own zone."""
    return f"<!date^{int(epoch)}^{pattern}|{fallback or 'a moment'}>"
