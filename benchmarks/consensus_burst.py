"""A burst of votes on one decision: 300 distinct users click within one second.

Run from the repository root:
    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python -m benchmarks.consensus_burst [--users 300]
Starts `alliancebot run` as its own process against the Slack double, over Socket Mode and over
signed HTTP, on SQLite and (when TEST_DATABASE_URL is set, in a fresh schema) PostgreSQL. One
person posts a decision; then every user clicks Support, the clicks spread evenly over one
second. Prints the acks' p50/p99/max (Slack's limit is 3 s), votes lost (stored vs clicked), the
time from the first click until the message shows the final tally, and the chat.update calls.
"""
from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, select

from benchmarks.ack_latency import percentile
from benchmarks.startup import SECRET, start_process, stop_process
from bot.domain.alliance import Alliance, MemberMapping, Partner
from storage.alliances import save_alliance
from storage.db import Database, make_engine, scratch_schema
from storage.installations import ensure_installation
from storage.migrate import upgrade
from storage.models import VoteRow
from tests.slack_double import HttpTransport, Person, SlackDouble, SocketModeTransport

CHANNEL, PARTNER = "C0BURST", "T0BETA"


@contextmanager
def database(backend: str, workdir: Path) -> Iterator[str]:
    """A fresh, migrated database URL: a SQLite file, or a PostgreSQL schema dropped afterwards."""
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


def run(mode: str, backend: str, users: int, workdir: Path, threads: int = 48) -> str:
    slack = SlackDouble(signing_secret=SECRET, clock=time.monotonic)
    slack.start()
    slack.add_team(PARTNER, "Beta Bio")
    people = [f"UA{i:04d}" for i in range(users // 2)] + [f"UB{i:04d}" for i in range(users - users // 2)]
    for user in people:
        slack.add_user(user, slack.team_id if user.startswith("UA") else PARTNER, user.lower(), tz="Europe/Zurich")
    slack.add_channel(CHANNEL, "burst", members=people, is_ext_shared=True)
    with database(backend, workdir) as url:
        db = prepare(url, slack)
        process, base = start_process(slack, mode, workdir, database_url=url)
        transport = SocketModeTransport(slack) if mode == "socket" else HttpTransport(slack, base + "/slack/events")
        try:
            Person(slack, transport, people[0]).run("/consensus", "Approve the 2027 budget", channel=CHANNEL)
            deadline = time.monotonic() + 60
            while not slack.messages(CHANNEL) and time.monotonic() < deadline:
                time.sleep(0.02)
            ts = slack.messages(CHANNEL)[0].ts
            updates_before = len(slack.calls("chat.update"))
            start = time.perf_counter() + 0.2

            def click(index: int) -> float:
                # Spread the clicks evenly over one second, each from its own user.
                time.sleep(max(0.0, start + index / users - time.perf_counter()))
                ack = Person(slack, transport, people[index]).click("Support", channel=CHANNEL, message_ts=ts)
                assert ack.acked
                return ack.latency

            with ThreadPoolExecutor(min(users, threads)) as pool:
                latencies = list(pool.map(click, range(users)))
            clicked_for = time.perf_counter() - start
            while not final_tally_shown(slack, ts, users // 2) and time.perf_counter() - start < 60:
                time.sleep(0.01)
            shown_after = time.perf_counter() - start
            time.sleep(2)  # let any trailing update land before counting
            updates = len(slack.calls("chat.update")) - updates_before
            with db.read() as session:
                stored = session.scalar(select(func.count()).select_from(VoteRow)) or 0
        finally:
            stop_process(process)
            db.dispose()
            slack.stop()
    ms = [x * 1000 for x in latencies]
    shown = f"{shown_after:.2f} s" if shown_after < 60 else "never"
    return (f"| {mode} | {backend} | {statistics.median(ms):.0f} ms | {percentile(ms, 0.99):.0f} ms | {max(ms):.0f} ms | "
            f"{users - stored} | {shown} | {updates} | {clicked_for:.2f} s |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--modes", default="socket,http")
    parser.add_argument("--backends", default="sqlite,postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite")
    args = parser.parse_args()
    print("| transport | database | ack p50 | ack p99 | ack max | votes lost | final tally shown after | chat.update calls | clicks took |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            for mode in args.modes.split(","):
                print(run(mode, backend, args.users, Path(tmp)), flush=True)


if __name__ == "__main__":
    main()
