"""Shared fixtures: a migrated database on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""
from __future__ import annotations

import os
import zoneinfo
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from storage.db import Database, make_engine, normalise_url, scratch_schema
from storage.migrate import upgrade

# Property tests may not depend on the machine's speed either (issue #15): Hypothesis' default
# 200 ms deadline per example and its too_slow health check fail a test on a loaded machine that
# is merely slow. derandomize: the examples come from a seed fixed per test, so a run passes or
# fails the same way every time (a property violation found is reproduced, not a one-off); and no
# example database, whose replays would make one run depend on the last. Loaded here, before any
# test module is imported, so @settings(...) in a module and tests/trust_profiles.py inherit it;
# `--hypothesis-profile=default` gives Hypothesis' own randomised exploration for a deeper look.
settings.register_profile("alliancebot", deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("alliancebot")

# Every ZoneInfo(name) in the tests reads the tzdata package the bot pins, not the system's tz files (older on some
# machines): the bot reads only the package (bot/domain/tz.py), and icalendar, one of the two readers every invite is
# checked with, resolves a TZID it knows with ZoneInfo(name) rather than the invite's VTIMEZONE. Checked against the
# system's data instead, a zone that changed since (Africa/Casablanca in 2026) would fail by the reader's data, not the invite.
zoneinfo.reset_tzpath(to=())
zoneinfo.ZoneInfo.clear_cache()

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
PG_SKIP_REASON = "PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)"


def pg_database() -> Iterator[Database]:
    """A fresh schema per test, dropped afterwards, so tests never see each other's rows (skips without PostgreSQL)."""
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    with scratch_schema(PG_URL) as url:
        db = Database(make_engine(url))
        try:
            upgrade(db)
            yield db
        finally:
            db.dispose()


def sqlite_url(tmp_path: Path) -> str:
    """A file-backed SQLite URL in the test's own folder."""
    return f"sqlite:///{tmp_path / 'alliancebot.db'}"


def migrated_sqlite(tmp_path: Path) -> Iterator[Database]:
    """A migrated SQLite database in the test's folder."""
    db = Database(make_engine(sqlite_url(tmp_path)))
    upgrade(db)
    yield db
    db.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated database, once per backend."""
    yield from (migrated_sqlite(tmp_path) if request.param == "sqlite" else pg_database())


@pytest.fixture
def pg_database_fixture() -> Iterator[Database]:
    """A migrated PostgreSQL schema (skips without TEST_DATABASE_URL): for what only a PostgreSQL
    deployment does, such as several processes on one database (SQLite serves one process)."""
    yield from pg_database()


@pytest.fixture
def pg_url() -> str:
    """The PostgreSQL URL for tests that start processes against it."""
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    return normalise_url(PG_URL)
