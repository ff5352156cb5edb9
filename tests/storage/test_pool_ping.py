"""Pooled PostgreSQL connections are pinged only after sitting idle, and a dead one is replaced."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

import storage.db
from storage.db import make_engine


def test_a_connection_killed_while_idle_is_replaced_and_a_busy_one_is_not_pinged(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine, killer = make_engine(pg_url), create_engine(pg_url)
    pings: list[object] = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda conn: pings.append(conn) or ping(conn))
    try:
        with engine.connect() as conn:
            old = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with engine.connect() as conn:  # handed back moments ago: used as is
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() == old
        assert pings == []
        with killer.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": old})
        monkeypatch.setattr(storage.db, "PING_AFTER_IDLE", 0.0)  # as if it had sat idle
        with engine.connect() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != old
        assert len(pings) == 1
    finally:
        engine.dispose()
        killer.dispose()
