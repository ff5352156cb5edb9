"""Slack's retries and replays are recognised; old memories are dropped."""
from __future__ import annotations

import threading
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


def test_a_burst_of_deliveries_of_one_event_is_new_exactly_once(database: Database) -> None:
    # Slack's retry can arrive while the first delivery is still being handled by another thread.
    results: list[bool] = []
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def deliver() -> None:
        try:
            start.wait()
            with database.write() as session:
                results.append(remember_event(session, "Ev-burst", T0))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert sorted(results) == [False] * 5 + [True]


def test_forgetting_keeps_what_is_still_inside_its_window(database: Database) -> None:
    with database.write() as session:
        remember_event(session, "Ev-edge", T0 - timedelta(days=1))
        remember_signature(session, "edge", T0)
        forget_old_events(session, T0 - timedelta(days=1))  # strictly before
        forget_expired_signatures(session, T0)
    with database.write() as session:
        assert not remember_event(session, "Ev-edge", T0)
        assert not remember_signature(session, "edge", T0 + timedelta(minutes=5))
