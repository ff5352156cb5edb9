"""A burst of `/action` captures in one channel, then the owner's Home tab, through the Slack double.

Run from the repository root:  .venv/bin/python -m benchmarks.actions [--items 150] [--concurrency 20]
Starts `alliancebot run` as its own process (Socket Mode, fresh SQLite file). `items` people each
capture an item owned by one person at the same moment; prints the ack latency, the time until
every item message was posted, whether the short ids came out unique and gapless, and how long the
owner's Home tab took to publish (app_home_opened to views.publish) with all of them open.
"""
from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.ack_latency import percentile
from benchmarks.startup import SECRET, start_process, stop_process
from tests.slack_double import Person, SlackDouble, SocketModeTransport

CHANNEL = "C0BENCH"


def run(items: int, concurrency: int, workdir: Path) -> str:
    slack = SlackDouble(signing_secret=SECRET, clock=time.monotonic)
    slack.start()
    users = [f"U{i:04d}" for i in range(items)]
    for user in users:
        slack.add_user(user, slack.team_id, user.lower(), tz="Europe/Zurich")
    slack.add_user("UOWNER", slack.team_id, "owner", tz="Asia/Tokyo")
    slack.add_channel(CHANNEL, "bench", members=[*users, "UOWNER"])
    process, _ = start_process(slack, "socket", workdir)
    transport = SocketModeTransport(slack)
    try:
        def one(user: str) -> float:
            ack = Person(slack, transport, user).run("/action", f"Review section {user} <@UOWNER|owner> by in 3 days", channel=CHANNEL)
            assert ack.acked
            return ack.latency

        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            latencies = list(pool.map(one, users))
        deadline = time.monotonic() + 60
        while len(slack.messages(CHANNEL)) < items and time.monotonic() < deadline:
            time.sleep(0.05)
        posted = time.perf_counter() - started
        refs = sorted(int(m) for msg in slack.messages(CHANNEL) for m in re.findall(r"Action item A-(\d+)", msg.text))
        unique = refs == list(range(1, items + 1))

        opened = time.perf_counter()
        Person(slack, transport, "UOWNER").open_home()
        while slack.home_view("UOWNER") is None and time.monotonic() < deadline:
            time.sleep(0.01)
        home = time.perf_counter() - opened
        blocks = len((slack.home_view("UOWNER") or {}).get("blocks", []))
    finally:
        stop_process(process)
        slack.stop()
    ms = [x * 1000 for x in latencies]
    return (f"{items} captures, {concurrency} at a time: ack p50 {statistics.median(ms):.0f} ms, p99 {percentile(ms, 0.99):.0f} ms, "
            f"max {max(ms):.0f} ms; all posted in {posted:.1f} s; ids A-1..A-{items} unique and gapless: {unique}; "
            f"Home with {items} items published in {home * 1000:.0f} ms ({blocks} blocks)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=150)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(run(args.items, args.concurrency, Path(tmp)))


if __name__ == "__main__":
    main()
