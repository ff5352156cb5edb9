"""Two workers updating one message: the last update shows the newest state, whoever counted it."""
from __future__ import annotations

import threading
import time

from bot.clock import SystemClock
from bot.slack_edge.coalescer import UpdateCoalescer
from storage.db import Database


def test_two_processes_coalescers_end_at_the_latest_state(database: Database) -> None:
    state = {"votes": 0}
    sent: list[int] = []
    lock = threading.Lock()

    def render() -> tuple[str, list]:
        return str(state["votes"]), []

    def send(_channel: str, _ts: str, text: str, _blocks: list) -> None:
        time.sleep(0.01)  # a chat.update round trip, so the workers overlap
        with lock:
            sent.append(int(text))

    # Two coalescers on one database stand for two worker processes.
    workers = [UpdateCoalescer(send, min_interval=0.02, db=database, clock_utc=SystemClock()) for _ in range(2)]
    try:
        for vote in range(1, 41):
            with lock:
                state["votes"] = vote
            workers[vote % 2].request("C1", "1.0", render)
            time.sleep(0.003)
        deadline = time.monotonic() + 10
        while (not sent or sent[-1] != 40) and time.monotonic() < deadline:
            time.sleep(0.02)
        for worker in workers:
            worker.flush(5)
    finally:
        for worker in workers:
            worker.close()
    assert sent[-1] == 40, "the message ends at the latest tally"
    assert len(sent) < 40, "bursts coalesce across workers"
