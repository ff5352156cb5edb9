"""Slack's redeliveries and exact replays run once; forgeries never reach a listener."""
from __future__ import annotations

import json
import time
from datetime import timedelta
from urllib.parse import urlencode

from storage.actions import channel_items
from storage.db import Database
from storage.decisions import channel_decisions
from storage.milestones import channel_milestones
from storage.users import cached_members
from tests.e2e.conftest import CHANNEL, SECRET, RunningBot, eventually, start_bot, with_alliance
from tests.slack_double import SignedHttpClient, SlackDouble, event_envelope


def cached_tz(bot: RunningBot, user_id: str) -> str | None:
    with bot.services.db.read() as session:
        found = cached_members(session, bot.services.default_installation_id, [user_id], now=bot.services.clock.now(), max_age=timedelta(days=1))
    return found[user_id].tz if user_id in found else None


def user_change(bot: RunningBot, tz: str, event_id: str) -> dict[str, object]:
    user = bot.slack.ws.users["UKENJI"].to_api()
    user["tz"] = tz
    return event_envelope(bot.slack, {"type": "user_change", "user": user, "event_ts": f"{time.time():.6f}"}, event_id=event_id)


def test_a_changed_time_zone_is_picked_up_and_a_redelivery_is_processed_once(bot: RunningBot) -> None:
    first = bot.transport.deliver("events_api", user_change(bot, "Europe/Paris", "Ev0TZ1"))
    assert first.acked
    eventually(lambda: cached_tz(bot, "UKENJI") == "Europe/Paris", what="the new time zone")
    # Slack redelivers the same event id (a retry); the content here differs only to prove
    # that the redelivery is not processed again.
    again = bot.transport.deliver("events_api", user_change(bot, "America/Chicago", "Ev0TZ1"))
    assert again.acked
    bot.settle()
    assert cached_tz(bot, "UKENJI") == "Europe/Paris"


def test_http_replays_and_slack_retries(slack: SlackDouble, database: Database) -> None:

    running, stop = start_bot(slack, database, "http")
    try:
        url = running.transport.client.app_url
        client = SignedHttpClient(url, SECRET)
        envelope = user_change(running, "Asia/Seoul", "Ev0RETRY")
        body = json.dumps(envelope).encode()
        ts = str(int(time.time()))
        signature = client.sign(body, ts)
        assert client.send(body, "application/json", timestamp=ts, signature=signature).status == 200
        # Slack's own retry (same body, retry header) is accepted, and deduplicated.
        retry = client.send(body, "application/json", timestamp=ts, signature=signature,
                            headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
        assert retry.status == 200
        eventually(lambda: cached_tz(running, "UKENJI") == "Asia/Seoul", what="the event")

        # An exact replay of a signed command is acknowledged and runs once: its trigger id, inside the
        # signed body, is remembered by the dedupe (no signature is written before the ack for it).
        installation = running.services.default_installation_id

        def items() -> int:
            with running.services.db.read() as session:
                return len(channel_items(session, installation, CHANNEL, running.services.clock.now()))

        capture = urlencode({"command": "/action", "text": "Book the JSC room", "user_id": "UMARIA", "channel_id": CHANNEL,
                             "team_id": slack.team_id, "trigger_id": slack.issue_trigger("UMARIA"),
                             "response_url": slack.issue_response_url("UMARIA", CHANNEL)}).encode()
        ts = str(int(time.time()))
        signature = client.sign(capture, ts)
        assert client.send(capture, "application/x-www-form-urlencoded", timestamp=ts, signature=signature).status == 200
        eventually(lambda: items() == 1, what="the item")
        assert client.send(capture, "application/x-www-form-urlencoded", timestamp=ts, signature=signature).status == 200
        running.settle()
        assert items() == 1
        # A request without a delivery key (Slack's URL check) is refused on an exact replay.
        check = json.dumps({"type": "url_verification", "token": "unused", "challenge": "c0ffee"}).encode()
        ts = str(int(time.time()))
        signature = client.sign(check, ts)
        assert client.send(check, "application/json", timestamp=ts, signature=signature).status == 200
        assert client.send(check, "application/json", timestamp=ts, signature=signature).status == 401
        before = len(slack.ephemerals())
        form = {"command": "/alliance", "text": "help", "user_id": "UMARIA", "channel_id": CHANNEL, "team_id": slack.team_id,
                "trigger_id": slack.issue_trigger("UMARIA"), "response_url": slack.issue_response_url("UMARIA", CHANNEL)}
        for variant in ({"forged": True}, {"stale_seconds": 301}, {"timestamp": "abc"}, {"timestamp": "1e9"}, {"tamper": True}, {"signature": ""}):
            assert client.command(form, **variant).status == 401, variant
        running.settle()
        assert len(slack.ephemerals()) == before
        assert client.command(form, stale_seconds=299).status == 200
        eventually(lambda: len(slack.ephemerals()) == before + 1, what="the in-window answer")
    finally:
        stop()


def test_commands_whose_text_says_payload_reach_their_feature(bot: RunningBot) -> None:
    """Issue #18: over HTTP these were answered 404 (Bolt took the word for an interaction's form field)."""
    with_alliance(bot)
    maria = bot.person("UMARIA")
    assert maria.run("/action", "Confirm the ADC payload supply forecast <@UKENJI|kenji> by 2030-01-15", channel=CHANNEL).acked
    assert maria.run("/consensus", "Approve the payload-linker CMC transfer plan", channel=CHANNEL).acked
    assert maria.run("/milestone", "add ADC payload conjugation batch released 2030-03-01", channel=CHANNEL).acked
    installation, now = bot.services.default_installation_id, bot.services.clock.now()

    def stored() -> tuple[list[str], list[str], list[str]]:
        with bot.services.db.read() as session:
            return ([item.text for item in channel_items(session, installation, CHANNEL, now)],
                    [decision.proposal for decision in channel_decisions(session, installation, CHANNEL, open_ones=True)],
                    [milestone.name for milestone in channel_milestones(session, installation, CHANNEL, until=None, open_only=False)])

    eventually(lambda: stored() == (["Confirm the ADC payload supply forecast"], ["Approve the payload-linker CMC transfer plan"],
                                    ["ADC payload conjugation batch released"]), what="the item, the decision and the milestone")
