"""A burst of changes to one message becomes few updates that end at the latest state."""
from __future__ import annotations

import threading
import time
from itertools import pairwise
from typing import Any

from bot.slack_edge.coalescer import UpdateCoalescer
from tests.slack_double.clock import PATIENCE


class Board:
    """A tally that many clicks change, and a record of what was sent to Slack."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()
        self.sent: list[tuple[str, str, str]] = []
        self.open = threading.Event()  # Slack answers once this is set (set it to let updates through)

    def click(self) -> None:
        with self.lock:
            self.count += 1

    def render(self) -> tuple[str, list[dict[str, Any]]]:
        with self.lock:
            return f"votes: {self.count}", []

    def send(self, channel: str, ts: str, text: str, _blocks: list[dict[str, Any]]) -> None:
        assert self.open.wait(PATIENCE)
        time.sleep(0.01)  # a Slack round trip
        self.sent.append((channel, ts, text))


def test_a_burst_from_many_threads_ends_at_the_final_tally_with_few_updates() -> None:
    board = Board()
    coalescer = UpdateCoalescer(board.send, min_interval=0.05)

    def voter() -> None:
        for _ in range(25):
            board.click()
            coalescer.request("C1", "1.0", board.render)

    threads = [threading.Thread(target=voter) for _ in range(12)]
    started = time.monotonic()
    for t in threads:
        t.start()
    # The first update is in flight (Slack has not answered) for the whole burst, however long the
    # machine takes for it; the burst must end up in one more update, not in one per click.
    for t in threads:
        t.join()
    board.open.set()
    assert coalescer.flush(timeout=PATIENCE)
    elapsed = time.monotonic() - started
    coalescer.close()
    assert board.sent[-1] == ("C1", "1.0", "votes: 300")
    # At most one update per interval (a lower bound on time, which no slowness can break), plus
    # the first one and the final one; and the clicks during the first update became one more.
    assert len(board.sent) <= elapsed / 0.05 + 2
    assert len(board.sent) <= 2


def test_messages_are_independent_and_a_failing_send_does_not_stop_others() -> None:
    sent: list[str] = []

    def send(channel: str, ts: str, text: str, _blocks: list[dict[str, Any]]) -> None:
        if ts == "bad":
            raise RuntimeError("slack said no")
        sent.append(f"{ts}:{text}")

    coalescer = UpdateCoalescer(send, min_interval=0.01)
    coalescer.request("C1", "bad", lambda: ("x", []))
    coalescer.request("C1", "a", lambda: ("A", []))
    coalescer.request("C2", "b", lambda: ("B", []))
    assert coalescer.flush(timeout=PATIENCE)
    coalescer.close()
    assert sorted(sent) == ["a:A", "b:B"]


def test_the_pace_holds_across_bursts() -> None:
    times: list[float] = []
    coalescer = UpdateCoalescer(lambda *_: times.append(time.monotonic()), min_interval=0.1)
    for _ in range(3):
        coalescer.request("C1", "1", lambda: ("x", []))
        assert coalescer.flush(timeout=PATIENCE)
    coalescer.close()
    gaps = [b - a for a, b in pairwise(times)]
    assert len(times) == 3 and all(gap >= 0.09 for gap in gaps)
