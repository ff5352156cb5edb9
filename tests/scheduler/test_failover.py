"""Active/standby schedulers: the standby takes over from a killed leader, and a deposed leader sends nothing."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.scheduler import Scheduler, Sent
from bot.scheduler.leadership import Leadership
from storage.db import Database
from storage.due_work import enqueue, state_of
from tests.storage.helpers import T0, installation

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 3.0

# A scheduler process whose "Slack" is an append-only file; like post_once, a retried piece of work
# first looks for its key there, so a leader killed between posting and recording never doubles it.
PROCESS = r"""
import os, sys, time
from datetime import timedelta
from bot.clock import SystemClock
from bot.scheduler import Scheduler, Sent
from bot.scheduler.leadership import Leadership
from storage.db import open_database

url, slack, name, lease = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
db = open_database(url)

def send(work):
    if work.attempt > 1:
        with open(slack) as posted:
            if any(line.split()[0] == work.key for line in posted):
                return Sent({"reconciled": True})
    with open(slack, "a") as posted:
        posted.write(f"{work.key} {name} {time.time():.3f}\n")
    return Sent({})

leadership = Leadership(db, SystemClock(), name, lease=timedelta(seconds=lease))
scheduler = Scheduler(db, {"note": send}, clock=SystemClock(), worker=name, interval=0.25, batch=5,
                      lease=timedelta(seconds=2 * lease), leadership=leadership)
scheduler.start()
while True:
    time.sleep(1)
"""


def start(url: str, slack: Path, name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", PROCESS, url, str(slack), name, str(LEASE_SECONDS)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def posted(slack: Path) -> list[list[str]]:
    return [line.split() for line in slack.read_text().splitlines()] if slack.exists() else []


def wait_for(check, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_standby_takes_over_when_the_active_scheduler_is_killed(pg_database_fixture: Database, tmp_path: Path) -> None:
    database = pg_database_fixture  # several processes on one database: a PostgreSQL deployment
    from datetime import datetime, timezone

    inst = installation(database)
    now = datetime.now(timezone.utc)
    with database.write() as session:
        for i in range(60):  # due over the next ~9 s, so some fall due after the kill
            enqueue(session, installation_id=inst, kind="note", key=f"n:{i:02d}", due_at=now + timedelta(seconds=i * 0.15),
                    payload={}, now=now)
    url = database.engine.url.render_as_string(hide_password=False)
    slack = tmp_path / "slack.log"
    active = start(url, slack, "alpha")
    standby = None
    try:
        wait_for(lambda: posted(slack), 30, "the first scheduler to send")
        standby = start(url, slack, "beta")
        time.sleep(1.0)
        assert {line[1] for line in posted(slack)} == {"alpha"}, "the standby sends nothing while the leader lives"
        os.kill(active.pid, signal.SIGKILL)
        killed_at = time.time()
        active.wait(10)
        first_beta = wait_for(lambda: [float(l[2]) for l in posted(slack) if l[1] == "beta"], 30, "the standby to take over")
        takeover = min(first_beta) - killed_at
        assert takeover < LEASE_SECONDS + 3, f"took {takeover:.1f}s"
        wait_for(lambda: len({l[0] for l in posted(slack)}) == 60, 40, "every piece of work sent")
        sent = Counter(line[0] for line in posted(slack))
        assert set(sent.values()) == {1}, "nothing sent twice"
        print(f"failover after SIGKILL: {takeover:.2f}s with a {LEASE_SECONDS:.0f}s lease")
    finally:
        for process in (active, standby):
            if process and process.poll() is None:
                process.kill()
                process.wait(10)


def test_a_deposed_leader_is_fenced_out_before_it_sends(database: Database) -> None:
    clock = FixedClock(T0)
    inst = installation(database)
    with database.write() as session:
        enqueue(session, installation_id=inst, kind="note", key="n:1", due_at=T0, payload={}, now=T0)
    old, new = Leadership(database, clock, "old"), Leadership(database, clock, "new")
    assert old.try_lead() == 1 and new.try_lead() is None
    clock.advance(timedelta(seconds=20))  # the old leader stalled past its lease ...
    assert new.try_lead() == 2  # ... and the standby took over
    sent: list[str] = []
    stale = Scheduler(database, {"note": lambda work: sent.append(work.key) or Sent({})}, clock=clock, worker="old", leadership=old)
    stale.leadership.epoch = 1
    assert stale._run_batch(claimed_by(database, clock), epoch=1) == (0, False)
    assert sent == [], "a leader whose epoch is gone sends nothing"
    with database.read() as session:
        assert state_of(session, "n:1").status == "pending", "its claim went back for the real leader"
    Scheduler(database, {"note": lambda work: sent.append(work.key) or Sent({})}, clock=clock, worker="new", leadership=new).tick()
    assert sent == ["n:1"]


def claimed_by(database: Database, clock: FixedClock):  # type: ignore[no-untyped-def]
    from storage.due_work import claim_due

    return claim_due(database, now=clock.now(), worker="old")
