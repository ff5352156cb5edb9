"""The action-item repository: numbers never repeat under concurrency, reports for the digest and meetings."""
from __future__ import annotations

import threading
from datetime import date, timedelta

from storage.actions import (
    create_item,
    find_by_number,
    items_created_between,
    mark_done,
    overdue_and_due_soon,
    owner_items,
    reassign,
)
from storage.db import Database
from tests.storage.helpers import T0, installation

TODAY = T0.date()


def add(db: Database, inst: int, text: str, due: date | None, channel: str = "C1", owners: tuple[str, ...] = ("U1",), at=T0) -> int:  # type: ignore[no-untyped-def]
    with db.write() as session:
        return create_item(session, installation_id=inst, channel_id=channel, text=text, owner_ids=owners, creator_id="U0", due=due,
                           notes=None, permalink=None, now=at)


def test_numbers_are_per_channel_and_unique_when_many_capture_at_once(database: Database) -> None:
    inst = installation(database)
    errors: list[BaseException] = []

    def capture(n: int) -> None:
        try:
            add(database, inst, f"item {n}", None, channel="C1" if n % 2 else "C2")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=capture, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with database.read() as session:
        for channel in ("C1", "C2"):
            refs = sorted(int(find_by_number(session, inst, channel, n, T0).ref[2:]) for n in range(1, 11))  # type: ignore[union-attr]
            assert refs == list(range(1, 11))
        assert find_by_number(session, inst, "C1", 11, T0) is None


def test_overdue_and_due_soon_for_the_digest(database: Database) -> None:
    inst = installation(database)
    late = add(database, inst, "late", TODAY - timedelta(days=2))
    add(database, inst, "today", TODAY)
    add(database, inst, "in a week", TODAY + timedelta(days=7))
    add(database, inst, "later", TODAY + timedelta(days=8))
    add(database, inst, "undated", None)
    add(database, inst, "elsewhere", TODAY, channel="C2")
    done = add(database, inst, "done", TODAY - timedelta(days=1))
    with database.write() as session:
        mark_done(session, done, "U1", T0)
        assert not mark_done(session, done, "U1", T0)  # a second click changes nothing
    with database.read() as session:
        report = overdue_and_due_soon(session, inst, "C1", T0)
    assert [i.text for i in report.overdue] == ["late"] and report.overdue[0].is_overdue and report.overdue[0].id == late
    assert [i.text for i in report.due_soon] == ["today", "in a week"]
    assert all(i.ref.startswith("A-") and i.owner_ids == ("U1",) for i in report.due_soon)


def test_items_created_during_a_meeting_and_ownership(database: Database) -> None:
    inst = installation(database)
    add(database, inst, "before", None, at=T0 - timedelta(minutes=1))
    during = add(database, inst, "during", None, at=T0 + timedelta(minutes=10), owners=("U1", "U2"))
    add(database, inst, "after", None, at=T0 + timedelta(hours=1))
    with database.read() as session:
        found = items_created_between(session, inst, "C1", T0, T0 + timedelta(hours=1))
    assert [i.text for i in found] == ["during"] and found[0].owner_ids == ("U1", "U2")
    with database.write() as session:
        assert reassign(session, during, ("U3",)) == 2
    with database.read() as session:
        assert [i.text for i in owner_items(session, inst, "U3", T0)] == ["during"]
        assert "during" not in [i.text for i in owner_items(session, inst, "U2", T0)]
        assert owner_items(session, inst + 1, "U3", T0) == []  # never another installation's
