"""Two scheduler processes on one PostgreSQL database never send the same row twice."""
from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path


from storage.db import Database
from storage.due_work import enqueue
from tests.storage.helpers import T0, installation

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
    url = database.engine.url.render_as_string(hide_password=False)
    root = Path(__file__).resolve().parents[2]
    outs = [tmp_path / f"w{i}.txt" for i in range(2)]
    processes = [subprocess.Popen([sys.executable, "-c", WORKER, url, str(out), str(outs[1 - i]), f"proc{i}"], cwd=root, text=True,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE) for i, out in enumerate(outs)]
    for process in processes:
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.close()
    for process in processes:
        assert process.wait(timeout=120) == 0
    sent = Counter(line for out in outs for line in out.read_text().split())
    assert len(sent) == 500 and set(sent.values()) == {1}
    assert all(out.read_text() for out in outs), "both processes should have taken a share"
