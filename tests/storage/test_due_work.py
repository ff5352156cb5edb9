"""Due work is enqueued once, claimed by one worker at a time, and sent exactly once, on both databases."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

from storage.db import Database
from storage.due_work import cancel, cancel_prefix, claim_due, enqueue, mark_failed, mark_sent, release, reschedule, retry_later, status_of
from tests.storage.helpers import T0, installation


def add(db: Database, inst: int, key: str, due_in: timedelta = timedelta(0), kind: str = "reminder") -> bool:
    with db.write() as session:
        return enqueue(session, installation_id=inst, kind=kind, key=key, due_at=T0 + due_in, payload={"text": key}, now=T0)


def status(db: Database, key: str) -> tuple[str, int, bool, str | None] | None:
    with db.read() as session:
        return status_of(session, key)


def test_enqueue_is_idempotent_on_the_key(database: Database) -> None:
    inst = installation(database)
    assert add(database, inst, "r:1")
    assert not add(database, inst, "r:1", due_in=timedelta(hours=5))
    [work] = claim_due(database, now=T0, worker="w1")
    assert work.due_at == T0 and work.payload == {"text": "r:1"}


def test_only_due_work_is_claimed_oldest_first(database: Database) -> None:
    inst = installation(database)
    add(database, inst, "later", timedelta(minutes=10))
    add(database, inst, "b", timedelta(minutes=-1))
    add(database, inst, "a", timedelta(minutes=-2))
    assert [w.key for w in claim_due(database, now=T0, worker="w1")] == ["a", "b"]
    assert claim_due(database, now=T0, worker="w2") == []


def test_an_expired_lease_is_reclaimed_and_the_stale_claimer_is_fenced_out(database: Database) -> None:
    inst = installation(database)
    add(database, inst, "r:1")
    [first] = claim_due(database, now=T0, worker="crashed", lease=timedelta(minutes=5))
    assert claim_due(database, now=T0 + timedelta(minutes=4), worker="w2") == []
    [second] = claim_due(database, now=T0 + timedelta(minutes=6), worker="w2")
    assert second.claim_token > first.claim_token and second.attempt == 2
    assert not mark_sent(database, first, now=T0, result={})  # the old claimer writes nothing
    assert mark_sent(database, second, now=T0, result={"ts": "1.2"})
    assert status(database, "r:1")[0] == "sent"
    assert claim_due(database, now=T0 + timedelta(days=1), worker="w3") == []


def test_retry_failed_release_and_late(database: Database) -> None:
    inst = installation(database)
    add(database, inst, "retry")
    add(database, inst, "fail")
    add(database, inst, "release")
    add(database, inst, "old", timedelta(hours=-2))
    claimed = {w.key: w for w in claim_due(database, now=T0, worker="w")}
    assert claimed["old"].late and not claimed["retry"].late
    retry_later(database, claimed["retry"], now=T0, delay=timedelta(minutes=2), error="slack 503")
    mark_failed(database, claimed["fail"], now=T0, error="channel_not_found")
    release(database, claimed["release"])
    assert status(database, "fail") == ("failed", 1, False, "channel_not_found")
    assert status(database, "release")[:2] == ("pending", 0)
    assert {w.key for w in claim_due(database, now=T0 + timedelta(minutes=1), worker="w")} == {"release"}
    assert {w.key for w in claim_due(database, now=T0 + timedelta(minutes=3), worker="w")} == {"retry"}


def test_cancel_and_reschedule(database: Database) -> None:
    inst = installation(database)
    for key in ("item:7:due", "item:7:overdue", "item:8:due"):
        add(database, inst, key)
    with database.write() as session:
        assert reschedule(session, "item:8:due", T0 + timedelta(days=1))
        assert cancel_prefix(session, inst, "item:7:") == 2
        assert not cancel(session, "nothing")
    assert claim_due(database, now=T0, worker="w") == []
    assert [w.key for w in claim_due(database, now=T0 + timedelta(days=1), worker="w")] == ["item:8:due"]


def test_concurrent_workers_send_every_row_exactly_once(database: Database) -> None:
    inst = installation(database)
    with database.write() as session:
        for i in range(400):
            enqueue(session, installation_id=inst, kind="reminder", key=f"r:{i}", due_at=T0, payload={}, now=T0)
    sent: Counter[str] = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(name: str) -> None:
        try:
            while True:
                claimed = claim_due(database, now=T0, worker=name, limit=7)
                if not claimed:
                    return
                for work in claimed:
                    if mark_sent(database, work, now=T0, result={}):
                        with lock:
                            sent[work.key] += 1
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(sent) == 400 and set(sent.values()) == {1}
