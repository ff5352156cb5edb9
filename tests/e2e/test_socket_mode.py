"""Socket Mode as Slack delivers it: bursts of full-size envelopes, connections that drop or go quiet."""
from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.slack_edge.socket_mode import SocketModeConnection
from storage.db import Database
from storage.decisions import load_decision
from tests.conftest import migrated_sqlite
from tests.e2e.conftest import CHANNEL, RunningBot, bot_on_sqlite, crowded_alliance, eventually, start_bot
from tests.slack_double import Person, SlackDouble, SocketModeTransport

BURST_CHANNEL = "C0BURST"


@pytest.fixture
def socket_bot(slack: SlackDouble, tmp_path: Path) -> Iterator[RunningBot]:
    with bot_on_sqlite(slack, tmp_path, "socket") as running:
        yield running


def votes(bot: RunningBot) -> dict[str, str]:
    with bot.services.db.read() as session:
        decision = load_decision(session, bot.services.default_installation_id, 1)
    assert decision is not None
    return {vote.voter_id: vote.level.value for vote in decision.votes}


def open_decision(bot: RunningBot, per_partner: int) -> tuple[list[str], str]:
    people = crowded_alliance(bot, BURST_CHANNEL, per_partner)
    assert bot.person("UA000").run("/consensus", "Approve the 2027 ADC payload supply budget", channel=BURST_CHANNEL).acked
    message = eventually(lambda: bot.slack.messages(BURST_CHANNEL), what="the decision")[0]
    return people, message.ts


def test_three_hundred_clicks_arriving_together_are_all_acked_and_counted(socket_bot: RunningBot) -> None:
    bot = socket_bot
    people, ts = open_decision(bot, 150)
    # Every click carries the whole message as it stands, as Slack sends it.
    payloads = [bot.person(user).click_payload("Support", channel=BURST_CHANNEL, message_ts=ts) for user in people]
    assert all(payload["message"]["ts"] == ts and payload["message"]["blocks"] for payload in payloads)

    acks = bot.transport.deliver_burst("interactive", payloads)

    assert sum(ack.acked for ack in acks) == 300
    assert eventually(lambda: len(votes(bot)) == 300 and votes(bot), what="300 stored votes") == dict.fromkeys(people, "support")
    eventually(lambda: "Support 150" in str(bot.slack.messages(BURST_CHANNEL)[0].blocks), what="the final tally")
    assert bot.slack.socket.opened == 1  # one connection took it all


def test_a_connection_dropped_mid_burst_loses_no_acked_click_and_the_rest_can_be_clicked_again(socket_bot: RunningBot) -> None:
    bot = socket_bot
    people, ts = open_decision(bot, 60)
    payloads = [bot.person(user).click_payload("Support", channel=BURST_CHANNEL, message_ts=ts) for user in people]
    results: list = []
    burst = threading.Thread(target=lambda: results.extend(bot.transport.deliver_burst("interactive", payloads, timeout=5)))
    burst.start()
    eventually(lambda: sum(record.acked for record in bot.slack.socket.acks) or len(votes(bot)) >= 5 or None,
               what="the first votes")
    bot.slack.socket.hard_close()  # the network drops the connection, no close frame
    burst.join()

    acked = {user for user, ack in zip(people, results) if ack.acked}
    assert acked <= set(votes(bot))  # acknowledged means stored
    eventually(lambda: bot.slack.socket.opened == 2 and bot.slack.socket.connected == 1, what="a new connection")
    # Those whose click was not acknowledged saw an error in Slack and click again.
    retried = [bot.person(user).click("Support", channel=BURST_CHANNEL, message_ts=ts) for user in people if user not in acked]
    assert all(ack.acked for ack in retried)
    assert eventually(lambda: len(votes(bot)) == 120 and votes(bot), what="every vote") == dict.fromkeys(people, "support")
    eventually(lambda: "Support 60" in str(bot.slack.messages(BURST_CHANNEL)[0].blocks), what="the final tally")


def test_a_connection_that_goes_quiet_is_replaced_within_seconds_with_one_log_line(
        slack: SlackDouble, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    database: Database = next(migrated_sqlite(tmp_path))
    running, stop = start_bot(slack, database, "http")  # only for its app and services; Socket Mode is set up here
    connection = SocketModeConnection(running.app, slack.app_token, slack.api_url, ping_interval=1.0)
    try:
        connection.connect()
        assert slack.socket.wait_connected(5) and connection.alive()
        caplog.set_level(logging.INFO, logger="alliancebot")
        slack.socket.cut_network()  # nothing arrives either way; nothing is closed
        eventually(lambda: not connection.alive(), what="the quiet connection noticed")
        assert connection.status()["socket_mode"] == "reconnecting"
        eventually(lambda: slack.socket.opened == 2 and connection.alive(), what="a new connection")
        lines = eventually(lambda: [r.getMessage() for r in caplog.records if r.name == "alliancebot" and "Socket Mode" in r.getMessage()],
                           what="the log line")
        assert len(lines) == 1 and lines[0].startswith("Socket Mode: reconnected to Slack after"), lines
        eventually(lambda: connection.status()["socket_mode"] == "connected", what="the health status")
        assert Person(slack, SocketModeTransport(slack), "UMARIA").run("/consensus", "help", channel=CHANNEL).acked
    finally:
        connection.close()
        stop()


def test_slack_asking_to_reconnect_moves_to_a_new_connection_quietly(socket_bot: RunningBot, caplog: pytest.LogCaptureFixture) -> None:
    bot = socket_bot
    caplog.set_level(logging.INFO, logger="alliancebot")
    bot.slack.socket.disconnect(reason="refresh_requested")
    eventually(lambda: bot.slack.socket.opened == 2 and bot.slack.socket.connected == 1, what="the new connection")
    people, _ = open_decision(bot, 2)
    assert bot.person(people[0]).click("Support", channel=BURST_CHANNEL).acked
    lines = eventually(lambda: [r for r in caplog.records if r.name == "alliancebot" and "Socket Mode" in r.getMessage()], what="the log line")
    assert [(r.levelname, r.getMessage()) for r in lines] == [("INFO", "Socket Mode: moved to a new connection (Slack asked us to)")]
    assert json.dumps(votes(bot)) == json.dumps({people[0]: "support"})
