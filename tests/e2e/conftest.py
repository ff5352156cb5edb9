"""The real app, running against the Slack double over Socket Mode or signed HTTP, on each database."""
from __future__ import annotations

import threading
import time
from pathlib import Path
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
import waitress
from slack_bolt import App

from bot.app import Services, build_app, build_services
from bot.domain.alliance import Alliance, MemberMapping, Partner
from bot.runner import HTTP_THREADS, stop_waitress
from bot.settings import load_settings
from bot.slack_edge.http_edge import SlackHttpEdge
from bot.slack_edge.socket_mode import SocketModeConnection
from storage.alliances import save_alliance
from storage.db import Database
from tests.conftest import migrated_sqlite, pg_database
from tests.slack_double import HttpTransport, Person, SlackDouble, SocketModeTransport

SECRET = "e2e-signing-secret-0123456789abcdef"
CHANNEL = "C0ALLIANCE"
HOME, PARTNER = "T0ALPHA", "T0BETA"

T = TypeVar("T")


def eventually(check: Callable[[], T], timeout: float = 5.0, what: str = "condition") -> T:
    """Poll until `check` returns something truthy (work after the ack is asynchronous)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def slack() -> Iterator[SlackDouble]:
    """A Slack Connect channel shared by Alpha Pharma (where the app is installed) and Beta Bio."""
    double = SlackDouble(signing_secret=SECRET, team_id=HOME, team_name="Alpha Pharma")
    double.start()
    double.add_team(PARTNER, "Beta Bio", domain="betabio")
    # Alpha Pharma's own people come with their addresses; Beta Bio does not share its members' with other orgs.
    double.add_user("UMARIA", HOME, "maria", real_name="Maria Silva", tz="America/New_York", email="maria@alphapharma.example")
    double.add_user("ULEE", HOME, "lee", real_name="Lee Meier", tz="Europe/Zurich", email="lee@alphapharma.example")
    double.add_user("UKENJI", PARTNER, "kenji", real_name="Kenji Sato", tz="Asia/Tokyo")
    double.add_user("UANNA", PARTNER, "anna", real_name="Anna Berg", tz=None)
    double.add_channel(CHANNEL, "alpha-beta-alliance", members=["UMARIA", "ULEE", "UKENJI", "UANNA", "UBOT"], is_ext_shared=True)
    yield double
    double.stop()


@dataclass
class RunningBot:
    """The app under test and the ways to reach it."""

    services: Services
    app: App
    transport: Any
    slack: SlackDouble

    def person(self, user_id: str) -> Person:
        """Someone in Slack who can type commands, click and fill in forms."""
        return Person(self.slack, self.transport, user_id)


def start_bot(slack: SlackDouble, database: Database, mode: str) -> tuple[RunningBot, Callable[[], None]]:
    """Start the real app the way `alliancebot run` does, in this process."""
    env = {"SLACK_BOT_TOKEN": slack.bot_token, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.api_url}
    if mode == "socket":
        env["SLACK_APP_TOKEN"] = slack.app_token
    settings = load_settings(env, dotenv=None)
    # A short update interval keeps tests quick; bursts still coalesce (the burst test checks it).
    services = build_services(settings, db=database, update_interval=0.25)
    app = build_app(services)
    stops: list[Callable[[], None]] = []
    if mode == "socket":
        connection = SocketModeConnection(app, settings.app_token or "", settings.api_url)
        connection.connect()
        slack.socket.wait_connected(5)
        transport: Any = SocketModeTransport(slack)
        stops.append(connection.close)
    else:
        server = waitress.create_server(SlackHttpEdge(app, database, services.clock, SECRET), host="127.0.0.1", port=0, threads=HTTP_THREADS)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        transport = HttpTransport(slack, f"http://127.0.0.1:{server.effective_port}/slack/events")  # type: ignore[union-attr]
        stops.append(lambda: stop_waitress(server, thread))

    def stop() -> None:
        for step in stops:
            step()
        services.listener_executor.shutdown(wait=True)
        services.coalescer.close()

    return RunningBot(services, app, transport, slack), stop


@pytest.fixture(params=["socket", "http"])
def bot(request: pytest.FixtureRequest, slack: SlackDouble, database: Database) -> Iterator[RunningBot]:
    """The app, reached over Socket Mode and over signed HTTP, on SQLite and on PostgreSQL (four runs)."""
    running, stop = start_bot(slack, database, request.param)
    yield running
    stop()


@pytest.fixture(params=["socket-sqlite", "http-postgresql"])
def bot2(request: pytest.FixtureRequest, slack: SlackDouble, tmp_path: Path) -> Iterator[RunningBot]:
    """The app in two runs that still cover both transports and both databases: for the many
    scenarios whose behaviour does not depend on the combination (keeps the suite quick)."""
    mode, backend = request.param.split("-")
    databases = migrated_sqlite(tmp_path) if backend == "sqlite" else pg_database()
    database = next(databases)
    running, stop = start_bot(slack, database, mode)
    try:
        yield running
    finally:
        stop()
        databases.close()


def with_alliance(bot: RunningBot, channel: str = CHANNEL, name: str = "Alpha–Beta", by_user: str = "UMARIA") -> RunningBot:
    """Set up a channel's Alpha–Beta alliance (partners by Slack team), as /alliance setup would."""
    setup = Alliance(channel, name, MemberMapping.SLACK_TEAM, (Partner("Alpha Pharma", HOME), Partner("Beta Bio", PARTNER)))
    with bot.services.db.write() as session:
        save_alliance(session, bot.services.default_installation_id, setup, by_user=by_user, now=bot.services.clock.now())
    return bot


def crowded_alliance(bot: RunningBot, channel: str, per_partner: int) -> list[str]:
    """A Slack Connect channel with `per_partner` people from each partner (UA000…, UB000…), its alliance set up."""
    people = [f"UA{i:03d}" for i in range(per_partner)] + [f"UB{i:03d}" for i in range(per_partner)]
    for user in people:
        bot.slack.add_user(user, HOME if user.startswith("UA") else PARTNER, user.lower(), tz="UTC")
    bot.slack.add_channel(channel, channel.lower(), members=people, is_ext_shared=True)
    with_alliance(bot, channel, channel.title(), by_user="UA000")
    return people
