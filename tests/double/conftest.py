"""Fixtures for testing the Slack double itself with slack_sdk's real WebClient."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk.web import WebClient

from tests.samples import sample_path
from tests.slack_double import AckResult, SlackDouble

CHANNEL = "C0DOUBLE"


def sample(path: str) -> Any:
    """A recorded Slack payload from tests/fixtures/slack/."""
    return json.loads(sample_path(*path.split("/")).read_text())


class Recorder:
    """A transport that keeps payloads and answers with a fixed ack, standing in for the app."""

    def __init__(self, ack: dict[str, Any] | None = None) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.ack = ack

    def deliver(self, kind: str, payload: dict[str, Any]) -> AckResult:
        self.sent.append((kind, payload))
        return AckResult(True, 0.0, self.ack)


def web(double: SlackDouble, token: str | None = None, **kwargs: Any) -> WebClient:
    """slack_sdk's own client, pointed at the double."""
    return WebClient(token=token or double.bot_token, base_url=double.api_url, **kwargs)


@pytest.fixture
def slack() -> Iterator[SlackDouble]:
    """A double with two people and a channel of 250 members (plus the bot)."""
    with SlackDouble() as double:
        double.add_user("UMARIA", double.team_id, "maria", tz="Europe/Zurich")
        double.add_user("UANON", double.team_id, "anon", tz=None)
        double.add_channel(CHANNEL, "double", members=["UMARIA", "UANON"] + [f"U{i:04d}" for i in range(248)])
        yield double


SHARED = "C0SHARED"


@pytest.fixture
def shared() -> Iterator[SlackDouble]:
    """Alpha (which installed the app) and Beta (which did not) in one Slack Connect channel."""
    with SlackDouble(team_id="T0ALPHA", team_name="Alpha Pharma") as double:
        double.add_team("T0BETA", "Beta Bio", domain="betabio")
        double.add_user("UMARIA", "T0ALPHA", "maria")
        double.add_user("UKENJI", "T0BETA", "kenji", tz="Asia/Tokyo")
        double.add_channel(SHARED, "alpha-beta", members=["UMARIA", "UKENJI"], is_ext_shared=True)
        yield double
