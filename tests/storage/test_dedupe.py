"""Slack's retries and replays are recognised; old memories are dropped."""
from __future__ import annotations

from datetime import timedelta

from storage.db import Database
from storage.dedupe import forget_expired_signatures, forget_old_events, remember_event, remember_signature
from tests.storage.helpers import T0


def test_events_and_signatures_are_new_only_once(database: Database) -> None:
    with database.write() as session:
        assert remember_event(session, "Ev1", T0)
        assert not remember_event(session, "Ev1", T0)
        assert remember_signature(session, "abc:", T0 + timedelta(minutes=10))
        assert not remember_signature(session, "abc:", T0 + timedelta(minutes=10))
        assert remember_signature(session, "abc:1", T0 + timedelta(minutes=10))  # Slack's retry 1 of it


def test_housekeeping_forgets_what_can_no_longer_come_back(database: Database) -> None:
    with database.write() as session:
        remember_event(session, "Ev-old", T0 - timedelta(days=2))
        remember_event(session, "Ev-new", T0)
        remember_signature(session, "old", T0 - timedelta(minutes=1))
        forget_old_events(session, T0 - timedelta(days=1))
        forget_expired_signatures(session, T0)
    with database.write() as session:
        assert remember_event(session, "Ev-old", T0)
        assert not remember_event(session, "Ev-new", T0)
        assert remember_signature(session, "old", T0 + timedelta(minutes=10))
