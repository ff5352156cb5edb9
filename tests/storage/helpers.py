"""Small builders for storage tests."""
from __future__ import annotations

from datetime import datetime, timezone

from storage.db import Database
from storage.due_work import WorkState, enqueue, state_of
from storage.installations import ensure_installation

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def installation(db: Database) -> int:
    """An installation row to hang other rows on."""
    with db.write() as session:
        return ensure_installation(session, enterprise_id=None, team_id="T0ALPHA", team_name="Alpha", bot_user_id="UBOT", now=T0)


def add_many(db: Database, inst: int, count: int, kind: str = "note") -> None:
    """`count` pieces of work of one kind, all due at T0, keyed n:0, n:1, …"""
    with db.write() as session:
        for i in range(count):
            enqueue(session, installation_id=inst, kind=kind, key=f"n:{i}", due_at=T0, payload={}, now=T0)


def state(db: Database, key: str) -> WorkState:
    """Where the work with `key` stands (it must exist)."""
    with db.read() as session:
        found = state_of(session, key)
    assert found is not None
    return found
