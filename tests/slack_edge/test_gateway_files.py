"""Sharing a file the way Slack asks since files.upload was retired: upload URL, the bytes, then complete."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk.web import WebClient

from bot.slack_edge.gateway import SlackCallError, SlackGateway
from tests.slack_double import SlackDouble

CHANNEL = "C0FILES"


@pytest.fixture
def slack() -> Iterator[SlackDouble]:
    double = SlackDouble()
    double.start()
    double.add_channel(CHANNEL, "files", members=["UBOT"])
    yield double
    double.stop()


def test_a_file_is_shared_in_the_channel_with_its_comment(slack: SlackDouble) -> None:
    gateway = SlackGateway(WebClient(token=slack.bot_token, base_url=slack.api_url, retry_handlers=[]))
    content = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    file_id = gateway.upload_file(CHANNEL, "jsc.ics", content, title="JSC (new invite)", initial_comment="Calendar invite")
    stored = slack.file(file_id)
    assert stored["content"] == content and stored["title"] == "JSC (new invite)" and stored["channel"] == CHANNEL
    [message] = slack.messages(CHANNEL)
    assert message.files == [file_id] and message.text == "Calendar invite"
    assert [c.method for c in slack.calls()][-2:] == ["files.getUploadURLExternal", "files.completeUploadExternal"]


def test_a_channel_the_bot_cannot_see_is_a_clear_error(slack: SlackDouble) -> None:
    gateway = SlackGateway(WebClient(token=slack.bot_token, base_url=slack.api_url, retry_handlers=[]))
    with pytest.raises(SlackCallError) as refused:
        gateway.upload_file("C0NOWHERE", "jsc.ics", b"x")
    assert refused.value.error == "channel_not_found"


def test_a_failed_byte_upload_is_transient_and_shares_nothing(slack: SlackDouble) -> None:
    import socket

    gateway = SlackGateway(WebClient(token=slack.bot_token, base_url=slack.api_url, retry_handlers=[]))
    with socket.socket() as probe:  # a port nobody listens on: the upload URL refuses the connection
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/upload/F0DEAD"
    real_call = gateway.call

    def call(method: str, **params: object) -> object:
        answer = real_call(method, **params)
        return {**answer, "upload_url": dead} if method == "files.getUploadURLExternal" else answer  # type: ignore[dict-item]

    gateway.call = call  # type: ignore[method-assign]
    with pytest.raises(SlackCallError) as failed:
        gateway.upload_file(CHANNEL, "jsc.ics", b"x")
    assert failed.value.category == "transient"  # nothing was shared yet, so the whole upload may be tried again
    assert slack.messages(CHANNEL) == [] and "files.completeUploadExternal" not in [c.method for c in slack.calls()]
