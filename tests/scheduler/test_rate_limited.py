"""A long 429 storm delays due work but never uses up its attempts: a digest or nudge is not lost."""
from __future__ import annotations

from datetime import timedelta

from bot.clock import FixedClock
from bot.scheduler import Outcome, Scheduler, Sent
from bot.scheduler.work import RATE_LIMIT_RETRY
from bot.slack_edge.gateway import SlackCallError
from storage.db import Database
from storage.due_work import ClaimedWork, enqueue
from tests.storage.helpers import T0, installation, state


def add(db: Database, key: str) -> None:
    inst = installation(db)
    with db.write() as session:
        enqueue(session, installation_id=inst, kind="digest", key=key, due_at=T0, payload={}, now=T0)


def test_rate_limited_attempts_are_not_counted_and_the_work_is_sent_after_the_storm(database: Database) -> None:
    add(database, "digest")
    clock, calls = FixedClock(T0), []
    storm = 12  # far more 429s (after the gateway's own tries) than max_attempts allows failures

    def send(work: ClaimedWork) -> Outcome:
        calls.append(work.attempt)
        if len(calls) <= storm:
            raise SlackCallError("chat.postMessage", "ratelimited", "transient")
        if len(calls) == storm + 1:
            raise SlackCallError("chat.postMessage", "internal_error", "transient")  # an ordinary failure still counts
        return Sent({"ts": "1.0"})

    scheduler = Scheduler(database, {"digest": send}, clock=clock, worker="w1", max_attempts=3)
    for _ in range(storm):
        assert scheduler.tick() == 1
        after = state(database, "digest")
        assert (after.status, after.attempts) == ("pending", 0)
        assert after.due_at == clock.now() + RATE_LIMIT_RETRY and "ratelimited" in (after.last_error or "")
        clock.advance(RATE_LIMIT_RETRY)
    assert scheduler.tick() == 1
    assert (state(database, "digest").status, state(database, "digest").attempts) == ("pending", 1)
    clock.advance(timedelta(hours=1))
    assert scheduler.tick() == 1
    final = state(database, "digest")
    assert (final.status, final.attempts) == ("sent", 2)
    assert calls == [1] * storm + [1, 2]  # every rate-limited claim was handed back as the same attempt
