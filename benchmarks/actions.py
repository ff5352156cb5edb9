"""A burst of `/action` captures in one channel, then the owner's Home tab, through the Slack double, next to a minimal Bolt app.

Run from the repository root:  .venv/bin/python -m benchmarks.actions [--items 150] [--concurrency 20]
Starts `alliancebot run` as its own process (Socket Mode, fresh SQLite file). `items` people each
capture an item owned by one person at the same moment; prints the ack latency, the time until
every item message was posted, whether the short ids came out unique and gapless, and how long the
owner's Home tab took to publish (app_home_opened to views.publish) with all of them open.
Then the same against the peer (benchmarks/peer_app.py: a minimal Bolt app that acks, stores the
item with one INSERT and posts it; its Home tab lists the items), and the bot/peer ratios; with
the load average and the envelope sizes.
"""
from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from benchmarks.ack_latency import envelope_sizes, percentile
from benchmarks.startup import SECRET, load_average, start_process, stop_process
from tests.slack_double import Person, SlackDouble, SocketModeTransport

CHANNEL = "C0BENCH"


@dataclass
class Figures:
    """One run of one subject."""

    ms: list[float]
    posted: float
    unique: bool
    home: float
    blocks: int
    sizes: str

    def line(self, subject: str) -> str:
        ms = self.ms
        return (f"{subject:4s} {len(ms)} captures: ack p50 {statistics.median(ms):.0f} ms, p99 {percentile(ms, 0.99):.0f} ms, "
                f"max {max(ms):.0f} ms; all posted in {self.posted:.1f} s; ids A-1..A-{len(ms)} unique and gapless: {self.unique}; "
                f"Home with {len(ms)} items published in {self.home * 1000:.0f} ms ({self.blocks} blocks); {self.sizes}")


def run(items: int, concurrency: int, workdir: Path, subject: str = "bot") -> Figures:
    slack = SlackDouble(signing_secret=SECRET, clock=time.monotonic)
    slack.start()
    users = [f"U{i:04d}" for i in range(items)]
    for user in users:
        slack.add_user(user, slack.team_id, user.lower(), tz="Europe/Zurich")
    slack.add_user("UOWNER", slack.team_id, "owner", tz="Asia/Tokyo")
    slack.add_channel(CHANNEL, "bench", members=[*users, "UOWNER"])
    process, _ = start_process(slack, "socket", workdir, subject=subject)
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
        sizes = envelope_sizes(slack)
    finally:
        stop_process(process)
        slack.stop()
    return Figures([x * 1000 for x in latencies], posted, unique, home, blocks, sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=150)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, {load_average()}; "
          f"{args.items} captures, {args.concurrency} at a time, Socket Mode, SQLite", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        figures = {}
        for subject in ("peer", "bot"):
            figures[subject] = run(args.items, args.concurrency, Path(tmp), subject)
            print(figures[subject].line(subject), flush=True)
    bot, peer = figures["bot"], figures["peer"]
    print(f"bot/peer: ack p50 {statistics.median(bot.ms) / statistics.median(peer.ms):.2f}, "
          f"p99 {percentile(bot.ms, 0.99) / percentile(peer.ms, 0.99):.2f}; all posted {bot.posted / peer.posted:.2f}; "
          f"Home {bot.home / peer.home:.2f}; {load_average()}")


if __name__ == "__main__":
    main()
