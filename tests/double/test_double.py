"""The Slack double must be trustworthy: slack_sdk and slack_bolt, unmodified, see a real Slack."""
from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web import WebClient

from tests.slack_double import Person, SignedHttpClient, SlackDouble, SocketModeTransport

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "slack-samples"
CHANNEL = "C0DOUBLE"


@pytest.fixture
def slack() -> Iterator[SlackDouble]:
    double = SlackDouble(trigger_ttl=0.5)
    double.start()
    double.add_user("UMARIA", double.team_id, "maria", tz="Europe/Zurich")
    double.add_user("UANON", double.team_id, "anon", tz=None)
    double.add_channel(CHANNEL, "double", members=["UMARIA", "UANON"] + [f"U{i:04d}" for i in range(248)])
    yield double
    double.stop()


def client(slack: SlackDouble, token: str | None = None, **kwargs: Any) -> WebClient:
    return WebClient(token=token or slack.bot_token, base_url=slack.api_url, **kwargs)


def sample(path: str) -> Any:
    return json.loads((SAMPLES / path).read_text())


def test_tokens_are_checked_like_slack(slack: SlackDouble) -> None:
    assert client(slack).auth_test()["user_id"] == slack.bot_user_id
    for token, error in ((None, "not_authed"), ("xoxb-nope", "invalid_auth"), (slack.app_token, "not_allowed_token_type")):
        with pytest.raises(SlackApiError) as caught:
            WebClient(token=token, base_url=slack.api_url).auth_test()
        assert caught.value.response["error"] == error
    with pytest.raises(SlackApiError) as caught:
        client(slack).apps_connections_open(app_token=slack.bot_token)
    assert caught.value.response["error"] == "not_allowed_token_type"


def test_auth_test_answers_with_the_shape_and_scopes_header_of_slack(slack: SlackDouble) -> None:
    response = client(slack).auth_test()
    assert set(sample("web_api_responses/auth.test.ok.json")) <= set(response.data) | {"warning", "response_metadata"}
    assert "chat:write" in response.headers["x-oauth-scopes"]


def test_messages_keep_their_current_state(slack: SlackDouble) -> None:
    web = client(slack)
    posted = web.chat_postMessage(channel=CHANNEL, text="v1", blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "v1"}}])
    assert set(sample("web_api_responses/chat.postMessage.ok.json")) <= set(posted.data)
    web.chat_update(channel=CHANNEL, ts=posted["ts"], text="v2")
    [message] = slack.messages(CHANNEL)
    assert (message.text, message.edits) == ("v2", 1)
    second = web.chat_postMessage(channel=CHANNEL, text="next")
    assert float(second["ts"]) > float(posted["ts"])
    assert [c.method for c in slack.calls()] == ["chat.postMessage", "chat.update", "chat.postMessage"]


@pytest.mark.parametrize(
    "blocks",
    [
        [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}] * 51,
        [{"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "b" * 76}, "action_id": "a"}]}],
        [{"type": "section", "block_id": "d", "text": {"type": "mrkdwn", "text": "x"}}, {"type": "divider", "block_id": "d"}],
        [{"type": "header", "text": {"type": "mrkdwn", "text": "not plain"}}],
        [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "colour": "red"}],
    ],
)
def test_invalid_blocks_are_refused_as_slack_does(slack: SlackDouble, blocks: list[dict[str, Any]]) -> None:
    with pytest.raises(SlackApiError) as caught:
        client(slack).chat_postMessage(channel=CHANNEL, text="x", blocks=blocks)
    assert caught.value.response["error"] == "invalid_blocks"
    assert "json-pointer:/blocks" in caught.value.response["response_metadata"]["messages"][0]
    assert not slack.messages(CHANNEL)


def test_real_blocks_from_slack_samples_are_accepted(slack: SlackDouble) -> None:
    view = sample("web_api_responses/views.open.ok.json")["view"]
    blocks = [b for b in view["blocks"] if b["type"] != "input"] or [{"type": "divider"}]
    client(slack).chat_postMessage(channel=CHANNEL, text="x", blocks=blocks)
    message = sample("interactivity/block_actions.button.json").get("message", {})
    if message.get("blocks"):
        client(slack).chat_postMessage(channel=CHANNEL, text="x", blocks=message["blocks"])


def test_members_are_paginated_and_slack_sdk_reaches_them_all(slack: SlackDouble) -> None:
    members: list[str] = []
    for page in client(slack).conversations_members(channel=CHANNEL, limit=100):
        members.extend(page["members"])
    assert len(members) == 251 and len(set(members)) == 251
    assert len(slack.calls("conversations.members")) == 3


def test_users_info_has_the_time_zone_only_when_the_person_set_one(slack: SlackDouble) -> None:
    maria = client(slack).users_info(user="UMARIA")["user"]
    assert maria["tz"] == "Europe/Zurich" and maria["tz_offset"] in (3600, 7200) and maria["tz_label"]
    assert "tz" not in client(slack).users_info(user="UANON")["user"]
    with pytest.raises(SlackApiError):
        client(slack).users_info(user="UNOBODY")


def test_429_is_answered_with_retry_after_and_slack_sdk_retries(slack: SlackDouble) -> None:
    slack.inject("chat.postMessage", "ratelimited", retry_after=1)
    with pytest.raises(SlackApiError) as caught:
        client(slack).chat_postMessage(channel=CHANNEL, text="x")
    assert caught.value.response.status_code == 429 and caught.value.response.headers["Retry-After"] == "1"
    slack.inject("chat.postMessage", "ratelimited", retry_after=1)
    started = time.monotonic()
    client(slack, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)]).chat_postMessage(channel=CHANNEL, text="y")
    assert time.monotonic() - started >= 1
    assert [m.text for m in slack.messages(CHANNEL)] == ["y"]


def test_triggers_are_single_use_and_expire(slack: SlackDouble) -> None:
    view = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": [{"type": "divider"}]}
    trigger = slack.issue_trigger("UMARIA")
    client(slack).views_open(trigger_id=trigger, view=view)
    with pytest.raises(SlackApiError) as caught:
        client(slack).views_open(trigger_id=trigger, view=view)
    assert caught.value.response["error"] == "expired_trigger_id"
    late = slack.issue_trigger("UMARIA")
    time.sleep(0.6)
    with pytest.raises(SlackApiError):
        client(slack).views_open(trigger_id=late, view=view)
    with pytest.raises(SlackApiError) as caught:
        client(slack).views_open(trigger_id="made-up", view=view)
    assert caught.value.response["error"] == "invalid_arguments"


def test_response_urls_work_five_times(slack: SlackDouble) -> None:
    url = slack.issue_response_url("UMARIA", CHANNEL)
    statuses = []
    for i in range(6):
        request = urllib.request.Request(url, data=json.dumps({"text": f"r{i}"}).encode(), headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
    assert statuses == [200] * 5 + [404]
    assert len(slack.ephemerals(CHANNEL, "UMARIA")) == 5


def test_file_upload_v2_through_slack_sdk(slack: SlackDouble) -> None:
    response = client(slack).files_upload_v2(channel=CHANNEL, content="BEGIN:VCALENDAR\nEND:VCALENDAR\n", filename="invite.ics", title="Invite")
    file_id = response["files"][0]["id"]
    assert slack.file(file_id)["content"].startswith(b"BEGIN:VCALENDAR")


def test_signed_requests_verify_with_slack_sdk_and_forgeries_do_not() -> None:
    signer = SignedHttpClient("http://127.0.0.1:9/", "secret-1")
    body, ts = b"a=1", str(int(time.time()))
    verifier = SignatureVerifier("secret-1")
    assert verifier.is_valid(body=body, timestamp=ts, signature=signer.sign(body, ts))
    assert not verifier.is_valid(body=body, timestamp=ts, signature=signer.sign(body, ts, "other"))


def test_socket_mode_with_bolts_own_handler(slack: SlackDouble) -> None:
    app = App(client=client(slack), token_verification_enabled=False, request_verification_enabled=False)

    @app.command("/ping")
    def ping(ack: Any) -> None:
        ack({"text": "pong"})

    handler = SocketModeHandler(app, slack.app_token)
    handler.connect()
    try:
        assert slack.socket.wait_connected(5)
        assert slack.calls("apps.connections.open")[0].token == slack.app_token
        ack = Person(slack, SocketModeTransport(slack), "UMARIA").run("/ping", channel=CHANNEL)
        assert ack.acked and ack.payload == {"text": "pong"} and ack.latency < 3
        assert slack.socket.acks
    finally:
        handler.close()


def test_a_modal_is_submitted_by_its_labels(slack: SlackDouble) -> None:
    view = {"type": "modal", "callback_id": "cb", "title": {"type": "plain_text", "text": "T"}, "submit": {"type": "plain_text", "text": "Go"},
            "blocks": [{"type": "input", "block_id": "name", "label": {"type": "plain_text", "text": "Name"},
                        "element": {"type": "plain_text_input", "action_id": "n"}},
                       {"type": "input", "block_id": "when", "label": {"type": "plain_text", "text": "When"},
                        "element": {"type": "datepicker", "action_id": "d", "initial_date": "2026-12-01"}}]}
    client(slack).views_open(trigger_id=slack.issue_trigger("UMARIA"), view=view)
    seen: list[dict[str, Any]] = []

    class Capture:
        def deliver(self, kind: str, payload: dict[str, Any]) -> Any:
            seen.append(payload)
            from tests.slack_double import AckResult
            return AckResult(True, 0.0, None)

    Person(slack, Capture(), "UMARIA").submit_view({"Name": "Alpha"})
    values = seen[0]["view"]["state"]["values"]
    assert values["name"]["n"] == {"type": "plain_text_input", "value": "Alpha"}
    assert values["when"]["d"] == {"type": "datepicker", "selected_date": "2026-12-01"}
    assert seen[0]["type"] == "view_submission" and seen[0]["user"]["team_id"] == slack.team_id
    with pytest.raises(AssertionError, match="no open modal"):
        Person(slack, Capture(), "UMARIA").submit_view({"Name": "again"})


def test_people_click_buttons_by_their_text_and_open_home(slack: SlackDouble) -> None:
    slack.add_team("T0BETA", "Beta Bio")
    slack.add_user("UKENJI", "T0BETA", "kenji", tz="Asia/Tokyo")
    with slack.ws.lock:
        slack.ws.channels[CHANNEL].members.append("UKENJI")
    app = App(client=client(slack), token_verification_enabled=False, request_verification_enabled=False)
    clicks: list[dict[str, Any]] = []

    @app.action("vote_support")
    def vote(ack: Any, body: dict[str, Any]) -> None:
        ack()
        clicks.append(body)

    @app.event("app_home_opened")
    def home(event: dict[str, Any], client: WebClient) -> None:
        client.views_publish(user_id=event["user"], view={"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]})

    blocks = [{"type": "actions", "block_id": "vote", "elements": [
        {"type": "button", "text": {"type": "plain_text", "text": "Support"}, "action_id": "vote_support", "value": "d1"}]}]
    client(slack).chat_postMessage(channel=CHANNEL, text="vote", blocks=blocks)
    handler = SocketModeHandler(app, slack.app_token)
    handler.connect()
    try:
        kenji = Person(slack, SocketModeTransport(slack), "UKENJI")
        assert kenji.click("Support", channel=CHANNEL).acked
        with pytest.raises(AssertionError, match="buttons seen"):
            kenji.click("Block", channel=CHANNEL)
        assert kenji.open_home().acked
        deadline = time.monotonic() + 5
        while slack.home_view("UKENJI") is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert slack.home_view("UKENJI") is not None
    finally:
        handler.close()
    [body] = clicks
    # In a Slack Connect channel the clicker's company is user.team_id, not team.id.
    assert body["user"]["team_id"] == "T0BETA" and body["team"]["id"] == slack.team_id
    assert body["actions"][0]["value"] == "d1" and body["container"]["channel_id"] == CHANNEL
