"""Ack latency of `/alliance help` through the Slack double, over Socket Mode and signed HTTP.

Run from the repository root:  .venv/bin/python -m benchmarks.ack_latency [--requests 300] [--concurrency 20]
Starts `alliancebot run` as its own process on a fresh SQLite file (so the bot does not share a
GIL with the double and the load), fires the commands from `concurrency` threads, and prints
p50/p99/max of the time until Slack got its ack (Slack's limit is 3 s), and how many answers
arrived through response_url.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.startup import SECRET, start_process, stop_process
from tests.slack_double import HttpTransport, Person, SlackDouble, SocketModeTransport


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(mode: str, requests: int, concurrency: int, workdir: Path) -> str:
    slack = SlackDouble(signing_secret=SECRET, clock=time.monotonic)
    slack.start()
    users = [f"U{i:04d}" for i in range(requests)]
    for user in users:
        slack.add_user(user, slack.team_id, user.lower(), tz="Europe/Zurich")
    slack.add_channel("C0BENCH", "bench", members=users)
    process, url = start_process(slack, mode, workdir)
    transport = SocketModeTransport(slack) if mode == "socket" else HttpTransport(slack, url + "/slack/events")
    try:
        def one(user: str) -> float:
            ack = Person(slack, transport, user).run("/alliance", "help", channel="C0BENCH")
            assert ack.acked
            return ack.latency

        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            latencies = list(pool.map(one, users))
        deadline = time.monotonic() + 30
        while len(slack.ephemerals("C0BENCH")) < requests and time.monotonic() < deadline:
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        answered = len(slack.ephemerals("C0BENCH"))
    finally:
        stop_process(process)
        slack.stop()
    ms = [x * 1000 for x in latencies]
    return (f"{mode:6s} {requests} commands, {concurrency} at a time: ack p50 {statistics.median(ms):.0f} ms, "
            f"p99 {percentile(ms, 0.99):.0f} ms, max {max(ms):.0f} ms; {answered}/{requests} answered in {elapsed:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("socket", "http"):
            print(run(mode, args.requests, args.concurrency, Path(tmp)))


if __name__ == "__main__":
    main()
