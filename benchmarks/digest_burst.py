"""Weekly digests of many channels falling due at the same minute, against Slack's rate limits.

Run from the repository root:
    .venv/bin/python -m benchmarks.digest_burst [--channels 2000] [--per-window 600 --window 60] [--schedulers 2]
                                                [--database-url postgresql://…] [--own-pace]

Every channel has a weekly digest due at the same instant (and one milestone, so the digest says
something). The Slack double limits chat.postMessage as Slack does: one message per second per
channel, plus a workspace-wide budget (`--per-window` posts per sliding `--window` seconds),
answering 429 with Retry-After beyond it. Real `alliancebot scheduler` processes send the
digests. Prints the time until every channel had its digest (from starting the schedulers), the
digests lost and duplicated, the 429s Slack answered, and the ratio of the time to the floor the
workspace limit allows: in a sliding window the k-th post (0-based) cannot go out before
floor(k / per_window) windows have passed. No minimal app sends these digests, so there is no peer;
with --own-pace the same burst then runs without the workspace limit, and the limited run is
compared with the best the limit and the schedulers' own pace in the same minutes allow. Printed
with the machine's load average.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import IO

from benchmarks.startup import load_average
from bot.app import build_services
from bot.domain.milestones import Direction, MilestoneDraft, Payment
from bot.domain.recurrence import WeeklyRule
from bot.scheduler.digests import schedule_digest
from bot.settings import load_settings
from storage.db import Database, make_engine, scratch_schema
from storage.digests import set_digest_rule
from storage.migrate import upgrade
from storage.milestones import create_milestone
from tests.slack_double import SlackDouble

SECRET = "benchmark-signing-secret"


def channel_ids(count: int) -> list[str]:
    return [f"C{n:06d}" for n in range(count)]


def prepare(slack: SlackDouble, url: str, channels: list[str]) -> datetime:
    """Migrate, record the installation, and queue every channel's digest at the same past instant."""
    settings = load_settings({"SLACK_BOT_TOKEN": slack.bot_token, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.api_url,
                              "DATABASE_URL": url}, dotenv=None)
    db = Database(make_engine(url))
    upgrade(db)
    services = build_services(settings, db=db)
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    rule = WeeklyRule(now.weekday(), now.time().replace(tzinfo=None), "UTC")  # fires this very minute
    with db.write() as session:
        for channel in channels:
            version = set_digest_rule(session, services.default_installation_id, channel, rule, now)
            schedule_digest(session, services.default_installation_id, channel, rule, version, now - timedelta(minutes=1))
            create_milestone(session, services.default_installation_id, channel,
                             MilestoneDraft("First patient dosed", now.date() + timedelta(days=30), payment=Payment(Decimal(25_000_000), "USD", Direction.IN)),
                             by_user="UBENCH", now=now)
    services.close()
    return now


def start_scheduler(slack: SlackDouble, url: str, log: IO[str]) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env.update({"SLACK_BOT_TOKEN": slack.bot_token, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.api_url,
                "DATABASE_URL": url, "ALLIANCEBOT_LOG_LEVEL": "ERROR"})
    # The log goes to a file: a pipe nobody reads fills up and blocks the scheduler's logging.
    return subprocess.Popen([sys.executable, "-m", "bot", "scheduler"], env=env, stdout=subprocess.DEVNULL, stderr=log, text=True)


def digests_per_channel(slack: SlackDouble, channels: list[str]) -> list[int]:
    with slack.ws.lock:
        return [sum(1 for m in slack.ws.messages.get(c, []) if "Channel digest" in m.text) for c in channels]


@contextmanager
def own_schema(url: str) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards (as the tests do)."""
    if not url:
        yield ""
        return
    with scratch_schema(url, "bench") as scratch:
        yield scratch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--channels", type=int, default=2000)
    parser.add_argument("--per-window", type=int, default=600, help="workspace-wide chat.postMessage budget per window")
    parser.add_argument("--window", type=float, default=60.0, help="seconds")
    parser.add_argument("--schedulers", type=int, default=2)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument("--own-pace", action="store_true",
                        help="then the same burst without the workspace limit: the schedulers' own pace in the same minutes")
    args = parser.parse_args()
    elapsed = burst(args, args.per_window)
    if args.own_pace:
        pace = burst(args, None)
        floor = (args.channels - 1) // args.per_window * args.window
        best = max(floor, pace)
        print(f"own pace {pace:.1f} s; with the limit the best is max(floor {floor:.0f} s, own pace {pace:.1f} s) = {best:.1f} s; "
              f"limited run / best {elapsed / best:.2f}")


def burst(args: argparse.Namespace, per_window: int | None) -> float:
    """One burst of every channel's digest (under a workspace limit of `per_window` posts per window, or none); prints
    its figures and returns the seconds until every channel had its digest."""
    slack = SlackDouble(signing_secret=SECRET, clock=time.monotonic)
    slack.start()
    channels = channel_ids(args.channels)
    for channel in channels:
        slack.add_channel(channel, channel.lower())
    slack.set_rate_limit("chat.postMessage", per_minute=60)  # one a second per channel
    if per_window is not None:
        slack.set_workspace_rate_limit("chat.postMessage", per_window=per_window, window=args.window)
    with tempfile.TemporaryDirectory() as workdir, own_schema(args.database_url) as pg_url:
        url = pg_url or f"sqlite:///{Path(workdir) / 'burst.db'}"
        prepare(slack, url, channels)
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, {load_average()}", flush=True)
        log = tempfile.TemporaryFile("w+")
        started = time.monotonic()
        processes = [start_scheduler(slack, url, log) for _ in range(args.schedulers)]
        try:
            while min(digests_per_channel(slack, channels)) == 0 and time.monotonic() - started < args.timeout:
                time.sleep(0.1)
            elapsed = time.monotonic() - started
            time.sleep(5)  # anything doubled would arrive now
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
        log.seek(0)
        errors = log.read()
        log.close()
        counts = digests_per_channel(slack, channels)
        calls = slack.calls("chat.postMessage")
        floor = (args.channels - 1) // per_window * args.window if per_window is not None else 0.0
        limit = f"{per_window}/{args.window:g}s per workspace" if per_window is not None else "no workspace limit"
        print(f"channels={args.channels} schedulers={args.schedulers} db={'postgresql' if url.startswith('postgresql') else 'sqlite'} "
              f"limit={limit} + 1/s per channel")
        print(f"all sent after {elapsed:.1f} s; lost={sum(1 for c in counts if c == 0)} duplicated={sum(max(0, c - 1) for c in counts)} "
              f"429s={sum(1 for c in calls if c.status == 429)} posts={sum(1 for c in calls if c.status == 200)} "
              f"floor={floor:.0f} s ratio={elapsed / floor if floor else float('nan'):.2f}")
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, {load_average()}; "
              f"error lines in the schedulers' log: {len(errors.splitlines())}", flush=True)
        if errors:
            print(errors[-2000:])
    slack.stop()
    return elapsed


if __name__ == "__main__":
    main()
