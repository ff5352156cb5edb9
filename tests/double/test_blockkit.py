"""The double's own Block Kit rules: Slack's limits refused, Slack's real payloads accepted."""
from __future__ import annotations

from typing import Any

import pytest

from tests.double.conftest import sample
from tests.slack_double.blockkit import Invalid, validate_blocks, validate_view


def plain(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def button(text: str = "Go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "text": plain(text), "action_id": "go", **extra}


def options(n: int, mrkdwn: bool = False, value_len: int = 1) -> list[dict[str, Any]]:
    return [{"text": {"type": "mrkdwn" if mrkdwn else "plain_text", "text": f"o{i}"}, "value": f"{i}".zfill(value_len)} for i in range(n)]


def input_block(element: dict[str, Any], label: Any = None) -> dict[str, Any]:
    return {"type": "input", "label": label or plain("L"), "element": {"action_id": "a", **element}}


def modal(*blocks: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "modal", "title": plain("T"), "submit": plain("OK"), "blocks": list(blocks), **extra}


REFUSED_BLOCKS = {
    "header-151": [{"type": "header", "text": plain("h" * 151)}],
    "section-empty-text": [{"type": "section", "text": {"type": "mrkdwn", "text": ""}}],
    "section-3001": [{"type": "section", "text": {"type": "mrkdwn", "text": "s" * 3001}}],
    "section-no-text": [{"type": "section"}],
    "fields-11": [{"type": "section", "fields": [plain("f")] * 11}],
    "field-2001": [{"type": "section", "fields": [plain("f" * 2001)]}],
    "actions-26": [{"type": "actions", "elements": [button(action_id=f"a{i}") for i in range(26)]}],
    "duplicate-action-id": [{"type": "actions", "elements": [button(), button()]}],
    "context-11": [{"type": "context", "elements": [plain("c")] * 11}],
    "button-style": [{"type": "actions", "elements": [button(style="blue")]}],
    "button-value-2001": [{"type": "actions", "elements": [button(value="v" * 2001)]}],
    "action-id-256": [{"type": "actions", "elements": [button(action_id="a" * 256)]}],
    "block-id-256": [{"type": "divider", "block_id": "b" * 256}],
    "unknown-block": [{"type": "carousel"}],
    "wrong-text-type": [{"type": "section", "text": {"type": "markdown", "text": "x"}}],
    "select-101-options": [{"type": "actions", "elements": [{"type": "static_select", "action_id": "s", "options": options(101)}]}],
    "select-mrkdwn-option": [{"type": "actions", "elements": [{"type": "static_select", "action_id": "s", "options": options(2, True)}]}],
    "option-value-151": [{"type": "actions", "elements": [{"type": "static_select", "action_id": "s", "options": options(1, value_len=151)}]}],
    "checkboxes-11": [{"type": "actions", "elements": [{"type": "checkboxes", "action_id": "c", "options": options(11)}]}],
    "placeholder-151": [{"type": "actions", "elements": [{"type": "static_select", "action_id": "s", "options": options(1),
                                                          "placeholder": plain("p" * 151)}]}],
    "bad-date": [{"type": "actions", "elements": [{"type": "datepicker", "action_id": "d", "initial_date": "2026-02-30"}]}],
    "bad-time": [{"type": "actions", "elements": [{"type": "timepicker", "action_id": "t", "initial_time": "9:00"}]}],
    "input-label-mrkdwn": [input_block({"type": "plain_text_input"}, {"type": "mrkdwn", "text": "L"})],
    "input-label-2001": [input_block({"type": "plain_text_input"}, plain("l" * 2001))],
    "input-with-button": [input_block(button())],
    "max-length-3001": [input_block({"type": "plain_text_input", "max_length": 3001})],
}


@pytest.mark.parametrize("blocks", REFUSED_BLOCKS.values(), ids=REFUSED_BLOCKS.keys())
def test_blocks_slack_refuses_are_refused(blocks: list[dict[str, Any]]) -> None:
    with pytest.raises(Invalid, match=r"^\[ERROR\] .* \[json-pointer:/blocks"):
        validate_blocks(blocks, 50)


def test_blocks_slack_takes_are_taken() -> None:
    validate_blocks([
        {"type": "header", "text": plain("h" * 150)},
        {"type": "section", "text": {"type": "mrkdwn", "text": "s" * 3000}, "fields": [plain("f")] * 10, "accessory": button()},
        {"type": "actions", "elements": [button(action_id=f"a{i}", style="danger") for i in range(25)]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 9 + [{"type": "image", "image_url": "https://x/i.png", "alt_text": "i"}]},
        {"type": "actions", "elements": [{"type": "checkboxes", "action_id": "c", "options": options(10, mrkdwn=True)},
                                         {"type": "static_select", "action_id": "s", "options": options(100)},
                                         {"type": "datepicker", "action_id": "d", "initial_date": "2026-12-01"},
                                         {"type": "timepicker", "action_id": "t", "initial_time": "09:00"}]},
        input_block({"type": "plain_text_input", "max_length": 3000}),
        {"type": "markdown", "text": "**bold**"},
        {"type": "divider", "block_id": "b" * 255},
    ], 50)


@pytest.mark.parametrize("view, pointer", [
    (modal({"type": "divider"}, title=plain("t" * 25)), "/view/title/text"),
    ({"type": "modal", "title": plain("T"), "blocks": [input_block({"type": "plain_text_input"})]}, "/view/submit"),
    (modal({"type": "divider"}, close=plain("c" * 25)), "/view/close/text"),
    (modal({"type": "divider"}, callback_id="c" * 256), "/view/callback_id"),
    (modal({"type": "divider"}, private_metadata="p" * 3001), "/view/private_metadata"),
    (modal(*[{"type": "divider"}] * 101), "/view/blocks"),
    ({"type": "home", "blocks": [{"type": "divider"}], "close": plain("x")}, "/view/close"),
    ({"type": "workflow_step", "blocks": []}, "/view/type"),
])
def test_views_slack_refuses_are_refused(view: dict[str, Any], pointer: str) -> None:
    with pytest.raises(Invalid, match=f"json-pointer:{pointer}"):
        validate_view(view)


def test_real_views_from_slack_samples_are_taken() -> None:
    for path, key in (("interactivity/view_submission.json", "view"), ("interactivity/block_actions.datepicker.in_modal.json", "view"),
                      ("web_api_responses/views.open.ok.json", "view"), ("web_api_responses/views.publish.ok.json", "view")):
        view = sample(path)[key]
        validate_view({k: v for k, v in view.items() if v is not None and k in ("type", "title", "submit", "close", "blocks",
                                                                               "private_metadata", "callback_id", "external_id")})
    # A captured modal with 100 grouped options and duplicate option values: Slack took it, so must the double.
    big = sample("socket_mode/envelope.interactive.block_actions.static_select.100_options_in_modal.json")["payload"]["view"]
    validate_view({k: big[k] for k in ("type", "title", "blocks") if k in big})
