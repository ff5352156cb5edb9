"""Slow clients through the real HTTP server: closed at their read deadline, and never able to lock Slack out (issue #18).

No figure here depends on the machine's speed: each test waits until the thing happens (a slow
connection closed, a command acked) and gives up only after PATIENCE. Figures under load are
benchmarks/slow_clients.py's.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import CHANNEL, RunningBot, bot_on_sqlite, eventually, with_alliance
from tests.slack_double import SlackDouble
from tests.slack_double.clock import PATIENCE
from tests.slack_double.payloads import VERIFICATION_TOKEN
from tests.slack_double.slow_clients import SlowClients

NEVER = 100 * PATIENCE  # a read deadline no test outlasts: only the connection limit can close a slow client


def commands(bot: RunningBot, count: int) -> list[dict[str, str]]:
    slack = bot.slack
    return [{"token": VERIFICATION_TOKEN, "team_id": slack.team_id, "channel_id": CHANNEL, "user_id": "UMARIA", "command": "/alliance",
             "text": "help", "trigger_id": slack.issue_trigger("UMARIA"), "response_url": slack.issue_response_url("UMARIA", CHANNEL)}
            for _ in range(count)]


@pytest.mark.parametrize("part", ["headers", "body"])
def test_a_request_sent_too_slowly_is_closed_at_its_deadline(slack: SlackDouble, tmp_path: Path, part: str) -> None:
    # A byte every 0.1 s keeps waitress's own timeout (silence) from ever closing the connection.
    with bot_on_sqlite(slack, tmp_path, "http", header_timeout=1, body_timeout=1) as bot:
        slow = SlowClients(bot.transport.client.app_url, 5, part=part, interval=0.1).start()
        try:
            eventually(lambda: slow.closed_by_server == 5, what=f"the server to close connections sending their {part} slowly")
            assert all(ack.acked for ack in bot.transport.deliver_burst("slash_commands", commands(bot, 5)))
        finally:
            slow.stop()


def test_slow_clients_beyond_the_connection_limit_cannot_lock_slack_out(slack: SlackDouble, tmp_path: Path) -> None:
    # 150 slow connections against a limit of 20 (waitress itself would stop accepting at 120).
    with bot_on_sqlite(slack, tmp_path, "http", header_timeout=NEVER, body_timeout=NEVER, connection_limit=20) as bot:
        with_alliance(bot)
        slow = SlowClients(bot.transport.client.app_url, 150, interval=0.2).start()
        try:
            eventually(lambda: slow.closed_by_server >= 130, what="the server to close the slow connections beyond its limit")
            acks = bot.transport.deliver_burst("slash_commands", commands(bot, 40))
            assert [ack.status for ack in acks] == [200] * 40
            eventually(lambda: len(slack.ephemerals(CHANNEL, "UMARIA")) == 40, what="every command answered")
        finally:
            slow.stop()


def test_stopping_a_server_whose_loop_already_ended_closes_it_without_an_error() -> None:
    import threading

    from bot.http_server import bind, make_http_server, stop_waitress

    server = make_http_server(lambda environ, start_response: [], bind("127.0.0.1", 0), threads=1)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    stop_waitress(server, thread, timeout=PATIENCE)
    assert not thread.is_alive()
    stop_waitress(server, thread, timeout=PATIENCE)  # the trigger is closed now: the second stop must not raise
