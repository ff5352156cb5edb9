"""A burst of votes on one decision: 300 people click Support, against a minimal Bolt app doing the same.

Run from the repository root:
    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python -m benchmarks.consensus_burst [--users 300]
For each transport (Socket Mode, signed HTTP), database (SQLite, and PostgreSQL when
TEST_DATABASE_URL is set, in a fresh schema) and load pattern (the clicks spread evenly over one
second, or all together: every Socket Mode envelope written back to back / every HTTP request at
once), it runs two processes against the Slack double in turn:
- the bot (`alliancebot run`): one person posts a decision in a Slack Connect channel of 150 people
  per partner, then every user clicks Support on it (each click carrying the whole message);
- the peer (benchmarks/peer_app.py): a minimal Bolt app that stores each vote and then acks, and
  shows the count on its message (the floor any app doing this job pays).
Prints, for each: ack p50/p99/max, clicks not acked (Slack would show those people an error),
acked votes missing from the database, the time from the first click until the message shows the
final tally, and the chat.update calls; then the bot/peer ratios of ack p99 and time to the tally.
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, text

from benchmarks.ack_latency import percentile
from benchmarks.startup import SECRET, free_port, start_process, stop_process
from bot.domain.alliance import Alliance, MemberMapping, Partner
from storage.alliances import save_alliance
from storage.db import Database, make_engine, scratch_schema
from storage.installations import ensure_installation
from storage.migrate import upgrade
from storage.models.decisions import VoteRow
from tests.slack_double import AckResult, HttpTransport, Person, SlackDouble, SocketModeTransport

CHANNEL, PARTNER = "C0BURST", "T0BETA"
ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def database(backend: str, workdir: Path) -> Iterator[str]:
    """A fresh database URL: a SQLite file, or a PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{workdir / f'{uuid.uuid4().hex}.db'}"
        return
    with scratch_schema(os.environ["TEST_DATABASE_URL"], "bench") as url:
        yield url


def prepare(url: str, slack: SlackDouble) -> Database:
    """Migrate, and set up the channel's alliance (as /alliance setup would have)."""
    db = Database(make_engine(url))
    upgrade(db)
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc)
    with db.write() as session:
        inst = ensure_installation(session, enterprise_id=None, team_id=slack.team_id, team_name="Alpha", bot_user_id=slack.bot_user_id, now=now)
        save_alliance(session, inst, Alliance(CHANNEL, "Burst", MemberMapping.SLACK_TEAM,
                                              (Partner("Alpha Pharma", slack.team_id), Partner("Beta Bio", PARTNER))), by_user="UA0000", now=now)
    return db


def final_tally_shown(slack: SlackDouble, ts: str, per_partner: int) -> bool:
    message = next((m for m in slack.messages(CHANNEL) if m.ts == ts), None)
    shown = str(message.blocks) if message else ""
    return all(f"*{p}* ({per_partner}/{per_partner} voted): Support {per_partner}" in shown for p in ("Alpha Pharma", "Beta Bio"))


@dataclass
class Figures:
    """One run of one subject."""

    acks: list[AckResult]
    stored: set[str]
    clicked: list[str]
    tally_after: float | None
    updates: int
    clicks_took: float

    def row(self, subject: str, mode: str, backend: str, pattern: str) -> str:
        acked = [a for a in self.acks if a.acked]
        ms = sorted(a.latency * 1000 for a in acked) or [float("nan")]
        not_acked = len(self.acks) - len(acked)
        missing = sum(1 for user, a in zip(self.clicked, self.acks) if a.acked and user not in self.stored)
        tally = f"{self.tally_after:.2f} s" if self.tally_after is not None else "never"
        return (f"| {subject} | {mode} | {backend} | {pattern} | {statistics.median(ms):.0f} ms | {percentile(ms, 0.99):.0f} ms | "
                f"{max(ms):.0f} ms | {not_acked} | {missing} | {tally} | {self.updates} | {self.clicks_took:.2f} s |")

    @property
    def p99(self) -> float:
        return percentile(sorted(a.latency for a in self.acks if a.acked), 0.99)


def crowd(slack: SlackDouble, users: int) -> list[str]:
    """A Slack Connect channel of `users` people, half from each partner."""
    slack.add_team(PARTNER, "Beta Bio")
    people = [f"UA{i:04d}" for i in range(users // 2)] + [f"UB{i:04d}" for i in range(users - users // 2)]
    for user in people:
        slack.add_user(user, slack.team_id if user.startswith("UA") else PARTNER, user.lower(), tz="Europe/Zurich")
    slack.add_channel(CHANNEL, "burst", members=people, is_ext_shared=True)
    return people


def burst(slack: SlackDouble, transport: object, people: list[str], ts: str, pattern: str, threads: int = 48) -> tuple[list[AckResult], float]:
    """Every person clicks Support: spread evenly over one second, or all together."""
    started = time.perf_counter()
    if pattern == "together":
        payloads = [Person(slack, transport, user).click_payload("Support", channel=CHANNEL, message_ts=ts) for user in people]  # type: ignore[arg-type]
        started = time.perf_counter()
        acks = transport.deliver_burst("interactive", payloads, timeout=30)  # type: ignore[attr-defined]
        return acks, time.perf_counter() - started
    start = started + 0.2

    def click(index: int) -> AckResult:
        time.sleep(max(0.0, start + index / len(people) - time.perf_counter()))
        return Person(slack, transport, people[index]).click("Support", channel=CHANNEL, message_ts=ts)  # type: ignore[arg-type]

    with ThreadPoolExecutor(min(len(people), threads)) as pool:
        acks = list(pool.map(click, range(len(people))))
    return acks, time.perf_counter() - start


def wait_until(check: Callable[[], bool], since: float, limit: float = 60) -> float | None:
    while not check():
        if time.perf_counter() - since > limit:
            return None
        time.sleep(0.01)
    return time.perf_counter() - since


def run_bot(mode: str, backend: str, users: int, pattern: str, workdir: Path) -> Figures:
    slack = SlackDouble(signing_secret=SECRET, clock=time.monotonic)  # held to Slack's time limits in real time
    slack.start()
    people = crowd(slack, users)
    with database(backend, workdir) as url:
        db = prepare(url, slack)
        process, base = start_process(slack, mode, workdir, database_url=url)
        transport = SocketModeTransport(slack) if mode == "socket" else HttpTransport(slack, base + "/slack/events")
        try:
            Person(slack, transport, people[0]).run("/consensus", "Approve the 2027 budget", channel=CHANNEL)
            wait_until(lambda: bool(slack.messages(CHANNEL)), time.perf_counter())
            ts = slack.messages(CHANNEL)[0].ts
            updates_before = len(slack.calls("chat.update"))
            first_click = time.perf_counter()
            acks, took = burst(slack, transport, people, ts, pattern)
            half = users // 2
            final = tuple(f"*{p}* ({n}/{n} voted): Support {n}" for p, n in (("Alpha Pharma", half), ("Beta Bio", users - half)))
            shown = wait_until(lambda: all(f in str(next(m for m in slack.messages(CHANNEL) if m.ts == ts).blocks) for f in final), first_click)
            time.sleep(2)  # let any trailing update land before counting
            updates = len(slack.calls("chat.update")) - updates_before
            with db.read() as session:
                stored = set(session.scalars(select(VoteRow.voter_id)))
        finally:
            stop_process(process)
            db.dispose()
            slack.stop()
    return Figures(acks, stored, people, shown, updates, took)


def run_peer(mode: str, backend: str, users: int, pattern: str, workdir: Path) -> Figures:
    slack = SlackDouble(signing_secret=SECRET, clock=time.monotonic)  # held to Slack's time limits in real time
    slack.start()
    people = crowd(slack, users)
    with database(backend, workdir) as url:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
        env.update({"SLACK_BOT_TOKEN": slack.bot_token, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.api_url,
                    "DATABASE_URL": url, "PEER_CHANNEL": CHANNEL})
        port = free_port()
        if mode == "socket":
            env["SLACK_APP_TOKEN"] = slack.app_token
        else:
            env["PEER_PORT"] = str(port)
        process = subprocess.Popen([sys.executable, "-m", "benchmarks.peer_app"], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        engine = make_engine(url)
        try:
            wait_until(lambda: bool(slack.messages(CHANNEL)), time.perf_counter())
            if mode == "socket":
                slack.socket.wait_connected(60)
                transport: object = SocketModeTransport(slack)
            else:
                wait_until(lambda: _listening(port), time.perf_counter())
                transport = HttpTransport(slack, f"http://127.0.0.1:{port}/slack/events")
            ts = slack.messages(CHANNEL)[0].ts
            updates_before = len(slack.calls("chat.update"))
            first_click = time.perf_counter()
            acks, took = burst(slack, transport, people, ts, pattern)
            shown = wait_until(lambda: f"Support {users}" in next(m for m in slack.messages(CHANNEL) if m.ts == ts).text, first_click)
            time.sleep(2)
            updates = len(slack.calls("chat.update")) - updates_before
            with engine.connect() as connection:
                stored = set(connection.execute(text("SELECT voter FROM peer_votes")).scalars())
        finally:
            stop_process(process)  # type: ignore[arg-type]
            engine.dispose()
            slack.stop()
    return Figures(acks, stored, people, shown, updates, took)


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--modes", default="socket,http")
    parser.add_argument("--backends", default="sqlite,postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite")
    parser.add_argument("--patterns", default="spread,together")
    args = parser.parse_args()
    if "postgresql" in args.backends.split(",") and not os.environ.get("TEST_DATABASE_URL"):
        parser.error("--backends postgresql needs TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    print("| subject | transport | database | clicks | ack p50 | ack p99 | ack max | not acked | acked but not stored | final tally after "
          "| chat.update calls | clicks took |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    ratios: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            for mode in args.modes.split(","):
                for pattern in args.patterns.split(","):
                    peer = run_peer(mode, backend, args.users, pattern, Path(tmp))
                    print(peer.row("peer", mode, backend, pattern), flush=True)
                    bot = run_bot(mode, backend, args.users, pattern, Path(tmp))
                    print(bot.row("bot", mode, backend, pattern), flush=True)
                    tally = (f"{bot.tally_after / peer.tally_after:.2f}" if bot.tally_after and peer.tally_after else "n/a")
                    ratios.append(f"| {mode} | {backend} | {pattern} | {bot.p99 / peer.p99:.2f} | {tally} |")
    print()
    print("| transport | database | clicks | ack p99 bot/peer | final tally bot/peer |")
    print("| --- | --- | --- | --- | --- |")
    print("\n".join(ratios))


if __name__ == "__main__":
    main()
