"""Crash consistency: `kill -9` of the scheduler and of the bot at random points, then restart.

Run from the repository root:  .venv/bin/python -m benchmarks.crash_consistency [--items 1000 --kills 20
--voters 300 --bursts 10] [--database-url postgresql://...]
Two scenarios against the Slack double:
- scheduler runs: due work (posts to channels and DMs) sent by a scheduler process killed with
  SIGKILL at random moments and restarted; every piece must reach Slack exactly once.
- vote bursts: `alliancebot run --http` killed with SIGKILL in the middle of a burst of votes and
  restarted; no vote may be doubled or corrupted, and the ones that were stored stay stored.
tests/scheduler/test_crash_consistency.py runs a small variant of both.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from slack_sdk.web import WebClient
from sqlalchemy import func, select

from benchmarks.startup import free_port
from bot.domain.alliance import Alliance, MemberMapping, Partner
from bot.domain.consensus import Proposal
from bot.views.ids import Action
from storage.alliances import save_alliance
from storage.db import Database, open_database
from storage.decisions import create_decision, set_message
from storage.due_work import enqueue
from storage.installations import ensure_installation
from storage.migrate import upgrade
from storage.models.decisions import VoteRow
from storage.models.due_work import DueWorkRow
from tests.slack_double import SignedHttpClient, SlackDouble

ROOT = Path(__file__).resolve().parents[1]
SECRET = "crash-signing-secret-0123456789"
HOME, PARTNER, CHANNEL = "T0ALPHA", "T0BETA", "C0CRASH"
KIND = "crash_note"

# The scheduler process: real Scheduler, real gateway, post_once; its clock runs `offset` seconds
# ahead so that each restart finds the leases of the killed one expired (in production the
# restarted scheduler simply waits out the 5-minute lease).
WORKER = r"""
import sys, time
from datetime import datetime, timedelta, timezone
from slack_sdk.web import WebClient
from bot.scheduler import Scheduler
from bot.scheduler.delivery import post_once
from bot.slack_edge.gateway import SlackGateway
from storage.db import open_database

url, api_url, token, offset, pause = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
class Ahead:
    def now(self):
        return datetime.now(timezone.utc) + timedelta(seconds=offset)
clock = Ahead()
gateway = SlackGateway(WebClient(token=token, base_url=api_url, timeout=5, retry_handlers=[]))
def send(work):
    time.sleep(pause)  # a slower Slack, so that kills land between a post and its bookkeeping
    return post_once(gateway, work, work.payload["to"], "Reminder", now=clock.now())
scheduler = Scheduler(open_database(url), {"crash_note": send}, clock=clock, worker=f"w{offset}", batch=20)
while scheduler.tick():
    pass
"""


def double() -> SlackDouble:
    """A Slack with one alliance channel and the people in it."""
    slack = SlackDouble(signing_secret=SECRET, team_id=HOME, clock=time.monotonic).start()
    slack.add_team(PARTNER, "Beta Bio")
    slack.add_channel(CHANNEL, "crash", members=[])
    return slack


def migrated(url: str) -> Database:
    db = open_database(url)
    upgrade(db)
    return db


def installation(db: Database) -> int:
    with db.write() as session:
        return ensure_installation(session, enterprise_id=None, team_id=HOME, team_name="Alpha", bot_user_id="UBOT",
                                   now=datetime.now(timezone.utc))


@dataclass
class SchedulerFigures:
    items: int
    kills: int
    sent_once: int
    missing: int
    doubled: int
    rows_not_sent: int
    seconds: float

    def line(self) -> str:
        return (f"scheduler kill -9 x{self.kills}: {self.items} pieces of due work, {self.sent_once} sent once, "
                f"{self.missing} missing, {self.doubled} doubled, {self.rows_not_sent} rows not marked sent ({self.seconds:.1f} s)")


def scheduler_crashes(url: str, items: int, kills: int, rng: random.Random, pause: float = 0.01) -> SchedulerFigures:
    """Due work sent by a scheduler killed `kills` times at random moments; each piece must post once."""
    started = time.monotonic()
    slack = double()
    try:
        people = [f"UCR{n:04d}" for n in range(10)]
        for person in people:
            slack.add_user(person, HOME, person.lower())
            slack.join(CHANNEL, person)
        db = migrated(url)
        inst = installation(db)
        now = datetime.now(timezone.utc)
        with db.write() as session:
            for n in range(items):
                enqueue(session, installation_id=inst, kind=KIND, key=f"crash:{n}", due_at=now,
                        payload={"to": CHANNEL if n % 2 else people[n % len(people)]}, now=now)
        offset = 0.0
        for _ in range(kills):
            worker = subprocess.Popen([sys.executable, "-c", WORKER, url, slack.api_url, slack.bot_token, str(offset), str(pause)], cwd=ROOT,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.8, 2.0))  # start-up takes most of a second; then it is sending
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            # A post the killed scheduler had sent lands in Slack even so, however long the double
            # takes over it: let it land before the next scheduler looks for it.
            slack.settle()
            offset += 360  # past the killed scheduler's 5-minute lease
        final = subprocess.run([sys.executable, "-c", WORKER, url, slack.api_url, slack.bot_token, str(offset), "0"], cwd=ROOT,
                               capture_output=True, text=True, timeout=600)
        if final.returncode != 0:
            raise RuntimeError(final.stderr.strip().splitlines()[-1] if final.stderr.strip() else "the last scheduler failed")
        posts = Counter(c.params["metadata"]["event_payload"]["key"] for c in slack.calls("chat.postMessage")
                        if c.status == 200 and c.response.get("ok"))
        with db.read() as session:
            not_sent = int(session.scalar(select(func.count()).select_from(DueWorkRow).where(DueWorkRow.status != "sent")) or 0)
        db.dispose()
        keys = [f"crash:{n}" for n in range(items)]
        return SchedulerFigures(items, kills, sum(posts[k] == 1 for k in keys), sum(posts[k] == 0 for k in keys),
                                sum(posts[k] > 1 for k in keys), not_sent, time.monotonic() - started)
    finally:
        slack.stop()


@dataclass
class VoteFigures:
    clicks: int
    acked: int
    kills: int
    stored: int
    doubled: int
    acked_not_stored: int
    seconds: float
    forms: int = 0  # of the clicks, Block votes sent with their concern from the form
    message_caught_up: bool = False  # after the last restart, the message shows every stored vote

    def line(self) -> str:
        return (f"bot kill -9 x{self.kills} during vote bursts: {self.clicks} votes ({self.forms} Block forms), {self.acked} acked, "
                f"{self.stored} votes stored, {self.doubled} doubled, {self.acked_not_stored} acked but lost, message "
                f"{'caught up' if self.message_caught_up else 'NOT caught up'} after restart ({self.seconds:.1f} s)")


def start_bot(slack: SlackDouble, url: str) -> tuple[subprocess.Popen[bytes], int]:
    """`alliancebot run --http` on a free port, once it answers /healthz (another port if the one found free was taken meanwhile)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "ALLIANCEBOT_"))}
    env.update({"SLACK_BOT_TOKEN": slack.bot_token, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.api_url,
                "DATABASE_URL": url, "ALLIANCEBOT_LOG_LEVEL": "WARNING"})
    for _ in range(5):
        port = free_port()
        process = subprocess.Popen([sys.executable, "-m", "bot", "run", "--http", "--port", str(port), "--host", "127.0.0.1", "--no-scheduler"],
                                   cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                    return process, port
            except OSError:
                time.sleep(0.05)
        if process.poll() is None:
            process.kill()
            raise RuntimeError("the bot did not come up within 60 s")
    raise RuntimeError("the bot exited at start five times (no free port?)")


def click(slack: SlackDouble, client: SignedHttpClient, voter: str, decision_id: int, message_ts: str) -> bool:
    payload: dict[str, Any] = {
        "type": "block_actions", "user": {"id": voter, "username": voter.lower(), "team_id": HOME if int(voter[3:]) % 2 else PARTNER},
        "api_app_id": slack.app_id, "token": "x", "trigger_id": slack.issue_trigger(voter), "team": {"id": HOME, "domain": "alpha"},
        "container": {"type": "message", "message_ts": message_ts, "channel_id": CHANNEL, "is_ephemeral": False},
        "channel": {"id": CHANNEL, "name": "crash"}, "response_url": slack.issue_response_url(voter, CHANNEL, message_ts),
        "actions": [{"action_id": str(Action.VOTE_SUPPORT), "block_id": "decision_actions", "type": "button",
                     "value": json.dumps({"v": 1, "decision": decision_id}), "action_ts": f"{time.time():.6f}"}]}
    try:
        return client.interactive(payload).status == 200
    except OSError:
        return False  # the bot died under this request


def submit_block(slack: SlackDouble, client: SignedHttpClient, voter: str, form: dict[str, Any]) -> bool:
    """Submit the Block form (the concern modal the bot opens) with a concern, as Slack sends it."""
    concern = next(b for b in form["blocks"] if b.get("type") == "input")
    state = {concern["block_id"]: {concern["element"]["action_id"]: {"type": "plain_text_input", "value": f"Concern of {voter}"}}}
    payload: dict[str, Any] = {
        "type": "view_submission", "team": {"id": HOME if int(voter[3:]) % 2 else PARTNER, "domain": "x"},
        "user": {"id": voter, "username": voter.lower(), "team_id": HOME if int(voter[3:]) % 2 else PARTNER},
        "api_app_id": slack.app_id, "token": "x", "trigger_id": slack.issue_trigger(voter),
        "view": {**form, "id": f"V{voter}", "team_id": HOME, "app_installed_team_id": HOME, "state": {"values": state}},
        "response_urls": [], "is_enterprise_install": False, "enterprise": None}
    try:
        return client.interactive(payload).status == 200
    except OSError:
        return False  # the bot died under this request


def tally_shown(slack: SlackDouble, ts: str) -> int:
    """How many votes the decision message says were cast ("n/m voted" per partner, added up)."""
    import re

    message = next(m for m in slack.messages(CHANNEL) if m.ts == ts)
    return sum(int(n) for n in re.findall(r"\((\d+)/\d+ voted\)", json.dumps(message.blocks)))


def partner_of(voter: str) -> str:
    """Odd-numbered people speak for Alpha, even-numbered ones for Beta."""
    return "Alpha" if int(voter[3:]) % 2 else "Beta"


def open_decision(slack: SlackDouble, url: str, people: list[str], proposal: str) -> tuple[Database, int, int, str]:
    """People in the channel (of both companies), the alliance set up, one decision with its message
    posted: (database, installation, decision, message ts)."""
    for person in people:
        slack.add_user(person, HOME if partner_of(person) == "Alpha" else PARTNER, person.lower())
        slack.join(CHANNEL, person)
    db = migrated(url)
    inst = installation(db)
    ts = str(WebClient(token=slack.bot_token, base_url=slack.api_url).chat_postMessage(channel=CHANNEL, text="Decision")["ts"])
    now = datetime.now(timezone.utc)
    with db.write() as session:
        save_alliance(session, inst, Alliance(CHANNEL, "A–B", MemberMapping.SLACK_TEAM, (Partner("Alpha", HOME), Partner("Beta", PARTNER))),
                      by_user=people[0], now=now)
        decision_id = create_decision(session, installation_id=inst, channel_id=CHANNEL, creator_id=people[0], proposal=Proposal(proposal),
                                      deciders=[(p, partner_of(p)) for p in people], partners=["Alpha", "Beta"], now=now)
        set_message(session, decision_id, ts)
    return db, inst, decision_id, ts


def vote_crashes(url: str, voters: int, bursts: int, rng: random.Random) -> VoteFigures:
    """Bursts of votes at `alliancebot run --http`, killed mid-burst and restarted; votes never doubled.
    Every third vote is a Block sent from the concern form (the vote is in the form's submission)."""
    from bot.domain.consensus import Level
    from bot.views.consensus import concern_modal
    from storage.decisions import load_decision

    started = time.monotonic()
    slack = double()
    try:
        people = [f"UVO{n:05d}" for n in range(voters)]
        db, inst, decision_id, ts = open_decision(slack, url, people, "Crash")
        with db.read() as session:
            decision = load_decision(session, inst, decision_id)
        assert decision is not None
        form = concern_modal(decision, Level.BLOCK)
        blockers = set(people[::3])
        clicks, acked, kills = 0, set(), 0
        per_burst = max(1, voters // bursts)
        for burst in range(bursts):
            bot, port = start_bot(slack, url)
            client = SignedHttpClient(f"http://127.0.0.1:{port}/slack/events", SECRET, timeout=5)
            group = people[burst * per_burst:(burst + 1) * per_burst]
            with ThreadPoolExecutor(16) as pool:
                futures = {voter: (pool.submit(submit_block, slack, client, voter, form) if voter in blockers
                                   else pool.submit(click, slack, client, voter, decision_id, ts)) for voter in group}
                # Mid-burst on any machine: once the first vote was acknowledged (a slow machine
                # may take longer than the whole pause to get there), then a random while later.
                deadline = time.monotonic() + 60
                while not any(f.done() and f.result() for f in futures.values()) and time.monotonic() < deadline:
                    time.sleep(0.01)
                time.sleep(rng.uniform(0.0, 0.5))
                bot.send_signal(signal.SIGKILL)
                bot.wait()
                kills += 1
            clicks += len(group)
            acked.update(voter for voter, future in futures.items() if future.result())
        with db.read() as session:
            stored = list(session.scalars(select(VoteRow.voter_id)))
            levels = dict(session.execute(select(VoteRow.voter_id, VoteRow.level)).all())
        db.dispose()
        counts = Counter(stored)
        wrong_level = sum(1 for voter, level in levels.items() if (level == Level.BLOCK.value) != (voter in blockers))
        # Restarted once more, nobody clicking: the message must come to show every stored vote.
        bot, _ = start_bot(slack, url)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and tally_shown(slack, ts) != len(counts):
                time.sleep(0.1)
            caught_up = tally_shown(slack, ts) == len(counts)
        finally:
            bot.send_signal(signal.SIGTERM)
            bot.wait(timeout=30)
        return VoteFigures(clicks, len(acked), kills, len(counts), sum(n > 1 for n in counts.values()) + wrong_level,
                           len(acked - set(counts)), time.monotonic() - started, forms=len(blockers & set(people[:clicks])),
                           message_caught_up=caught_up)
    finally:
        slack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--voters", type=int, default=300)
    parser.add_argument("--bursts", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="PostgreSQL URL of an empty database (default: a new SQLite file)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/scheduler.db"
        print(scheduler_crashes(url, args.items, args.kills, rng).line())
        url = args.database_url or f"sqlite:///{tmp}/votes.db"
        print(vote_crashes(url, args.voters, args.bursts, rng).line())


if __name__ == "__main__":
    main()
