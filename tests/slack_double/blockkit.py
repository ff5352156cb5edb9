"""The double's own Block Kit rules, playing Slack's server: independent of the bot's checks on purpose."""
from __future__ import annotations

import re
from datetime import date
from typing import Any

BLOCK_KEYS = {
    "section": {"type", "block_id", "text", "fields", "accessory", "expand"},
    "actions": {"type", "block_id", "elements"},
    "context": {"type", "block_id", "elements"},
    "divider": {"type", "block_id"},
    "header": {"type", "block_id", "text"},
    "input": {"type", "block_id", "label", "element", "hint", "optional", "dispatch_action"},
    "image": {"type", "block_id", "image_url", "alt_text", "title", "slack_file"},
    "rich_text": {"type", "block_id", "elements"},
    "markdown": {"type", "block_id", "text"},
}
SELECTS = {"static_select", "multi_static_select", "users_select", "multi_users_select", "conversations_select",
           "multi_conversations_select", "channels_select", "multi_channels_select", "external_select", "multi_external_select"}
INPUT_ELEMENTS = SELECTS | {"plain_text_input", "datepicker", "timepicker", "datetimepicker", "checkboxes", "radio_buttons",
                            "email_text_input", "number_input", "url_text_input", "rich_text_input", "file_input"}
ACTIONS_ELEMENTS = SELECTS | {"button", "overflow", "datepicker", "timepicker", "datetimepicker", "checkboxes", "radio_buttons",
                              "workflow_button", "rich_text_input"}
ACCESSORIES = SELECTS | {"button", "overflow", "datepicker", "timepicker", "image", "checkboxes", "radio_buttons", "workflow_button"}
CONTEXT_ELEMENTS = {"image", "plain_text", "mrkdwn"}
TEXT_KEYS = {"plain_text": {"type", "text", "emoji"}, "mrkdwn": {"type", "text", "verbatim"}}


class Invalid(Exception):
    """One violation, worded like Slack's `[ERROR] ... [json-pointer:/...]` messages."""

    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(f"[ERROR] {message} [json-pointer:{pointer}]")


def _too_long(pointer: str, limit: int) -> Invalid:
    return Invalid(pointer, f"must be less than {limit + 1} characters")


def _text(obj: Any, pointer: str, limit: int, plain: bool = False) -> None:
    if not isinstance(obj, dict) or obj.get("type") not in TEXT_KEYS:
        raise Invalid(pointer, "must be a text object of type plain_text or mrkdwn")
    if plain and obj["type"] != "plain_text":
        raise Invalid(pointer + "/type", "must be plain_text")
    if set(obj) - TEXT_KEYS[obj["type"]]:
        raise Invalid(pointer, f"unknown fields {sorted(set(obj) - TEXT_KEYS[obj['type']])}")
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        raise Invalid(pointer + "/text", "must be more than 0 characters")
    if len(text) > limit:
        raise _too_long(pointer + "/text", limit)


def _options(options: Any, pointer: str, limit: int, mrkdwn_ok: bool) -> None:
    if not isinstance(options, list) or not options:
        raise Invalid(pointer, "must provide at least 1 item")
    if len(options) > limit:
        raise Invalid(pointer, f"must provide at most {limit} items")
    # Duplicate option values are not checked: a real captured modal (socket_mode/...100_options_in_modal.json) has them.
    for i, option in enumerate(options):
        here = f"{pointer}/{i}"
        if not isinstance(option, dict):
            raise Invalid(here, "must be an option object")
        _text(option.get("text"), here + "/text", 75, plain=not mrkdwn_ok)
        value = option.get("value")
        if not isinstance(value, str) or not value:
            raise Invalid(here + "/value", "must be more than 0 characters")
        if len(value) > 150:
            raise _too_long(here + "/value", 150)
        if "description" in option:
            _text(option["description"], here + "/description", 75, plain=True)


def _confirm(obj: Any, pointer: str) -> None:
    if not isinstance(obj, dict):
        raise Invalid(pointer, "must be a confirmation dialog object")
    _text(obj.get("title"), pointer + "/title", 100, plain=True)
    _text(obj.get("text"), pointer + "/text", 300)
    _text(obj.get("confirm"), pointer + "/confirm", 30, plain=True)
    _text(obj.get("deny"), pointer + "/deny", 30, plain=True)


def _element(element: Any, pointer: str, allowed: set[str]) -> None:
    if not isinstance(element, dict) or "type" not in element:
        raise Invalid(pointer, "must be an element object")
    kind = element["type"]
    if kind not in allowed:
        raise Invalid(pointer + "/type", f"must be one of the allowed element types, not {kind!r}")
    if kind in TEXT_KEYS:
        _text(element, pointer, 3000)
        return
    if len(str(element.get("action_id", ""))) > 255:
        raise _too_long(pointer + "/action_id", 255)
    if "placeholder" in element:
        _text(element["placeholder"], pointer + "/placeholder", 150, plain=True)
    if "confirm" in element:
        _confirm(element["confirm"], pointer + "/confirm")
    if kind == "button":
        _text(element.get("text"), pointer + "/text", 75, plain=True)
        if len(str(element.get("value", ""))) > 2000:
            raise _too_long(pointer + "/value", 2000)
        if element.get("style") not in (None, "primary", "danger"):
            raise Invalid(pointer + "/style", "must be one of primary, danger")
        if len(str(element.get("url", ""))) > 3000:
            raise _too_long(pointer + "/url", 3000)
    elif kind in ("static_select", "multi_static_select"):
        if ("options" in element) == ("option_groups" in element):
            raise Invalid(pointer, "must provide exactly one of options or option_groups")
        if "options" in element:
            _options(element["options"], pointer + "/options", 100, mrkdwn_ok=False)
        else:
            for i, group in enumerate(element["option_groups"][:101]):
                _text(group.get("label"), f"{pointer}/option_groups/{i}/label", 75, plain=True)
                _options(group.get("options"), f"{pointer}/option_groups/{i}/options", 100, mrkdwn_ok=False)
    elif kind in ("checkboxes", "radio_buttons"):
        _options(element.get("options"), pointer + "/options", 10, mrkdwn_ok=True)
    elif kind == "overflow":
        _options(element.get("options"), pointer + "/options", 5, mrkdwn_ok=False)
    elif kind == "datepicker" and "initial_date" in element:
        _date(element["initial_date"], pointer + "/initial_date")
    elif kind == "timepicker" and "initial_time" in element:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", str(element["initial_time"])):
            raise Invalid(pointer + "/initial_time", "must match the format HH:mm")
    elif kind == "plain_text_input":
        for key in ("min_length", "max_length"):
            if not 0 <= int(element.get(key, 0)) <= 3000:
                raise Invalid(f"{pointer}/{key}", "must be between 0 and 3000")
    elif kind == "image" and (not element.get("alt_text") or not (element.get("image_url") or element.get("slack_file"))):
        raise Invalid(pointer, "must provide image_url (or slack_file) and alt_text")


def _date(value: Any, pointer: str) -> None:
    try:
        date.fromisoformat(str(value))
    except ValueError as error:
        raise Invalid(pointer, "must be a valid date in the format YYYY-MM-DD") from error
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)):
        raise Invalid(pointer, "must be a valid date in the format YYYY-MM-DD")


def _elements(block: dict[str, Any], pointer: str, limit: int, allowed: set[str]) -> None:
    elements = block.get("elements")
    if not isinstance(elements, list) or not elements:
        raise Invalid(pointer + "/elements", "must provide at least 1 item")
    if len(elements) > limit:
        raise Invalid(pointer + "/elements", f"must provide at most {limit} items")
    action_ids: set[str] = set()
    for i, element in enumerate(elements):
        _element(element, f"{pointer}/elements/{i}", allowed)
        action_id = element.get("action_id")
        if action_id is not None:
            if action_id in action_ids:
                raise Invalid(f"{pointer}/elements/{i}/action_id", "must be unique within the block")
            action_ids.add(action_id)


def _block(block: Any, pointer: str) -> None:
    if not isinstance(block, dict):
        raise Invalid(pointer, "must be a block object")
    kind = block.get("type")
    if kind not in BLOCK_KEYS:
        raise Invalid(pointer + "/type", f"must be a known block type, not {kind!r}")
    extra = set(block) - BLOCK_KEYS[kind]
    if extra:
        raise Invalid(pointer, f"failed to match all allowed schemas: unknown fields {sorted(extra)}")
    block_id = block.get("block_id")
    if block_id is not None and (not isinstance(block_id, str) or not block_id):
        raise Invalid(pointer + "/block_id", "must be a non-empty string")
    if len(str(block_id or "")) > 255:
        raise _too_long(pointer + "/block_id", 255)
    if kind == "section":
        if "text" not in block and "fields" not in block:
            raise Invalid(pointer, "must provide text or fields")
        if "text" in block:
            _text(block["text"], pointer + "/text", 3000)
        fields = block.get("fields", [])
        if not isinstance(fields, list) or len(fields) > 10:
            raise Invalid(pointer + "/fields", "must provide at most 10 items")
        for i, item in enumerate(fields):
            _text(item, f"{pointer}/fields/{i}", 2000)
        if "accessory" in block:
            _element(block["accessory"], pointer + "/accessory", ACCESSORIES)
    elif kind == "header":
        _text(block.get("text"), pointer + "/text", 150, plain=True)
    elif kind == "actions":
        _elements(block, pointer, 25, ACTIONS_ELEMENTS)
    elif kind == "context":
        _elements(block, pointer, 10, CONTEXT_ELEMENTS)
    elif kind == "input":
        _text(block.get("label"), pointer + "/label", 2000, plain=True)
        if "hint" in block:
            _text(block["hint"], pointer + "/hint", 2000, plain=True)
        _element(block.get("element"), pointer + "/element", INPUT_ELEMENTS)
    elif kind == "image":
        _element({**block, "type": "image"}, pointer, {"image"})
        if "title" in block:
            _text(block["title"], pointer + "/title", 2000, plain=True)
    elif kind == "rich_text" and not isinstance(block.get("elements"), list):
        raise Invalid(pointer + "/elements", "must be an array")
    elif kind == "markdown":
        text = block.get("text")
        if not isinstance(text, str) or not text:
            raise Invalid(pointer + "/text", "must be more than 0 characters")
        if len(text) > 12000:
            raise _too_long(pointer + "/text", 12000)


def validate_blocks(blocks: Any, limit: int, prefix: str = "/blocks") -> None:
    """Raise Invalid for the first violation in a list of blocks (`limit`: 50 in messages, 100 in views)."""
    if not isinstance(blocks, list):
        raise Invalid(prefix, "must be an array")
    if len(blocks) > limit:
        raise Invalid(prefix, f"must provide at most {limit} items")
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        _block(block, f"{prefix}/{i}")
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in seen:
                raise Invalid(f"{prefix}/{i}/block_id", "must be unique within the message or view")
            seen.add(block_id)


def validate_view(view: Any) -> None:
    """Raise Invalid unless `view` is a modal or home view Slack would take."""
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        raise Invalid("/view/type", "must be one of modal, home")
    if not view.get("blocks") and view["type"] == "modal":
        raise Invalid("/view/blocks", "must provide at least 1 item")
    validate_blocks(view.get("blocks", []), 100, "/view/blocks")
    if len(str(view.get("private_metadata", ""))) > 3000:
        raise _too_long("/view/private_metadata", 3000)
    if len(str(view.get("callback_id", ""))) > 255:
        raise _too_long("/view/callback_id", 255)
    if view["type"] == "home":
        for key in ("submit", "close"):
            if key in view:
                raise Invalid(f"/view/{key}", "is not allowed in a home view")
        return
    _text(view.get("title"), "/view/title", 24, plain=True)
    for key in ("submit", "close"):
        if key in view:
            _text(view[key], f"/view/{key}", 24, plain=True)
    if "submit" not in view and any(b.get("type") == "input" for b in view.get("blocks", [])):
        raise Invalid("/view/submit", "is required when the view has input blocks")
