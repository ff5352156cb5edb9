"""The double's own Block Kit rules, playing Slack's server: independent of the bot's checks on purpose."""
from __future__ import annotations

import re
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
INPUT_ELEMENTS = {"plain_text_input", "static_select", "multi_static_select", "users_select", "multi_users_select",
                  "conversations_select", "multi_conversations_select", "channels_select", "multi_channels_select",
                  "datepicker", "timepicker", "datetimepicker", "checkboxes", "radio_buttons", "external_select",
                  "multi_external_select", "email_text_input", "number_input", "url_text_input", "rich_text_input", "file_input"}
INTERACTIVE = INPUT_ELEMENTS | {"button", "overflow", "workflow_button"}


class Invalid(Exception):
    """One violation, with the JSON pointer Slack's error messages carry."""

    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(f"[ERROR] {message} [json-pointer:{pointer}]")


def _text(obj: Any, pointer: str, limit: int, plain: bool = False) -> None:
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        raise Invalid(pointer, "must be a text object")
    if plain and obj["type"] != "plain_text":
        raise Invalid(pointer + "/type", "must be plain_text")
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        raise Invalid(pointer + "/text", "must be more than 0 characters")
    if len(text) > limit:
        raise Invalid(pointer + "/text", f"must be less than {limit + 1} characters")


def _options(options: Any, pointer: str, limit: int, mrkdwn_ok: bool) -> None:
    if not isinstance(options, list) or len(options) > limit:
        raise Invalid(pointer, f"must provide at most {limit} items")
    values = set()
    for i, option in enumerate(options):
        _text(option.get("text"), f"{pointer}/{i}/text", 75, plain=not mrkdwn_ok)
        value = option.get("value")
        if not isinstance(value, str) or len(value) > 150:
            raise Invalid(f"{pointer}/{i}/value", "must be less than 151 characters")
        if value in values:
            raise Invalid(f"{pointer}/{i}/value", "must be unique")
        values.add(value)
        if "description" in option:
            _text(option["description"], f"{pointer}/{i}/description", 75)


def _element(element: Any, pointer: str) -> None:
    if not isinstance(element, dict) or "type" not in element:
        raise Invalid(pointer, "must be an element")
    kind = element["type"]
    if kind in INTERACTIVE and len(element.get("action_id", "")) > 255:
        raise Invalid(pointer + "/action_id", "must be less than 256 characters")
    if "placeholder" in element:
        _text(element["placeholder"], pointer + "/placeholder", 150, plain=True)
    if kind == "button":
        _text(element.get("text"), pointer + "/text", 75, plain=True)
        if len(str(element.get("value", ""))) > 2000:
            raise Invalid(pointer + "/value", "must be less than 2001 characters")
        if element.get("style") not in (None, "primary", "danger"):
            raise Invalid(pointer + "/style", "must be primary or danger")
        if len(str(element.get("url", ""))) > 3000:
            raise Invalid(pointer + "/url", "must be less than 3001 characters")
    elif kind in ("static_select", "multi_static_select"):
        if "options" in element:
            _options(element["options"], pointer + "/options", 100, mrkdwn_ok=False)
        elif "option_groups" not in element:
            raise Invalid(pointer, "must provide options or option_groups")
    elif kind in ("checkboxes", "radio_buttons"):
        _options(element.get("options"), pointer + "/options", 10, mrkdwn_ok=True)
    elif kind == "overflow":
        opts = element.get("options") or []
        if not 1 <= len(opts) <= 5:
            raise Invalid(pointer + "/options", "must provide between 1 and 5 items")
        _options(opts, pointer + "/options", 5, mrkdwn_ok=False)
    elif kind == "datepicker" and "initial_date" in element:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(element["initial_date"])):
            raise Invalid(pointer + "/initial_date", "must be YYYY-MM-DD")
    elif kind == "timepicker" and "initial_time" in element:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", str(element["initial_time"])):
            raise Invalid(pointer + "/initial_time", "must be HH:mm")
    elif kind == "plain_text_input":
        if int(element.get("max_length", 0)) > 3000:
            raise Invalid(pointer + "/max_length", "must be at most 3000")
    elif kind == "image":
        if not element.get("alt_text"):
            raise Invalid(pointer + "/alt_text", "is required")
    elif kind not in INTERACTIVE and kind not in ("plain_text", "mrkdwn"):
        raise Invalid(pointer + "/type", f"unknown element type {kind}")


def _block(block: Any, pointer: str) -> None:
    if not isinstance(block, dict):
        raise Invalid(pointer, "must be an object")
    kind = block.get("type")
    if kind not in BLOCK_KEYS:
        raise Invalid(pointer + "/type", f"unknown block type {kind!r}")
    extra = set(block) - BLOCK_KEYS[kind]
    if extra:
        raise Invalid(pointer, f"unknown fields {sorted(extra)}")
    if len(str(block.get("block_id", ""))) > 255:
        raise Invalid(pointer + "/block_id", "must be less than 256 characters")
    if kind == "section":
        if "text" not in block and "fields" not in block:
            raise Invalid(pointer, "must provide text or fields")
        if "text" in block:
            _text(block["text"], pointer + "/text", 3000)
        fields = block.get("fields", [])
        if len(fields) > 10:
            raise Invalid(pointer + "/fields", "must provide at most 10 items")
        for i, field in enumerate(fields):
            _text(field, f"{pointer}/fields/{i}", 2000)
        if "accessory" in block:
            _element(block["accessory"], pointer + "/accessory")
    elif kind == "header":
        _text(block.get("text"), pointer + "/text", 150, plain=True)
    elif kind == "actions":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 25:
            raise Invalid(pointer + "/elements", "must provide between 1 and 25 items")
        ids = [e.get("action_id") for e in elements if e.get("action_id")]
        if len(ids) != len(set(ids)):
            raise Invalid(pointer + "/elements", "action_id must be unique in a block")
        for i, element in enumerate(elements):
            _element(element, f"{pointer}/elements/{i}")
    elif kind == "context":
        elements = block.get("elements") or []
        if not 1 <= len(elements) <= 10:
            raise Invalid(pointer + "/elements", "must provide between 1 and 10 items")
        for i, element in enumerate(elements):
            if element.get("type") in ("plain_text", "mrkdwn"):
                _text(element, f"{pointer}/elements/{i}", 3000)
            else:
                _element(element, f"{pointer}/elements/{i}")
    elif kind == "input":
        _text(block.get("label"), pointer + "/label", 2000, plain=True)
        if "hint" in block:
            _text(block["hint"], pointer + "/hint", 2000, plain=True)
        element = block.get("element")
        if not isinstance(element, dict) or element.get("type") not in INPUT_ELEMENTS:
            raise Invalid(pointer + "/element", "must be an input element")
        _element(element, pointer + "/element")
    elif kind == "markdown" and len(str(block.get("text", ""))) > 12000:
        raise Invalid(pointer + "/text", "must be less than 12001 characters")


def validate_blocks(blocks: Any, limit: int, prefix: str = "/blocks") -> None:
    """Raise Invalid for the first violation in a list of blocks."""
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
                raise Invalid(f"{prefix}/{i}/block_id", "must be unique")
            seen.add(block_id)


def validate_view(view: Any) -> None:
    """Raise Invalid unless `view` is a modal or home view Slack would take."""
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        raise Invalid("/view/type", "must be modal or home")
    validate_blocks(view.get("blocks", []), 100, "/view/blocks")
    if len(str(view.get("private_metadata", ""))) > 3000:
        raise Invalid("/view/private_metadata", "must be less than 3001 characters")
    if len(str(view.get("callback_id", ""))) > 255:
        raise Invalid("/view/callback_id", "must be less than 256 characters")
    if view["type"] == "home":
        if "submit" in view or "close" in view:
            raise Invalid("/view", "home views cannot have submit or close")
        return
    _text(view.get("title"), "/view/title", 24, plain=True)
    for key in ("submit", "close"):
        if key in view:
            _text(view[key], f"/view/{key}", 24, plain=True)
    if any(b.get("type") == "input" for b in view.get("blocks", [])) and "submit" not in view:
        raise Invalid("/view/submit", "is required when the view has input blocks")
