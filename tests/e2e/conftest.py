"""The real app, running against the Slack double over Socket Mode or signed HTTP, on each database."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from slack_bolt import App

from bot.app import LISTENER_THREADS, build_app, build_services
from bot.domain.alliance import Alliance, MemberMapping, Partner
from bot.http_server import bind, make_http_server, stop_waitress
from bot.services import Services
from bot.settings import load_settings
from bot.slack_edge.http_edge import SlackHttpEdge
from bot.slack_edge.installation_context import ContextThreadPoolExecutor
from bot.slack_edge.socket_mode import SocketModeConnection
from storage.alliances import save_alliance
from storage.db import Database
from tests.conftest import migrated_sqlite, pg_database
from tests.slack_double import HttpTransport, Person, SlackDouble, SocketModeTransport
from tests.slack_double.clock import PATIENCE

SECRET = "e2e-signing-secret-0123456789abcdef"
CHANNEL = "C0ALLIANCE"
HOME, PARTNER = "T0ALPHA", "T0BETA"

T = TypeVar("T")


def eventually(check: Callable[[], T], timeout: float = PATIENCE, what: str = "condition") -> T:
    """Poll until `check` returns something truthy (work after the ack is asynchronous).

    Returns as soon as it does; `timeout` is only reached when the app is broken, so it is generous
    (a loaded machine is many times slower than an idle one, and no test may fail for that).
    """
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


class TrackedExecutor(ContextThreadPoolExecutor):
    """The app's listener pool, counting the tasks not finished yet, so a test can wait until the app is idle."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unfinished = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        with self._idle:
            self._unfinished += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._finished()
            raise
        future.add_done_callback(lambda _: self._finished())
        return future

    def _finished(self) -> None:
        with self._idle:
            self._unfinished -= 1
            self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """True once no listener is queued or running (False after `timeout` seconds)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._unfinished == 0, timeout)


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

    def settle(self, timeout: float = PATIENCE) -> None:
        """Wait until the app has finished everything it started: listeners, message updates, calls to Slack.

        A test that checks something did *not* happen checks it after settle(), not after a sleep
        that a slow machine may not outlast (and a fast one wastes).
        """
        executor = self.services.listener_executor
        assert isinstance(executor, TrackedExecutor), "settle() needs the bot started by start_bot()"
        deadline = time.monotonic() + timeout

        def left() -> float:
            return max(0.0, deadline - time.monotonic())

        # The vote drain's follow-ups (message refreshes) run after the voters' listeners have acked and ended.
        ballots = self.services.ballots
        while True:
            if not (executor.wait_idle(left()) and ballots.wait_idle(left()) and self.services.coalescer.flush(left())):
                raise AssertionError(f"the app was still busy after {timeout:.0f} s")
            self.slack.settle(left())
            # Nothing the app was doing may have started anything new meanwhile.
            if executor.wait_idle(0) and ballots.wait_idle(0) and self.services.coalescer.flush(0):
                return


def patient(app: App) -> App:
    """Let Bolt wait for every listener's ack as long as it takes.

    Bolt answers a request 404 when its listener has not called ack() 3 s after the request came
    in (Slack's limit, App's fixed ack_timeout); on a loaded machine that measures the machine,
    not the app: a Support click waits up to 2 s for its vote to be stored, after a middleware
    and a free listener thread. Tests check that the ack came; benchmarks/ack_latency.py and
    consensus_burst.py report how fast.
    """
    for listener in app._listeners:  # no public way to set it for app.action() and the like
        listener.ack_timeout = int(PATIENCE)
    return app


def start_bot(slack: SlackDouble, database: Database, mode: str, **http_limits: Any) -> tuple[RunningBot, Callable[[], None]]:
    """Start the real app the way `alliancebot run` does, in this process (`http_limits`: make_http_server's)."""
    env = {"SLACK_BOT_TOKEN": slack.bot_token, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.api_url}
    if mode == "socket":
        env["SLACK_APP_TOKEN"] = slack.app_token
    settings = load_settings(env, dotenv=None)
    # A short update interval keeps tests quick; bursts still coalesce (the burst test checks it).
    services = build_services(settings, db=database, update_interval=0.25)
    services.listener_executor.shutdown()
    services.listener_executor = TrackedExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="listener")
    # The app gives up on a Slack call after WEB_API_TIMEOUT (10 s): here Slack is the double, and
    # only as slow as the machine; a call it answers late is no fault these tests look for.
    services.gateway.client.timeout = int(PATIENCE)
    services.vote_ack_wait = PATIENCE  # a vote is acked once stored, however long the loaded machine takes
    app = patient(build_app(services))
    stops: list[Callable[[], None]] = []
    if mode == "socket":
        connection = SocketModeConnection(app, settings.app_token or "", settings.api_url)
        connection.connect()
        assert slack.socket.wait_connected(), "the app did not connect over Socket Mode"
        transport: Any = SocketModeTransport(slack)
        stops.append(connection.close)
    else:
        server = make_http_server(SlackHttpEdge(app, database, services.clock, SECRET), bind("127.0.0.1", 0), **http_limits)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        transport = HttpTransport(slack, f"http://127.0.0.1:{server.effective_port}/slack/events")
        stops.append(lambda: stop_waitress(server, thread, timeout=PATIENCE))

    def stop() -> None:
        for step in stops:
            step()
        services.listener_executor.shutdown(wait=True)
        services.coalescer.close()

    return RunningBot(services, app, transport, slack), stop


@contextmanager
def bot_on_sqlite(slack: SlackDouble, tmp_path: Path, mode: str, **http_limits: Any) -> Iterator[RunningBot]:
    """The app over `mode` on a fresh SQLite file in `tmp_path`, stopped and closed afterwards."""
    databases = migrated_sqlite(tmp_path)
    running, stop = start_bot(slack, next(databases), mode, **http_limits)
    try:
        yield running
    finally:
        stop()
        databases.close()


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
