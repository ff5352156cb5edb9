"""The HTTP edge's replay check under concurrency: each signature is new exactly once."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from bot.slack_edge.first_seen import FirstSeen
from storage.db import Database
from storage.dedupe import remember_signature

LATER = datetime(2030, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=10)


def test_concurrent_requests_share_transactions_and_replays_are_refused(database: Database) -> None:
    book = FirstSeen(database, remember_signature)
    keys = [f"sig{i % 60}" for i in range(180)]  # every signature arrives three times, all at once
    with ThreadPoolExecutor(24) as pool:
        fresh = list(pool.map(lambda key: (key, book.remember(key, LATER)), keys))
    assert sorted(key for key, new in fresh if new) == sorted(f"sig{i}" for i in range(60))
    assert book.remember("sig0", LATER) is False and book.remember("another", LATER) is True
