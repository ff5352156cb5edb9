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

    from slack_sdk.web import WebClient

    from bot.domain.alliance import Alliance, MemberMapping, Partner
    from bot.domain.consensus import Level, Proposal, Vote
    from benchmarks.crash_consistency import CHANNEL, HOME, PARTNER, double, installation, migrated, start_bot, tally_shown
    from storage.alliances import save_alliance
    from storage.decisions import cast_votes, create_decision, load_decision, set_message

    slack = double()
    try:
        people = [f"UVO{n:05d}" for n in range(6)]
        for person in people:
            slack.add_user(person, HOME if n_odd(person) else PARTNER, person.lower())
            slack.join(CHANNEL, person)
        db = migrated(empty_url)
        inst = installation(db)
        ts = str(WebClient(token=slack.bot_token, base_url=slack.api_url).chat_postMessage(channel=CHANNEL, text="Decision")["ts"])
        now = datetime.now(timezone.utc)
        with db.write() as session:
            save_alliance(session, inst, Alliance(CHANNEL, "A–B", MemberMapping.SLACK_TEAM, (Partner("Alpha", HOME), Partner("Beta", PARTNER))),
                          by_user=people[0], now=now)
            decision_id = create_decision(session, installation_id=inst, channel_id=CHANNEL, creator_id=people[0], proposal=Proposal("Restart"),
                                          deciders=[(p, "Alpha" if n_odd(p) else "Beta") for p in people], partners=["Alpha", "Beta"], now=now)
            set_message(session, decision_id, ts)
            decision = load_decision(session, inst, decision_id)
            assert decision is not None
            cast_votes(session, decision, [Vote(p, "Alpha" if n_odd(p) else "Beta", Level.SUPPORT) for p in people[:4]], now)
        db.dispose()
        assert tally_shown(slack, ts) == 0  # the message never heard of them

        bot, _ = start_bot(slack, empty_url)
        try:
            eventually(lambda: tally_shown(slack, ts) == 4, timeout=60, what="the message caught up")
        finally:
            bot.terminate()
            bot.wait(timeout=30)
    finally:
        slack.stop()


def n_odd(person: str) -> bool:
    return int(person[3:]) % 2 == 1
