"""kill -9 of the scheduler and of the bot at random points, then restart: nothing lost, nothing doubled.

A small run of benchmarks/crash_consistency.py (which reports the figures at full size).
"""
from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.crash_consistency import scheduler_crashes, vote_crashes
from tests.conftest import pg_database
from tests.e2e.conftest import eventually
from tests.slack_double.clock import PATIENCE


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crash.db'}"
        return
    schemas = pg_database()  # a fresh PostgreSQL schema (skips without TEST_DATABASE_URL)
    database = next(schemas)
    yield database.engine.url.render_as_string(hide_password=False)
    schemas.close()


def test_a_scheduler_killed_mid_run_sends_everything_exactly_once_after_restarts(empty_url: str) -> None:
    figures = scheduler_crashes(empty_url, items=50, kills=2, rng=random.Random(3), pause=0.02)
    print("\n" + figures.line())
    assert (figures.sent_once, figures.missing, figures.doubled, figures.rows_not_sent) == (50, 0, 0, 0)


def test_a_bot_killed_mid_burst_of_clicks_and_block_forms_keeps_every_acknowledged_vote_doubles_none_and_catches_up(empty_url: str) -> None:
    figures = vote_crashes(empty_url, voters=40, bursts=2, rng=random.Random(5))
    print("\n" + figures.line())
    assert figures.doubled == 0 and figures.acked_not_stored == 0 and figures.stored <= figures.clicks and figures.acked > 0
    assert figures.forms > 0 and figures.message_caught_up


def test_after_a_restart_the_decision_message_shows_votes_stored_just_before_the_crash(empty_url: str) -> None:
    """Votes committed (and acknowledged) whose message update never went out, as when the bot dies
    between the two: the restarted bot brings the message up to date without anyone clicking."""
    from datetime import datetime, timezone

    from benchmarks.crash_consistency import double, open_decision, partner_of, start_bot, tally_shown
    from bot.domain.consensus import Level, Vote
    from storage.decisions import cast_votes, load_decision

    slack = double()
    try:
        people = [f"UVO{n:05d}" for n in range(6)]
        db, inst, decision_id, ts = open_decision(slack, empty_url, people, "Restart")
        with db.write() as session:
            decision = load_decision(session, inst, decision_id)
            assert decision is not None
            cast_votes(session, decision, [Vote(p, partner_of(p), Level.SUPPORT) for p in people[:4]], datetime.now(timezone.utc))
        db.dispose()
        assert tally_shown(slack, ts) == 0  # the message never heard of them

        bot, _ = start_bot(slack, empty_url)
        try:
            eventually(lambda: tally_shown(slack, ts) == 4, what="the message caught up")
        finally:
            bot.terminate()
            bot.wait(timeout=PATIENCE)
    finally:
        slack.stop()
