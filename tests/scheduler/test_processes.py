"""Two scheduler processes on one PostgreSQL database never send the same row twice."""
from __future__ import annotations

from pathlib import Path

from storage.db import Database
from storage.due_work import enqueue
from tests.storage.helpers import T0, installation, two_workers_send_once

WORKER = r"""
import os, sys, time
from bot.clock import FixedClock
from bot.scheduler import Scheduler, Sent
from storage.db import open_database
from tests.storage.helpers import T0

url, out, other, name = sys.argv[1:5]
db = open_database(url)
db.ping()
print("ready", flush=True)
sys.stdin.readline()  # start together, however long each took to start
with open(out, "w") as record:
    def send(work):
        time.sleep(0.001)  # a Slack round trip, so the two processes really interleave
        first = record.tell() == 0
        record.write(work.key + "\n")
        record.flush()
        # Both take a share whatever the machine's speed: after its first send, each waits (up
        # to a minute) for the other to send one too, so neither can take all the work alone.
        deadline = time.monotonic() + 60
        while first and not (os.path.exists(other) and os.path.getsize(other)) and time.monotonic() < deadline:
            time.sleep(0.01)
        return Sent({})
    Scheduler(db, {"note": send}, clock=FixedClock(T0), worker=name, batch=10).tick()
"""


def test_two_processes_share_the_work_without_doubles(pg_database_fixture: Database, tmp_path: Path) -> None:
    database = pg_database_fixture  # several processes on one database: a PostgreSQL deployment
    inst = installation(database)
    with database.write() as session:
        for i in range(500):
            enqueue(session, installation_id=inst, kind="note", key=f"n:{i}", due_at=T0, payload={}, now=T0)
    two_workers_send_once(WORKER, database, tmp_path, 500)
