"""Slack misbehaves while due work goes out (429 storms, 5xx, timeouts, refusals, a revoked token):
nothing is lost, nothing is sent twice, and the log says what happened in one line each."""
from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import pytest
from slack_sdk.web import WebClient

from bot.clock import FixedClock
from bot.scheduler import Scheduler, Sent
from bot.scheduler.delivery import post_once
from bot.slack_edge.gateway import RetryPolicy, SlackGateway
from storage.db import Database
from storage.due_work import ClaimedWork, enqueue
from tests.slack_double import SlackDouble
from tests.storage.helpers import T0, installation, state

CHANNELS = ("C0ONE", "C0TWO")
PEOPLE = ("UMARIA", "ULEE")
SECRET = "Confidential: Beta's royalty floor is 4%"
WORK = 24


@pytest.fixture
def slack() -> Iterator[SlackDouble]:
    with SlackDouble() as double:
        for person in PEOPLE:
            double.add_user(person, double.team_id, person.lower())
        for channel in CHANNELS:
            double.add_channel(channel, channel.lower(), members=[*PEOPLE, "UBOT"])
        yield double


def test_due_work_survives_every_kind_of_slack_fault_once_each(database: Database, slack: SlackDouble, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    inst, clock, waits = installation(database), FixedClock(T0), []
    # The double holds a "timeout" fault's answer until the client gives up, so every one times out;
    # the client's timeout is short to keep the test quick, yet long enough for an ordinary answer on
    # a loaded machine (a spurious timeout is one more fault the scheduler must survive, nothing worse).
    client = WebClient(token=slack.bot_token, base_url=slack.api_url, timeout=1, retry_handlers=[])
    gateway = SlackGateway(client, RetryPolicy(attempts=3, base_delay=0.01), sleep=waits.append)

    def send(work: ClaimedWork) -> Sent:
        return post_once(gateway, work, str(work.payload["to"]), SECRET, now=clock.now())

    with database.write() as session:
        for n in range(WORK):
            target = CHANNELS[n % 2] if n % 3 else PEOPLE[n % 2]
            enqueue(session, installation_id=inst, kind="nudge", key=f"nudge:{n}", due_at=T0, payload={"to": target, "text": SECRET}, now=T0)
    faults = [("ratelimited", {"times": 6, "retry_after": 2}), ("server_error", {"times": 2}), ("unavailable", {"times": 2}),
              ("timeout", {"times": 2}), ("reset_after_commit", {"times": 2}), ("empty_body", {"times": 1}),
              ("error", {"times": 2, "error": "not_in_channel"}), ("error", {"times": 2, "error": "channel_not_found"})]
    for kind, options in faults:
        slack.inject("chat.postMessage", kind, **options)  # type: ignore[arg-type]
    scheduler = Scheduler(database, {"nudge": send}, clock=clock, worker="w1", batch=8)

    def tick() -> None:
        scheduler.tick()
        # A timed-out post lands in Slack after the client gave up; in production the scheduler's
        # 30 s backoff covers that, here the fixed clock jumps, so wait until the double is done.
        slack.settle()

    tick()
    slack.revoke_token(slack.bot_token)  # an admin revokes the token mid-run...
    for _ in range(3):
        clock.advance(timedelta(hours=2))
        tick()
    slack.add_token(slack.bot_token)  # ...and it works again (reinstalled) a few hours later
    for _ in range(20):
        clock.advance(timedelta(hours=2))
        tick()
        if all(state(database, f"nudge:{n}").status == "sent" for n in range(WORK)):
            break

    states = [state(database, f"nudge:{n}") for n in range(WORK)]
    assert Counter(s.status for s in states) == {"sent": WORK}, [(n, s.status, s.last_error) for n, s in enumerate(states) if s.status != "sent"]
    delivered = Counter(c.params["metadata"]["event_payload"]["key"] for c in slack.calls("chat.postMessage")
                        if c.status == 200 and c.response.get("ok"))
    assert delivered == {f"nudge:{n}": 1 for n in range(WORK)}  # no work lost, nothing twice
    log = "\n".join(r.getMessage() for r in caplog.records)
    # Every 429 was waited out for its Retry-After before the next call, except where the gateway
    # gave up on its last attempt and left the work to the scheduler's own backoff.
    limited = sum(c.status == 429 for c in slack.calls("chat.postMessage"))
    assert limited == 6 and sum(w >= 2 for w in waits) == limited - log.count("Slack kept rate-limiting")
    for code in ("not_in_channel", "channel_not_found", "token_revoked", "rate limited"):
        assert code in log, code
    assert SECRET not in log and "royalty" not in caplog.text
    print(f"\nfaults: {sum(o['times'] for _, o in faults)} injected + token revoked for 6 h; {WORK}/{WORK} sent once; "
          f"{len(slack.calls('chat.postMessage'))} postMessage calls")
