"""The group commit behind vote acks: batches, per-item outcomes, and a drain that never gets stuck."""
from __future__ import annotations

import threading

from bot.slack_edge.group_commit import GroupCommit, Pending, Stored

WAIT = 60.0  # only reached when broken


def test_items_queued_while_a_batch_is_stored_are_stored_together() -> None:
    queue: GroupCommit[int] = GroupCommit("test")
    first_in, let_go = threading.Event(), threading.Event()
    batches: list[list[int]] = []

    def store(items: list[int]) -> Stored:
        batches.append(items)
        if items == [0]:
            first_in.set()
            let_go.wait(WAIT)
        return Stored([None] * len(items))

    first = queue.put(0, store)
    assert first_in.wait(WAIT)
    rest = [queue.put(n, store) for n in range(1, 6)]  # queued while the first batch is held
    let_go.set()
    assert all(p.wait(WAIT) and p.refusal is None for p in [first, *rest])
    assert batches == [[0], [1, 2, 3, 4, 5]]


def test_a_failing_batch_is_stored_item_by_item_and_only_the_bad_item_fails() -> None:
    queue: GroupCommit[int] = GroupCommit("test")
    held, let_go = threading.Event(), threading.Event()

    def store(items: list[int]) -> Stored:
        if items == [0]:
            held.set()
            let_go.wait(WAIT)
        if 3 in items:
            raise RuntimeError("item 3 cannot be stored")
        return Stored([ValueError("refused") if n == 2 else None for n in items])

    first = queue.put(0, store)
    assert held.wait(WAIT)
    pending = {n: queue.put(n, store) for n in (1, 2, 3, 4)}
    let_go.set()
    assert first.wait(WAIT) and all(p.wait(WAIT) for p in pending.values())
    assert pending[1].refusal is None and pending[4].refusal is None
    assert isinstance(pending[2].refusal, ValueError) and isinstance(pending[3].refusal, RuntimeError)


def test_a_store_that_answers_the_wrong_count_fails_its_items_and_the_queue_goes_on() -> None:
    queue: GroupCommit[int] = GroupCommit("test")
    wrong = queue.put(1, lambda items: Stored([]))
    assert wrong.wait(WAIT) and isinstance(wrong.refusal, ValueError)
    after = queue.put(2, lambda items: Stored([None] * len(items)))
    assert after.wait(WAIT) and after.refusal is None


def test_the_follow_up_runs_after_the_waiting_listeners_are_woken() -> None:
    queue: GroupCommit[int] = GroupCommit("test")
    order: list[str] = []
    put_returned, done = threading.Event(), threading.Event()
    pending: list[Pending[int]] = []

    def then() -> None:
        put_returned.wait(WAIT)
        order.append("then, after the listener was woken" if pending[0].wait(0) else "then, too early")
        done.set()

    pending.append(queue.put(1, lambda items: Stored([None], then=then)))
    put_returned.set()
    assert done.wait(WAIT) and order == ["then, after the listener was woken"]


def test_idle_means_the_follow_ups_ran_too_not_only_that_the_waiters_woke() -> None:
    queue: GroupCommit[int] = GroupCommit("test")
    woken, release = threading.Event(), threading.Event()
    followed: list[int] = []

    def follow_up() -> None:
        woken.wait(WAIT)
        release.wait(WAIT)
        followed.append(1)

    pending = queue.put(1, lambda items: Stored([None] * len(items), follow_up))
    assert pending.wait(WAIT)  # the waiter is woken before the follow-up runs
    woken.set()
    assert not queue.wait_idle(0.05) and followed == []
    release.set()
    assert queue.wait_idle(WAIT) and followed == [1]
