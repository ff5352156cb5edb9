"""Small builders for storage tests."""
from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from storage.db import Database
from storage.due_work import WorkState, enqueue, state_of
from storage.installations import ensure_installation

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def installation(db: Database) -> int:
    """An installation row to hang other rows on."""
    with db.write() as session:
        return ensure_installation(session, enterprise_id=None, team_id="T0ALPHA", team_name="Alpha", bot_user_id="UBOT", now=T0)


def add_many(db: Database, inst: int, count: int, kind: str = "note") -> None:
    """`count` pieces of work of one kind, all due at T0, keyed n:0, n:1, …"""
    with db.write() as session:
        for i in range(count):
            enqueue(session, installation_id=inst, kind=kind, key=f"n:{i}", due_at=T0, payload={}, now=T0)


def state(db: Database, key: str) -> WorkState:
    """Where the work with `key` stands (it must exist)."""
    with db.read() as session:
        found = state_of(session, key)
    assert found is not None
    return found


def two_workers_send_once(worker: str, database: Database, tmp_path: Path, count: int) -> None:
    """Run `worker` (a script: url, own record file, the other's record file, name) as two processes
    on the database, started together, and check that every one of `count` keys was sent exactly
    once and that both processes took a share."""
    url = database.engine.url.render_as_string(hide_password=False)
    outs = [tmp_path / f"w{i}.txt" for i in range(2)]
    root = Path(__file__).resolve().parents[2]
    processes = [subprocess.Popen([sys.executable, "-c", worker, url, str(out), str(outs[1 - i]), f"w{i}"], cwd=root, text=True,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE) for i, out in enumerate(outs)]
    for process in processes:
        assert process.stdout is not None and process.stdout.readline() == "ready\n"
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.close()
    assert [p.wait(timeout=120) for p in processes] == [0, 0]
    sent = Counter(line for out in outs for line in out.read_text().split())
    assert len(sent) == count and set(sent.values()) == {1}
    assert all(out.read_text() for out in outs), "both processes should have taken a share"
