"""Active/standby schedulers: the standby takes over from a killed leader, and a deposed leader sends nothing."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.clock import FixedClock
from bot.scheduler import Scheduler, Sent
from bot.scheduler.leadership import Leadership
from storage.db import Database
from storage.due_work import enqueue, state_of
from tests.slack_double.clock import PATIENCE
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
take_or_renew = leadership.try_lead

def try_lead():  # noted, so the test knows the standby is up and being refused, however slowly it started
    epoch = take_or_renew()
    with open(slack + ".tries", "a") as tries:
        tries.write(f"{name} {epoch}\n")
    return epoch

leadership.try_lead = try_lead
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


def tries(slack: Path, name: str) -> list[str]:
    """The epochs `name` got each time it tried to lead ("None" on standby)."""
    tried = slack.with_name(slack.name + ".tries")
    return [line.split()[1] for line in tried.read_text().splitlines() if line.startswith(name + " ")] if tried.exists() else []


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

    inst = installation(database)

    def add(keys: list[str], now: datetime, spread: float) -> None:
        with database.write() as session:
            for i, key in enumerate(keys):
                enqueue(session, installation_id=inst, kind="note", key=key, due_at=now + timedelta(seconds=i * spread), payload={}, now=now)

    # Due over the next ~9 s, so that on most machines some fall due around the kill.
    add([f"n:{i:02d}" for i in range(60)], datetime.now(timezone.utc), 0.15)
    url = database.engine.url.render_as_string(hide_password=False)
    slack = tmp_path / "slack.log"
    active = start(url, slack, "alpha")
    standby = None
    try:
        wait_for(lambda: posted(slack), PATIENCE, "the first scheduler to send")
        standby = start(url, slack, "beta")
        # The standby is up and has been refused the lease a few times (however long it took to start) ...
        wait_for(lambda: len(tries(slack, "beta")) >= 3, PATIENCE, "the standby to try to lead")
        assert set(tries(slack, "beta")) == {"None"}, "the standby stands by while the leader renews its lease"
        assert {line[1] for line in posted(slack)} == {"alpha"}, "the standby sends nothing while the leader lives"
        os.kill(active.pid, signal.SIGKILL)
        killed_at = time.time()
        active.wait(PATIENCE)
        # ... and after the kill, work that falls due can only be sent by the standby, however fast
        # the leader got through the first batch.
        add([f"n:after-kill:{i}" for i in range(10)], datetime.now(timezone.utc), 0.0)
        first_beta = wait_for(lambda: [float(l[2]) for l in posted(slack) if l[1] == "beta"], PATIENCE, "the standby to take over")
        takeover = min(first_beta) - killed_at
        wait_for(lambda: len({l[0] for l in posted(slack)}) == 70, PATIENCE, "every piece of work sent")
        sent = Counter(line[0] for line in posted(slack))
        assert set(sent.values()) == {1}, "nothing sent twice"
        assert {line[1] for line in posted(slack) if line[0].startswith("n:after-kill:")} == {"beta"}
        # How fast the standby takes over (within the lease plus a tick) is a figure, not a check.
        print(f"failover after SIGKILL: {takeover:.2f}s with a {LEASE_SECONDS:.0f}s lease")
    finally:
        for process in (active, standby):
            if process and process.poll() is None:
                process.kill()
                process.wait(PATIENCE)


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
