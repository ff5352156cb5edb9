"""Module-level listeners tested alone: a recorded Slack payload in, what they answered and stored out.

No Slack double and no Bolt app: the listener is called as Bolt would call it, with its arguments
and a context holding the services (as `services_middleware` puts them there). Its services talk
to a real migrated SQLite database; the Web API client is aimed at a closed port, so a listener
that calls Slack when it should not fails the test.
"""
from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import Ack
from slack_bolt.context import BoltContext
from slack_sdk.web import WebClient

from bot.clock import FixedClock
from bot.services import Services
from bot.settings import Settings
from bot.slack_edge.coalescer import UpdateCoalescer
from bot.slack_edge.directory import MemberDirectory
from bot.slack_edge.gateway import RetryPolicy, SlackGateway
from storage.db import Database
from storage.installations import ensure_installation
from tests.conftest import migrated_sqlite

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "slack"
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)  # a Monday
CLOSED_PORT = "http://127.0.0.1:9/api/"  # discard: nothing listens there


def recorded_command(command: str, text: str, channel: str = "C0ALLIANCE", user: str = "UMARIA") -> dict[str, Any]:
    """Slack's recorded slash-command payload (fixtures/slack), with this command's fields."""
    body = copy.deepcopy(json.loads((FIXTURES / "slash_commands" / "slash_command.parsed.json").read_text()))
    body.update(command=command, text=text, channel_id=channel, user_id=user)
    return body


class Respond:
    """Records what the listener answered through the response_url."""

    def __init__(self) -> None:
        self.answers: list[dict[str, Any]] = []

    def __call__(self, text: str = "", **kwargs: Any) -> None:
        self.answers.append({"text": text, **kwargs})


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    """Services on a fresh SQLite database, a fixed clock, and no reachable Slack."""
    for db in migrated_sqlite(tmp_path):
        with db.write() as session:
            installation = ensure_installation(session, enterprise_id=None, team_id="T0ALPHA", team_name="Alpha",
                                               bot_user_id="UBOT", now=NOW)
        services = offline_services(db, installation)
        yield services
        services.coalescer.close()
        services.listener_executor.shutdown()


def offline_services(db: Database, installation_id: int) -> Services:
    settings = Settings(bot_token="xoxb-offline", app_token=None, signing_secret="s" * 32, client_id=None, client_secret=None,
                        api_url=CLOSED_PORT, database_url="sqlite://", log_level="INFO")
    gateway = SlackGateway(WebClient(token="xoxb-offline", base_url=CLOSED_PORT, timeout=1, retry_handlers=[]),
                           RetryPolicy(attempts=1))
    clock = FixedClock(NOW)
    coalescer = UpdateCoalescer(lambda channel, ts, text, blocks: None)
    return Services(settings, db, gateway, MemberDirectory(gateway, db, clock), coalescer, clock, installation_id, "UBOT",
                    ThreadPoolExecutor(max_workers=1))


def context_for(services: Services) -> BoltContext:
    """What Bolt's context holds when a listener runs: the services and the installation."""
    return BoltContext({"services": services, "installation_id": services.default_installation_id})


def acked() -> Ack:
    return Ack()
