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


def test_a_bot_killed_mid_burst_keeps_every_acknowledged_vote_and_doubles_none(empty_url: str) -> None:
    figures = vote_crashes(empty_url, voters=40, bursts=2, rng=random.Random(5))
    print("\n" + figures.line())
    assert figures.doubled == 0 and figures.acked_not_stored == 0 and figures.stored <= figures.clicks and figures.acked > 0
