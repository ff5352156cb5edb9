"""Shared fixtures: a migrated database on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import Database, make_engine, normalise_url
from storage.migrate import upgrade

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
PG_SKIP_REASON = "PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)"


def pg_database() -> Iterator[Database]:
    """A fresh schema per test, dropped afterwards, so tests never see each other's rows (skips without PostgreSQL)."""
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    # The schema travels in the URL so that subprocesses given db.engine.url land in it too.
    separator = "&" if "?" in PG_URL else "?"
    db = Database(make_engine(f"{PG_URL}{separator}options=-csearch_path%3D{schema}"))
    try:
        upgrade(db)
        yield db
    finally:
        db.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


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
def pg_url() -> str:
    """The PostgreSQL URL for tests that start processes against it."""
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    return normalise_url(PG_URL)
