"""Block Kit checks before anything is sent: slack_sdk's models plus the limits they do not enforce."""
from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
MESSAGE_TEXT_MAX = 40_000
PLAIN_TEXT_ONLY = ("header.text", "button.text", "input.label", "input.hint")
KNOWN_BLOCK_TYPES = {"section", "actions", "context", "divider", "header", "input", "image", "rich_text", "markdown"}


class BlockKitError(ValueError):
    """A payload Slack would reject; the message names the place (a JSON pointer) and the limit."""


def _fail(pointer: str, problem: str) -> BlockKitError:
    return BlockKitError(f"{pointer}: {problem}")


def _text_ok(obj: Any, pointer: str, *, max_len: int, plain_only: bool = False) -> None:
    if not isinstance(obj, Mapping) or obj.get("type") not in ("plain_text", "mrkdwn"):
        raise _fail(pointer, "must be a text object of type plain_text or mrkdwn")
    if plain_only and obj["type"] != "plain_text":
        raise _fail(pointer, "must be plain_text")
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _fail(pointer + "/text", "must not be empty")
    if len(text) > max_len:
        raise _fail(pointer + "/text", f"is {len(text)} characters; the limit is {max_len}")


def _check_element(element: Mapping[str, Any], pointer: str) -> None:
    kind = element.get("type")
    if kind == "button":
        _text_ok(element.get("text"), pointer + "/text", max_len=75, plain_only=True)
    if kind in ("checkboxes", "radio_buttons") and len(element.get("options", [])) > 10:
        raise _fail(pointer + "/options", "checkboxes and radio buttons allow at most 10 options")
    if kind == "plain_text_input" and element.get("max_length", 0) > 3000:
        raise _fail(pointer + "/max_length", "must be at most 3000")
    for index, option in enumerate(element.get("options", []) or []):
        if "description" in option:
            _text_ok(option["description"], f"{pointer}/options/{index}/description", max_len=75)


def _check_block(block: Mapping[str, Any], pointer: str) -> None:
    kind = block.get("type")
    if kind not in KNOWN_BLOCK_TYPES:
        raise _fail(pointer + "/type", f"unknown block type {kind!r}")
    if kind == "section":
        if "text" in block:
            _text_ok(block["text"], pointer + "/text", max_len=3000)
        for index, field in enumerate(block.get("fields", []) or []):
            _text_ok(field, f"{pointer}/fields/{index}", max_len=2000)
        if "accessory" in block:
            _check_element(block["accessory"], pointer + "/accessory")
    elif kind == "header":
        _text_ok(block.get("text"), pointer + "/text", max_len=150, plain_only=True)
    elif kind == "input":
        _text_ok(block.get("label"), pointer + "/label", max_len=2000, plain_only=True)
        if "hint" in block:
            _text_ok(block["hint"], pointer + "/hint", max_len=2000, plain_only=True)
        _check_element(block.get("element", {}), pointer + "/element")
    elif kind == "actions":
        action_ids = [e.get("action_id") for e in block.get("elements", []) if e.get("action_id")]
        if len(action_ids) != len(set(action_ids)):
            raise _fail(pointer + "/elements", "action_id values must be unique within a block")
        for index, element in enumerate(block.get("elements", [])):
            _check_element(element, f"{pointer}/elements/{index}")
    # slack_sdk's own models check the remaining documented limits when serialised.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = Block.parse(dict(block))
            if parsed is None:
                raise _fail(pointer, "could not be read as a block")
            parsed.to_dict()
        except SlackObjectFormationError as error:
            raise _fail(pointer, str(error)) from error


def _check_blocks(blocks: Sequence[Mapping[str, Any]], prefix: str, limit: int) -> None:
    if len(blocks) > limit:
        raise _fail(prefix, f"has {len(blocks)} blocks; the limit is {limit}")
    seen: set[str] = set()
    for index, block in enumerate(blocks):
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in seen:
                raise _fail(f"{prefix}/{index}/block_id", f"duplicate block_id {block_id!r}")
            seen.add(block_id)
        _check_block(block, f"{prefix}/{index}")


def check_message(text: str | None, blocks: Iterable[Mapping[str, Any]] | None) -> None:
    """Raise BlockKitError unless a message payload is within Slack's limits."""
    block_list = list(blocks or [])
    if not (text and text.strip()) and not block_list:
        raise _fail("/text", "a message needs text or blocks")
    if text and len(text) > MESSAGE_TEXT_MAX:
        raise _fail("/text", f"is {len(text)} characters; Slack truncates at {MESSAGE_TEXT_MAX}")
    _check_blocks(block_list, "/blocks", MESSAGE_MAX_BLOCKS)


def check_view(view: Mapping[str, Any]) -> None:
    """Raise BlockKitError unless a modal or Home tab view is within Slack's limits."""
    blocks = list(view.get("blocks", []))
    _check_blocks(blocks, "/view/blocks", VIEW_MAX_BLOCKS)
    kind = view.get("type")
    if kind == "modal":
        _text_ok(view.get("title"), "/view/title", max_len=24, plain_only=True)
        has_inputs = any(block.get("type") == "input" for block in blocks)
        if has_inputs and "submit" not in view:
            raise _fail("/view/submit", "a modal with input blocks needs a submit button")
    elif kind == "home":
        if "submit" in view or "close" in view:
            raise _fail("/view", "a Home tab cannot have submit or close buttons")
    else:
        raise _fail("/view/type", "must be modal or home")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            View(**dict(view)).to_dict()
        except (SlackObjectFormationError, TypeError) as error:
            raise _fail("/view", str(error)) from error
