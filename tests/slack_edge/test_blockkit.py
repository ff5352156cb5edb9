"""The gateway refuses what Slack would refuse, before it is sent."""
from __future__ import annotations

import json
from typing import Any

import pytest

from bot.slack_edge.blockkit import BlockKitError, check_message, check_view
from tests.samples import sample_path


def section(text: str = "hi", **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, "action_id": "a", **extra}


def test_valid_message_passes() -> None:
    check_message("fallback", [section(), {"type": "divider"}, {"type": "actions", "elements": [button("Support")]}])


@pytest.mark.parametrize(
    ("blocks", "where"),
    [
        ([section() for _ in range(51)], "/blocks"),
        ([section("x" * 3001)], "/blocks/0/text/text"),
        ([section("   ")], "/blocks/0/text/text"),
        ([{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}], "/blocks/0/fields/0/text"),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}], "/blocks/0/text"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "/blocks/0/text/text"),
        ([{"type": "actions", "elements": [button("b" * 76)]}], "/blocks/0/elements/0/text/text"),
        ([{"type": "actions", "elements": [button("ok", value="v" * 2001)]}], "/blocks/0"),
        ([{"type": "actions", "elements": [button("one"), button("two")]}], "/blocks/0/elements"),
        ([section(block_id="x"), section(block_id="x")], "/blocks/1/block_id"),
        ([{"type": "carousel"}], "/blocks/0/type"),
        ([{"type": "actions", "elements": [button("ok", style="loud")]}], "/blocks/0"),
    ],
)
def test_invalid_messages_are_refused_with_the_place(blocks: list[dict[str, Any]], where: str) -> None:
    with pytest.raises(BlockKitError) as caught:
        check_message("fallback", blocks)
    assert str(caught.value).startswith(where)


def test_a_message_needs_text_or_blocks() -> None:
    with pytest.raises(BlockKitError):
        check_message("", [])
    with pytest.raises(BlockKitError):
        check_message("x" * 40_001, None)


def modal(blocks: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"type": "modal", "title": {"type": "plain_text", "text": "Title"}, "blocks": blocks, **extra}


INPUT = {"type": "input", "block_id": "b", "label": {"type": "plain_text", "text": "Name"}, "element": {"type": "plain_text_input", "action_id": "a"}}


def test_views() -> None:
    check_view(modal([INPUT], submit={"type": "plain_text", "text": "Save"}))
    check_view({"type": "home", "blocks": [section()]})
    with pytest.raises(BlockKitError):
        check_view(modal([INPUT]))  # inputs need a submit button
    with pytest.raises(BlockKitError):
        check_view(modal([section()], title={"type": "plain_text", "text": "t" * 25}))
    with pytest.raises(BlockKitError):
        check_view({"type": "home", "blocks": [section()], "submit": {"type": "plain_text", "text": "x"}})
    with pytest.raises(BlockKitError):
        check_view({"type": "home", "blocks": [section() for _ in range(101)]})
    with pytest.raises(BlockKitError):
        check_view(modal([section()], private_metadata="m" * 3001))


def test_real_views_from_slack_samples_pass() -> None:
    view = json.loads(sample_path("web_api_responses", "views.open.ok.json").read_text())["view"]
    keep = {k: view[k] for k in ("type", "blocks", "title", "close", "submit", "callback_id", "private_metadata") if k in view}
    check_view(keep)
