"""Small builders for storage tests."""
from __future__ import annotations

from datetime import datetime, timezone

from storage.db import Database
from storage.installations import ensure_installation

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def installation(db: Database) -> int:
    """An installation row to hang other rows on."""
    with db.write() as session:
        return ensure_installation(session, enterprise_id=None, team_id="T0ALPHA", team_name="Alpha", bot_user_id="UBOT", now=T0)
