"""Due work is enqueued once, claimed by one worker at a time, and sent exactly once, on both databases."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from storage.db import Database
from storage.due_work import cancel, cancel_prefix, claim_due, enqueue, mark_failed, mark_sent, release, reschedule, retry_later
from storage.installations import ensure_installation
from tests.storage.helpers import T0, add_many, installation, state, two_workers_send_once

MINUTE = timedelta(minutes=1)


def add(db: Database, inst: int, key: str, due_in: timedelta = timedelta(0), payload: dict[str, object] | None = None) -> bool:
    with db.write() as session:
        return enqueue(session, installation_id=inst, kind="reminder", key=key, due_at=T0 + due_in,
                       payload={"text": key} if payload is None else payload, now=T0)






def test_enqueue_is_idempotent_on_the_key_even_after_sending(database: Database) -> None:
    inst = installation(database)
    assert add(database, inst, "r:1")
    assert not add(database, inst, "r:1", due_in=timedelta(hours=5), payload={"text": "other"})
    [work] = claim_due(database, now=T0, worker="w1")
    assert (work.key, work.due_at, work.payload, work.installation_id) == ("r:1", T0, {"text": "r:1"}, inst)
    assert mark_sent(database, work, now=T0, result={"ts": "1.2"})
    assert not add(database, inst, "r:1")  # a recurring job puts the occurrence in its key
    assert state(database, "r:1").status == "sent"


def test_the_payload_comes_back_as_plain_json(database: Database) -> None:
    inst = installation(database)
    payload: dict[str, object] = {"channel": "C1", "text": "Meilenstein fällig — 期限", "ids": [1, 2], "nested": {"ok": True}}
    add(database, inst, "p", payload=payload)
    [work] = claim_due(database, now=T0, worker="w1")
    assert work.payload == payload
    with pytest.raises(AttributeError):
        work.attempt = 5  # type: ignore[misc]  # frozen: plain values, no ORM object leaks out


def test_only_due_work_is_claimed_oldest_first_up_to_the_limit(database: Database) -> None:
    inst = installation(database)
    add(database, inst, "later", 10 * MINUTE)
    add(database, inst, "c", -1 * MINUTE)
    add(database, inst, "a", -3 * MINUTE)
    add(database, inst, "b", -2 * MINUTE)
    add(database, inst, "now")
    assert [w.key for w in claim_due(database, now=T0, worker="w1", limit=2)] == ["a", "b"]
    assert [w.key for w in claim_due(database, now=T0, worker="w2")] == ["c", "now"]
    assert claim_due(database, now=T0, worker="w3") == []
    claimed = state(database, "a")
    assert (claimed.status, claimed.claimed_by, claimed.attempts, claimed.claim_token) == ("claimed", "w1", 1, 1)


def test_an_expired_lease_is_reclaimed_and_the_stale_claimer_is_fenced_out(database: Database) -> None:
    inst = installation(database)
    add(database, inst, "r:1")
    [first] = claim_due(database, now=T0, worker="crashed", lease=5 * MINUTE)
    assert first.lease_until == T0 + 5 * MINUTE
    assert claim_due(database, now=T0 + 4 * MINUTE, worker="w2") == []
    [second] = claim_due(database, now=T0 + 6 * MINUTE, worker="w2")
    assert second.claim_token > first.claim_token and second.attempt == 2
    # Every outcome from the old claimer writes nothing.
    assert not mark_sent(database, first, now=T0, result={"ts": "old"})
    assert not retry_later(database, first, now=T0, delay=MINUTE, error="old")
    assert not mark_failed(database, first, now=T0, error="old")
    assert not release(database, first)
    assert state(database, "r:1").claimed_by == "w2"
    assert mark_sent(database, second, now=T0 + 7 * MINUTE, result={"ts": "1.2"})
    done = state(database, "r:1")
    assert (done.status, done.result, done.sent_at, done.last_error) == ("sent", {"ts": "1.2"}, T0 + 7 * MINUTE, None)
    assert not mark_sent(database, second, now=T0, result={})  # only once
    assert claim_due(database, now=T0 + timedelta(days=1), worker="w3") == []


def test_retry_later_moves_the_work_and_keeps_the_attempt(database: Database) -> None:
    inst = installation(database)
    add(database, inst, "retry")
    [work] = claim_due(database, now=T0, worker="w")
    assert retry_later(database, work, now=T0, delay=2 * MINUTE, error="slack 503")
    moved = state(database, "retry")
    assert (moved.status, moved.due_at, moved.attempts, moved.last_error, moved.claimed_by) == ("pending", T0 + 2 * MINUTE, 1, "slack 503", None)
    assert claim_due(database, now=T0 + MINUTE, worker="w") == []
    [again] = claim_due(database, now=T0 + 2 * MINUTE, worker="w")
    assert again.attempt == 2


def test_failed_work_keeps_its_reason_and_is_never_claimed_again(database: Database) -> None:
    inst = installation(database)
    add(database, inst, "fail")
    [work] = claim_due(database, now=T0, worker="w")
    assert mark_failed(database, work, now=T0, error="channel_not_found" + "!" * 5000)
    failed = state(database, "fail")
    assert failed.status == "failed" and failed.attempts == 1
    assert failed.last_error is not None and failed.last_error.startswith("channel_not_found") and len(failed.last_error) <= 2000
    assert claim_due(database, now=T0 + timedelta(days=30), worker="w") == []


def test_release_hands_the_work_back_without_counting_the_attempt(database: Database) -> None:
    inst = installation(database)
    add(database, inst, "release")
    [work] = claim_due(database, now=T0, worker="w")
    assert release(database, work)
    back = state(database, "release")
    assert (back.status, back.attempts, back.claimed_by) == ("pending", 0, None)
    [again] = claim_due(database, now=T0, worker="w2")
    assert again.attempt == 1 and again.claim_token > work.claim_token


def test_late_work_is_marked_and_stays_late_through_a_retry(database: Database) -> None:
    inst = installation(database)
    add(database, inst, "old", timedelta(hours=-2))
    add(database, inst, "edge", -5 * MINUTE)  # exactly at the threshold: not late
    add(database, inst, "fresh", -1 * MINUTE)
    claimed = {w.key: w for w in claim_due(database, now=T0, worker="w", late_after=5 * MINUTE)}
    assert {k: w.late for k, w in claimed.items()} == {"old": True, "edge": False, "fresh": False}
    assert state(database, "old").late
    retry_later(database, claimed["old"], now=T0, delay=MINUTE, error="429")
    [again] = claim_due(database, now=T0 + MINUTE, worker="w")
    assert again.key == "old" and again.late


def test_cancel_and_reschedule_only_touch_unsent_work(database: Database) -> None:
    inst = installation(database)
    for key in ("item:7:due", "item:7:overdue", "item:8:due", "sent", "claimed"):
        add(database, inst, key)
    claimed = {w.key: w for w in claim_due(database, now=T0, worker="w")}
    for key in ("item:7:due", "item:7:overdue", "item:8:due"):
        release(database, claimed[key])
    mark_sent(database, claimed["sent"], now=T0, result={})
    with database.write() as session:
        assert reschedule(session, "item:8:due", T0 + timedelta(days=1))
        assert not reschedule(session, "sent", T0 + timedelta(days=1))
        assert not reschedule(session, "claimed", T0 + timedelta(days=1))
        assert cancel_prefix(session, inst, "item:7:") == 2
        assert not cancel(session, "sent")
        assert not cancel(session, "nothing")
        assert cancel(session, "claimed")  # a done action item cancels a reminder being sent
    assert not mark_sent(database, claimed["claimed"], now=T0, result={})
    assert state(database, "claimed").status == "cancelled"
    assert state(database, "sent").status == "sent"
    assert claim_due(database, now=T0 + timedelta(hours=23), worker="w") == []
    assert [w.key for w in claim_due(database, now=T0 + timedelta(days=1), worker="w")] == ["item:8:due"]


def test_cancel_prefix_is_literal_and_stays_in_its_installation(database: Database) -> None:
    inst = installation(database)
    with database.write() as session:
        other = ensure_installation(session, enterprise_id=None, team_id="T0BETA", team_name="Beta", bot_user_id="UB", now=T0)
        for key, owner in (("item_7:a", inst), ("itemX7:a", inst), ("item_7%", inst)):
            enqueue(session, installation_id=owner, kind="r", key=key, due_at=T0, payload={}, now=T0)
        enqueue(session, installation_id=other, kind="r", key="item_7:b", due_at=T0, payload={}, now=T0)
    with database.write() as session:
        assert cancel_prefix(session, inst, "item_7") == 2  # "_" is not a wildcard
        assert cancel_prefix(session, inst, "item_7%") == 0  # nor is "%"; both already cancelled
    assert {w.key for w in claim_due(database, now=T0, worker="w")} == {"item_7:b", "itemX7:a"}


def test_four_threads_claim_and_send_every_row_exactly_once(database: Database) -> None:
    inst = installation(database)
    add_many(database, inst, 500, kind="reminder")
    sent: Counter[str] = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()

    start = threading.Barrier(4)

    def worker(name: str) -> None:
        try:
            start.wait()
            while claimed := claim_due(database, now=T0, worker=name, limit=7):
                for work in claimed:
                    with lock:
                        sent[work.key] += 1  # "sent to Slack": after the claim, before marking
                    assert mark_sent(database, work, now=T0, result={"by": name})
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(sent) == 500 and set(sent.values()) == {1}
    assert {state(database, f"n:{i}").status for i in range(0, 500, 50)} == {"sent"}


WORKER = r"""
import os, sys, time
from datetime import datetime, timezone
from storage.db import open_database
from storage.due_work import claim_due, mark_sent

url, out, other, name = sys.argv[1:5]
db = open_database(url)
db.ping()
print("ready", flush=True)
sys.stdin.readline()  # start together, so both really compete
now = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
with open(out, "w") as record:
    while claimed := claim_due(db, now=now, worker=name, limit=5):
        for work in claimed:
            first = record.tell() == 0
            record.write(work.key + "\n")
            record.flush()
            time.sleep(0.001)  # a Slack round trip
            # Both take a share whatever the machine's speed: after its first send, each waits (up
            # to a minute) for the other to send one too, so neither can take all the work alone.
            deadline = time.monotonic() + 60
            while first and not (os.path.exists(other) and os.path.getsize(other)) and time.monotonic() < deadline:
                time.sleep(0.01)
            if not mark_sent(db, work, now=now, result={}):
                sys.exit(3)
"""


def test_two_processes_claim_and_send_every_row_exactly_once(pg_database_fixture: Database, tmp_path: Path) -> None:
    database = pg_database_fixture  # several processes on one database: a PostgreSQL deployment
    inst = installation(database)
    add_many(database, inst, 500, kind="reminder")
    two_workers_send_once(WORKER, database, tmp_path, 500)


def test_claims_refuse_naive_times(database: Database) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        claim_due(database, now=datetime(2026, 11, 23, 9), worker="w")
