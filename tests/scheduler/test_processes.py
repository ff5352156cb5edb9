"""Two scheduler processes on one PostgreSQL database never send the same row twice."""
from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from storage.db import Database
from storage.due_work import enqueue
from tests.storage.helpers import T0, installation

WORKER = r"""
import sys, time
from bot.clock import FixedClock
from bot.scheduler import Scheduler, Sent
from storage.db import open_database
from tests.storage.helpers import T0

url, out, name = sys.argv[1:4]
with open(out, "w") as record:
    def send(work):
        time.sleep(0.001)  # a Slack round trip, so the two processes really interleave
        record.write(work.key + "\n")
        record.flush()
        return Sent({})
    Scheduler(open_database(url), {"note": send}, clock=FixedClock(T0), worker=name, batch=10).tick()
"""


def test_two_processes_share_the_work_without_doubles(pg_database_fixture: Database, tmp_path: Path) -> None:
    database = pg_database_fixture  # several processes on one database: a PostgreSQL deployment
    inst = installation(database)
    with database.write() as session:
        for i in range(500):
            enqueue(session, installation_id=inst, kind="note", key=f"n:{i}", due_at=T0, payload={}, now=T0)
    url = database.engine.url.render_as_string(hide_password=False)
    root = Path(__file__).resolve().parents[2]
    outs = [tmp_path / f"w{i}.txt" for i in range(2)]
    processes = [subprocess.Popen([sys.executable, "-c", WORKER, url, str(out), f"proc{i}"], cwd=root) for i, out in enumerate(outs)]
    for process in processes:
        assert process.wait(timeout=120) == 0
    sent = Counter(line for out in outs for line in out.read_text().split())
    assert len(sent) == 500 and set(sent.values()) == {1}
    assert all(out.read_text() for out in outs), "both processes should have taken a share"
