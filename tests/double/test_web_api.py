"""The double's Web API, seen through slack_sdk's unmodified WebClient."""
from __future__ import annotations

import time
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler
from slack_sdk.web import WebClient

from tests.double.conftest import CHANNEL, sample, web
from tests.slack_double import Person, SlackDouble, SocketModeTransport


def error_of(call: Any) -> tuple[str, int]:
    """The Slack error code and HTTP status a call fails with."""
    with pytest.raises(SlackApiError) as caught:
        call()
    return caught.value.response["error"], caught.value.response.status_code


def test_tokens_are_checked_like_slack(slack: SlackDouble) -> None:
    assert web(slack).auth_test()["user_id"] == slack.bot_user_id
    assert error_of(lambda: WebClient(base_url=slack.api_url).auth_test()) == ("not_authed", 200)
    assert error_of(lambda: web(slack, "xoxb-unknown").auth_test()) == ("invalid_auth", 200)
    assert error_of(lambda: web(slack, slack.app_token).auth_test()) == ("not_allowed_token_type", 200)
    assert error_of(lambda: web(slack).apps_connections_open(app_token=slack.bot_token)) == ("not_allowed_token_type", 200)
    assert web(slack).apps_connections_open(app_token=slack.app_token)["url"].startswith(slack.socket.url + "?ticket=")
    slack.add_token("xoxb-second")
    assert web(slack, "xoxb-second").auth_test()["ok"]
    slack.revoke_token("xoxb-second")
    assert error_of(lambda: web(slack, "xoxb-second").auth_test()) == ("token_revoked", 200)
    assert error_of(lambda: web(slack).api_call("no.suchMethod")) == ("unknown_method", 200)


def test_auth_test_has_slacks_fields_and_the_scopes_header() -> None:
    with SlackDouble(scopes=["chat:write", "commands"]) as double:
        response = web(double).auth_test()
    assert set(sample("web_api_responses/auth.test.ok.json")) <= set(response.data)
    assert response.headers["x-oauth-scopes"] == "chat:write,commands"


def test_messages_keep_their_current_state_and_every_call_is_recorded(slack: SlackDouble) -> None:
    client = web(slack)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "v1"}}]
    posted = client.chat_postMessage(channel=CHANNEL, text="v1", blocks=blocks, metadata={"event_type": "poll", "event_payload": {"id": 7}})
    assert set(sample("web_api_responses/chat.postMessage.ok.json")) <= set(posted.data)
    assert posted["message"]["blocks"][0]["block_id"]  # Slack names blocks the app left unnamed
    client.chat_update(channel=CHANNEL, ts=posted["ts"], text="v2")
    [message] = slack.messages(CHANNEL)
    # chat.update without blocks keeps the old blocks (Slack's documented rule), and counts the edit.
    assert (message.text, message.edits, message.blocks[0]["text"]["text"]) == ("v2", 1, "v1")
    assert message.metadata == {"event_type": "poll", "event_payload": {"id": 7}}
    client.chat_update(channel=CHANNEL, ts=posted["ts"], text="v3", blocks=[])
    assert slack.messages(CHANNEL)[0].blocks == [] and slack.messages(CHANNEL)[0].edits == 2
    reply = client.chat_postMessage(channel=CHANNEL, text="in thread", thread_ts=posted["ts"])
    assert float(reply["ts"]) > float(posted["ts"]) and slack.messages(CHANNEL)[1].thread_ts == posted["ts"]
    history = client.conversations_history(channel=CHANNEL, include_all_metadata=True)["messages"]
    assert [m["text"] for m in history] == ["v3"] and history[0]["metadata"]["event_type"] == "poll"
    assert "metadata" not in client.conversations_history(channel=CHANNEL)["messages"][0]
    link = client.chat_getPermalink(channel=CHANNEL, message_ts=posted["ts"])["permalink"]
    assert link == f"https://alphapharma.slack.com/archives/{CHANNEL}/p{posted['ts'].replace('.', '')}"
    calls = slack.calls()
    assert [c.method for c in calls] == ["chat.postMessage", "chat.update", "chat.update", "chat.postMessage",
                                         "conversations.history", "conversations.history", "chat.getPermalink"]
    assert calls[0].params["blocks"] == blocks and calls[0].token == slack.bot_token and calls[0].status == 200
    assert calls[0].at <= calls[-1].at and calls[0].response["ts"] == posted["ts"]


def test_chat_errors_are_slacks(slack: SlackDouble) -> None:
    client = web(slack)
    slack.add_channel("C0NOBOT", "nobot", members=["UMARIA"], bot_is_member=False)
    slack.add_channel("C0OLD", "old", archived=True)
    assert error_of(lambda: client.chat_postMessage(channel="C0NOBOT", text="x"))[0] == "not_in_channel"
    assert error_of(lambda: client.chat_postMessage(channel="C0NOPE", text="x"))[0] == "channel_not_found"
    assert error_of(lambda: client.chat_postMessage(channel="C0OLD", text="x"))[0] == "is_archived"
    with pytest.warns(UserWarning):  # slack_sdk warns about the missing text, then Slack refuses it
        assert error_of(lambda: client.chat_postMessage(channel=CHANNEL))[0] == "no_text"
    assert error_of(lambda: client.chat_postMessage(channel=CHANNEL, text="x" * 40_001))[0] == "msg_too_long"
    assert error_of(lambda: client.chat_update(channel=CHANNEL, ts="1.000001", text="x"))[0] == "message_not_found"
    # A person's message cannot be edited or deleted by the bot.
    ts = Person(slack, SocketModeTransport(slack), "UMARIA").post_message(CHANNEL, "mine")
    assert error_of(lambda: client.chat_update(channel=CHANNEL, ts=ts, text="x"))[0] == "cant_update_message"
    assert error_of(lambda: client.chat_delete(channel=CHANNEL, ts=ts))[0] == "cant_delete_message"
    assert [m.text for m in slack.messages(CHANNEL)] == ["mine"]
    slack.add_user("UOUT", slack.team_id, "outsider")
    assert error_of(lambda: client.chat_postEphemeral(channel=CHANNEL, user="UOUT", text="x"))[0] == "user_not_in_channel"
    assert client.chat_postEphemeral(channel=CHANNEL, user="UMARIA", text="psst")["message_ts"]
    assert [m.text for m in slack.ephemerals(CHANNEL, "UMARIA")] == ["psst"] and not slack.ephemerals(user="UANON")


@pytest.mark.parametrize(
    "blocks",
    [
        [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}] * 51,
        [{"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "b" * 76}, "action_id": "a"}]}],
        [{"type": "section", "block_id": "d", "text": {"type": "mrkdwn", "text": "x"}}, {"type": "divider", "block_id": "d"}],
        [{"type": "header", "text": {"type": "mrkdwn", "text": "not plain"}}],
        [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "colour": "red"}],
    ],
    ids=["51-blocks", "button-text-76", "duplicate-block-id", "mrkdwn-header", "unknown-key"],
)
def test_invalid_blocks_are_refused_as_slack_does(slack: SlackDouble, blocks: list[dict[str, Any]]) -> None:
    error, status = error_of(lambda: web(slack).chat_postMessage(channel=CHANNEL, text="x", blocks=blocks))
    assert (error, status) == ("invalid_blocks", 200)
    messages = slack.calls("chat.postMessage")[0].response["response_metadata"]["messages"]
    assert messages[0].startswith("[ERROR] ") and "[json-pointer:/blocks" in messages[0]
    assert not slack.messages(CHANNEL)


def test_real_blocks_from_slack_samples_are_accepted(slack: SlackDouble) -> None:
    for name in ("button", "static_select", "checkboxes", "overflow", "radio_buttons", "timepicker", "multi_static_select"):
        blocks = sample(f"interactivity/block_actions.{name}.json")["message"]["blocks"]
        web(slack).chat_postMessage(channel=CHANNEL, text=name, blocks=blocks)
    assert len(slack.messages(CHANNEL)) == 7


def test_members_are_paginated_and_slack_sdk_reaches_them_all(slack: SlackDouble) -> None:
    members: list[str] = []
    for page in web(slack).conversations_members(channel=CHANNEL, limit=100):
        members.extend(page["members"])
    assert len(members) == 251 and len(set(members)) == 251
    cursors = [c.response["response_metadata"]["next_cursor"] for c in slack.calls("conversations.members")]
    assert len(cursors) == 3 and cursors[-1] == "" and all(cursors[:2])
    assert len(web(slack).conversations_members(channel=CHANNEL)["members"]) == 100  # Slack's default limit
    assert error_of(lambda: web(slack).conversations_members(channel=CHANNEL, cursor="bm9wZQ=="))[0] == "invalid_cursor"


def test_people_teams_and_channels_are_described_like_slack(slack: SlackDouble) -> None:
    slack.add_team("T0BETA", "Beta Bio", domain="betabio")
    slack.add_user("UKENJI", "T0BETA", "kenji", real_name="Kenji Sato", tz="Asia/Tokyo")
    slack.add_channel("C0SHARED", "shared", members=["UMARIA", "UKENJI"], is_ext_shared=True)
    client = web(slack)
    kenji = client.users_info(user="UKENJI")["user"]
    assert set(sample("web_api_responses/users.info.ok.json")["user"]) - set(kenji) <= {"has_2fa"}
    assert (kenji["team_id"], kenji["tz_offset"], kenji["tz_label"]) == ("T0BETA", 32400, "Japan Standard Time")
    assert kenji["profile"]["real_name"] == "Kenji Sato" and kenji["profile"]["display_name"] == "kenji"
    assert client.users_info(user="UMARIA")["user"]["tz_offset"] in (3600, 7200)
    assert "tz" not in client.users_info(user="UANON")["user"]
    assert error_of(lambda: client.users_info(user="UNOBODY"))[0] == "user_not_found"
    assert client.team_info(team="T0BETA")["team"]["domain"] == "betabio"
    assert client.team_info()["team"]["id"] == slack.team_id
    shared = client.conversations_info(channel="C0SHARED")["channel"]
    assert set(sample("web_api_responses/conversations.info.ok.json")["channel"]) - set(shared) <= {"last_read", "locale", "is_read_only", "previous_names"}
    assert shared["is_ext_shared"] and shared["connected_team_ids"] == ["T0BETA"] and shared["is_member"]
    assert shared["shared_team_ids"] == sorted([slack.team_id, "T0BETA"])
    assert client.conversations_open(users="UKENJI")["channel"]["id"] == "DKENJI"
    client.chat_postMessage(channel="UKENJI", text="dm")
    assert [m.text for m in slack.messages("DKENJI")] == ["dm"]


def test_429_is_answered_with_retry_after_and_slack_sdks_handler_retries(slack: SlackDouble) -> None:
    slack.inject("chat.postMessage", "ratelimited", retry_after=1)
    with pytest.raises(SlackApiError) as caught:
        web(slack).chat_postMessage(channel=CHANNEL, text="x")
    response = caught.value.response
    assert (response.status_code, response.headers["Retry-After"], response["error"]) == (429, "1", "ratelimited")
    slack.inject("chat.postMessage", "ratelimited", retry_after=1)
    started = time.monotonic()
    web(slack, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)]).chat_postMessage(channel=CHANNEL, text="y")
    assert time.monotonic() - started >= 1
    assert [m.text for m in slack.messages(CHANNEL)] == ["y"]
    assert [c.status for c in slack.calls("chat.postMessage")] == [429, 429, 200]


def test_rate_limit_bucket_is_per_channel_for_post_message(slack: SlackDouble) -> None:
    slack.add_channel("C0OTHER", "other")
    slack.set_rate_limit("chat.postMessage", per_minute=2)
    client = web(slack)
    client.chat_postMessage(channel=CHANNEL, text="1")
    client.chat_postMessage(channel=CHANNEL, text="2")
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel=CHANNEL, text="3")
    assert (caught.value.response.status_code, caught.value.response["error"]) == (429, "ratelimited")
    assert caught.value.response.headers["Retry-After"] == "60"  # no time has passed on the double's clock
    assert client.chat_postMessage(channel="C0OTHER", text="ok")["ok"]
    slack.advance(59.5)
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel=CHANNEL, text="3")
    assert caught.value.response.headers["Retry-After"] == "1"  # whole seconds, rounded up
    slack.advance(0.5)
    assert client.chat_postMessage(channel=CHANNEL, text="3")["ok"]
    assert [m.text for m in slack.messages(CHANNEL)] == ["1", "2", "3"]


def test_injected_faults_play_in_order(slack: SlackDouble) -> None:
    slack.inject("auth.test", "server_error")
    slack.inject("auth.test", "unavailable")
    slack.inject("auth.test", "error", error="fatal_error")
    client = web(slack)
    assert error_of(client.auth_test)[1] == 500
    assert error_of(client.auth_test)[1] == 503
    assert error_of(client.auth_test) == ("fatal_error", 200)
    assert client.auth_test()["ok"]
    slack.inject("auth.test", "server_error")
    assert web(slack, retry_handlers=[ServerErrorRetryHandler(max_retry_count=1)]).auth_test()["ok"]
    slack.inject("auth.test", "empty_body")
    with pytest.raises(SlackApiError, match="non-JSON format"):  # slack_sdk cannot parse an empty 200 answer
        client.auth_test()
    slack.inject("auth.test", "timeout", delay=0.3)
    started = time.monotonic()
    assert client.auth_test()["ok"] and time.monotonic() - started >= 0.3
    slack.inject("chat.postMessage", "reset_after_commit")
    with pytest.raises(ConnectionError):  # the connection closes without an answer...
        web(slack, retry_handlers=[]).chat_postMessage(channel=CHANNEL, text="committed")
    assert [m.text for m in slack.messages(CHANNEL)] == ["committed"]  # ...but the message was posted
    # slack_sdk's default ConnectionErrorRetryHandler resends such a call: Slack then holds the message twice.
    slack.inject("chat.postMessage", "reset_after_commit")
    client.chat_postMessage(channel=CHANNEL, text="twice")
    assert [m.text for m in slack.messages(CHANNEL)] == ["committed", "twice", "twice"]
    slack.inject("chat.postMessage", "timeout")  # no delay: the answer waits until the client gives up...
    with pytest.raises(TimeoutError):  # the client's own timeout
        web(slack, timeout=0.5, retry_handlers=[]).chat_postMessage(channel=CHANNEL, text="late")
    slack.settle()
    assert [m.text for m in slack.messages(CHANNEL)][-1] == "late"  # ...and the post is carried out after it did
    with pytest.raises(ValueError):
        slack.inject("auth.test", "nonsense")


def test_file_upload_v2_through_slack_sdk(slack: SlackDouble) -> None:
    response = web(slack).files_upload_v2(channel=CHANNEL, content="BEGIN:VCALENDAR\nEND:VCALENDAR\n", filename="invite.ics",
                                          title="Invite", initial_comment="Here it is")
    file_id = response["files"][0]["id"]
    stored = slack.file(file_id)
    assert stored["content"].startswith(b"BEGIN:VCALENDAR") and (stored["title"], stored["channel"]) == ("Invite", CHANNEL)
    [message] = slack.messages(CHANNEL)
    assert message.files == [file_id] and message.text == "Here it is"
    assert [c.method for c in slack.calls()] == ["files.getUploadURLExternal", "files.completeUploadExternal"]


def test_a_workspace_wide_limit_on_post_message_spans_channels(slack: SlackDouble) -> None:
    slack.add_channel("C0OTHER", "other")
    slack.set_workspace_rate_limit("chat.postMessage", per_window=2, window=2.0)
    client = web(slack)
    client.chat_postMessage(channel=CHANNEL, text="1")
    client.chat_postMessage(channel="C0OTHER", text="2")
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="C0OTHER", text="3")
    assert (caught.value.response.status_code, caught.value.response.headers["Retry-After"]) == (429, "2")
    assert [m.text for m in slack.messages("C0OTHER")] == ["2"]  # the refused call changed nothing
    slack.advance(2.0)  # the window, on the double's clock
    assert client.chat_postMessage(channel="C0OTHER", text="3")["ok"]


def test_workspace_admins_are_flagged_like_slack(slack: SlackDouble) -> None:
    slack.add_user("UADMIN", slack.team_id, "admin", tz="UTC", is_admin=True)
    client = web(slack)
    admin, kenji = client.users_info(user="UADMIN")["user"], client.users_info(user="UMARIA")["user"]
    assert (admin["is_admin"], admin["is_owner"], kenji["is_admin"]) == (True, False, False)
