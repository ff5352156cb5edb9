"""Slack redelivers (retries with X-Slack-Retry-Num, duplicate Socket Mode envelopes): each is processed once."""
from __future__ import annotations

import copy
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.domain.alliance import Alliance, MemberMapping, Partner
from storage.alliances import save_alliance
from storage.models.decisions import DecisionRow, VoteRow
from storage.models.delivery import ProcessedEventRow
from tests.e2e.conftest import CHANNEL, HOME, PARTNER, RunningBot, eventually
from tests.slack_double import HttpTransport, event_envelope
from tests.slack_double.socket_mode import AckResult


class Recording:
    """A transport that keeps what it delivered, so a test can deliver it again as Slack would."""

    def __init__(self, transport: Any) -> None:
        self.transport = transport
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def deliver(self, kind: str, payload: dict[str, Any]) -> AckResult:
        self.sent.append((kind, copy.deepcopy(payload)))
        return self.transport.deliver(kind, payload)  # type: ignore[no-any-return]

    def redeliver(self, index: int = -1, attempt: int = 1, signed_ago: int = 0) -> AckResult:
        """The same payload again: a Socket Mode retry envelope, or an HTTP delivery with its retry number
        (signed `signed_ago` seconds ago: Slack signs each delivery when it sends it)."""
        kind, payload = self.sent[index]
        if isinstance(self.transport, HttpTransport):
            client = self.transport.client
            if kind == "events_api":
                result = client.event(payload, retry_num=attempt, stale_seconds=signed_ago)
            elif kind == "slash_commands":
                result = client.command(payload, headers={"X-Slack-Retry-Num": str(attempt)})
            else:
                result = client.interactive(payload, headers={"X-Slack-Retry-Num": str(attempt)})
            return AckResult(result.status == 200, result.latency, None, result.status)
        return self.transport.double.socket.send(kind, payload, retry_attempt=attempt, retry_reason="timeout")  # type: ignore[no-any-return]


@pytest.fixture
def alliance(bot2: RunningBot) -> tuple[RunningBot, Recording]:
    bot = bot2
    with bot.services.db.write() as session:
        save_alliance(session, bot.services.default_installation_id,
                      Alliance(CHANNEL, "Alpha–Beta", MemberMapping.SLACK_TEAM, (Partner("Alpha Pharma", HOME), Partner("Beta Bio", PARTNER))),
                      by_user="UMARIA", now=bot.services.clock.now())
    recording = Recording(bot.transport)
    bot.transport = recording
    return bot, recording


def rows(bot: RunningBot, model: Any) -> int:
    with bot.services.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_storm_of_retries_of_one_event_runs_it_once(alliance: tuple[RunningBot, Recording], caplog: pytest.LogCaptureFixture) -> None:
    bot, recording = alliance
    user = bot.slack.ws.users["UKENJI"].to_api()
    envelope = event_envelope(bot.slack, {"type": "user_change", "user": {**user, "tz": "Europe/Paris"}, "event_ts": f"{time.time():.6f}"})
    caplog.set_level(logging.INFO, logger="bot.slack_edge.middleware")
    assert recording.deliver("events_api", envelope).acked
    with ThreadPoolExecutor(8) as pool:  # Slack's three retries, each delivered twice, all at once
        acks = list(pool.map(lambda retry: recording.redeliver(0, *retry), [(1, 0), (2, 0), (3, 0), (1, 2), (2, 2), (3, 2)]))
    assert all(a.acked for a in acks)
    assert rows(bot, ProcessedEventRow) == 1
    assert sum("already handled" in r.getMessage() for r in caplog.records) == 6


def test_a_duplicated_command_starts_one_decision(alliance: tuple[RunningBot, Recording]) -> None:
    bot, recording = alliance
    bot.person("UMARIA").run("/consensus", "Extend the research term by a year", channel=CHANNEL)
    assert recording.redeliver().acked
    eventually(lambda: rows(bot, DecisionRow) == 1, what="the decision")
    bot.settle()
    assert rows(bot, DecisionRow) == 1
    assert sum("Extend the research term" in str(m.blocks) for m in bot.slack.messages(CHANNEL)) == 1


def test_a_duplicated_click_and_form_count_once(alliance: tuple[RunningBot, Recording]) -> None:
    bot, recording = alliance
    maria, kenji = bot.person("UMARIA"), bot.person("UKENJI")
    maria.run("/consensus", "", channel=CHANNEL)
    eventually(lambda: bot.slack.open_views("UMARIA"), what="the start form")
    maria.submit_view({"Proposal": "Share the assay data monthly"})
    assert recording.redeliver().acked
    eventually(lambda: any("assay data" in str(m.blocks) for m in bot.slack.messages(CHANNEL)), what="the decision")
    kenji.click("Support", channel=CHANNEL)
    for attempt in (1, 2):
        assert recording.redeliver(attempt=attempt).acked
    eventually(lambda: rows(bot, VoteRow) == 1, what="the vote")
    bot.settle()
    assert rows(bot, DecisionRow) == 1 and rows(bot, VoteRow) == 1
    with bot.services.db.read() as session:
        assert session.scalar(select(VoteRow.changes)) == 0


def test_a_duplicated_concern_form_counts_once(alliance: tuple[RunningBot, Recording]) -> None:
    bot, recording = alliance
    maria, anna = bot.person("UMARIA"), bot.person("UANNA")
    maria.run("/consensus", "Share the assay data weekly", channel=CHANNEL)
    eventually(lambda: any("weekly" in str(m.blocks) for m in bot.slack.messages(CHANNEL)), what="the decision")
    anna.click("Block", channel=CHANNEL)
    eventually(lambda: bot.slack.open_views("UANNA"), what="the concern form")
    anna.submit_view({"Which interest of yours is not addressed?": "Weekly is too often for our QA"})
    for attempt in (1, 2):
        assert recording.redeliver(attempt=attempt).acked
    eventually(lambda: rows(bot, VoteRow) == 1, what="the vote")
    with bot.services.db.read() as session:
        vote = session.execute(select(VoteRow.level, VoteRow.changes)).one()
    assert tuple(vote) == ("block", 0)  # stored once; the redeliveries changed nothing
