"""The gateway against the Slack double: retries what is safe, never doubles a post, checks payloads."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk.web import WebClient

from bot.slack_edge.blockkit import BlockKitError
from bot.slack_edge.gateway import DeliveryUncertain, RetryPolicy, SlackCallError, SlackGateway
from tests.slack_double import SlackDouble
from tests.slack_double.clock import PATIENCE

CHANNEL = "C0GW"


@pytest.fixture
def slack() -> Iterator[SlackDouble]:
    double = SlackDouble()
    double.start()
    double.add_user("UMARIA", double.team_id, "maria", tz="Europe/Zurich")
    double.add_channel(CHANNEL, "gateway", members=["UMARIA", "UBOT"] + [f"U{i:04d}" for i in range(450)])
    yield double
    double.stop()


class Sleeps:
    """Records the waits instead of sleeping through them."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def gateway(slack: SlackDouble, sleeps: Sleeps) -> SlackGateway:
    client = WebClient(token=slack.bot_token, base_url=slack.api_url, timeout=int(PATIENCE), retry_handlers=[])
    return SlackGateway(client, RetryPolicy(attempts=4), sleep=sleeps)


def test_posts_and_updates_reach_slack(gateway: SlackGateway, slack: SlackDouble) -> None:
    ts = gateway.post_message(CHANNEL, "hello", [{"type": "section", "text": {"type": "mrkdwn", "text": "*hello*"}}])
    gateway.update_message(CHANNEL, ts, "bye", [{"type": "section", "text": {"type": "mrkdwn", "text": "bye"}}])
    [message] = slack.messages(CHANNEL)
    assert message.ts == ts and message.text == "bye"


def test_429_is_retried_after_retry_after(gateway: SlackGateway, slack: SlackDouble, sleeps: Sleeps) -> None:
    slack.inject("chat.postMessage", "ratelimited", times=2, retry_after=7)
    gateway.post_message(CHANNEL, "after the storm")
    assert len(slack.messages(CHANNEL)) == 1
    assert len(sleeps.waits) == 2 and all(7 <= w < 7.5 for w in sleeps.waits)


def test_a_429_that_never_ends_gives_up_with_a_clear_error(gateway: SlackGateway, slack: SlackDouble) -> None:
    slack.inject("chat.postMessage", "ratelimited", times=10, retry_after=1)
    with pytest.raises(SlackCallError) as caught:
        gateway.post_message(CHANNEL, "never")
    assert caught.value.error == "ratelimited"
    assert not slack.messages(CHANNEL)


def test_server_errors_are_retried_for_idempotent_calls(gateway: SlackGateway, slack: SlackDouble, sleeps: Sleeps) -> None:
    slack.inject("users.info", "server_error", times=2)
    assert gateway.user_info("UMARIA")["tz"] == "Europe/Zurich"
    assert len(sleeps.waits) == 2


def test_an_unclear_post_is_not_retried_so_it_is_never_doubled(gateway: SlackGateway, slack: SlackDouble) -> None:
    slack.inject("chat.postMessage", "reset_after_commit")
    with pytest.raises(DeliveryUncertain):
        gateway.post_message(CHANNEL, "once only")
    assert [m.text for m in slack.messages(CHANNEL)] == ["once only"]
    slack.inject("chat.postMessage", "server_error")
    with pytest.raises(DeliveryUncertain):
        gateway.post_message(CHANNEL, "maybe")
    assert len(slack.calls("chat.postMessage")) == 2


def test_503_means_not_processed_so_even_posts_are_retried(gateway: SlackGateway, slack: SlackDouble) -> None:
    slack.inject("chat.postMessage", "unavailable")
    gateway.post_message(CHANNEL, "second time lucky")
    assert [m.text for m in slack.messages(CHANNEL)] == ["second time lucky"]


def test_permanent_errors_are_categorised(gateway: SlackGateway, slack: SlackDouble) -> None:
    slack.add_channel("C0OUT", "outside", members=["UMARIA"], bot_is_member=False)
    with pytest.raises(SlackCallError) as caught:
        gateway.post_message("C0OUT", "hello")
    assert (caught.value.error, caught.value.category) == ("not_in_channel", "permanent")
    slack.revoke_token(slack.bot_token)
    with pytest.raises(SlackCallError) as caught:
        gateway.auth_test()
    assert caught.value.category == "auth"


def test_invalid_blocks_are_stopped_before_they_are_sent(gateway: SlackGateway, slack: SlackDouble) -> None:
    with pytest.raises(BlockKitError):
        gateway.post_message(CHANNEL, "x", [{"type": "section", "text": {"type": "mrkdwn", "text": "y"}}] * 51)
    assert not slack.calls("chat.postMessage")


def test_channel_members_follow_every_page(gateway: SlackGateway, slack: SlackDouble) -> None:
    members = list(gateway.channel_member_ids(CHANNEL, page_size=100))
    assert len(members) == 452 and len(set(members)) == 452
    assert len(slack.calls("conversations.members")) == 5


def test_timeouts_retry_reads_but_never_posts(slack: SlackDouble, sleeps: Sleeps) -> None:
    # The double holds a "timeout" fault's answer until the client gives up: every such call times
    # out, and the client's timeout is still long enough for the ordinary answer to the retry.
    quick = SlackGateway(WebClient(token=slack.bot_token, base_url=slack.api_url, timeout=1, retry_handlers=[]), RetryPolicy(attempts=3), sleep=sleeps)
    slack.inject("users.info", "timeout")
    assert quick.user_info("UMARIA")["id"] == "UMARIA"
    assert len(sleeps.waits) == 1  # a read is retried after a backoff
    slack.settle()
    assert len(slack.calls("users.info")) == 2
    slack.inject("chat.postMessage", "timeout")
    with pytest.raises(DeliveryUncertain):
        quick.post_message(CHANNEL, "slow")
    slack.settle()
    assert [m.text for m in slack.messages(CHANNEL)] == ["slow"]  # it did reach Slack: a retry would have doubled it
    assert len(slack.calls("chat.postMessage")) == 1
    slack.inject("chat.postMessage", "empty_body")
    with pytest.raises(DeliveryUncertain):
        quick.post_message(CHANNEL, "empty")
