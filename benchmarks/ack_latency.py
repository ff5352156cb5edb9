"""Ack latency of `/alliance help` through the Slack double, over Socket Mode and signed HTTP, next to a minimal Bolt app.

Run from the repository root:  .venv/bin/python -m benchmarks.ack_latency [--requests 300] [--concurrency 20] [--runs 1]
Starts `alliancebot run` as its own process on a fresh SQLite file (so the bot does not share a
GIL with the double and the load), fires the commands from `concurrency` threads, and prints
p50/p99/max of the time until Slack got its ack (Slack's limit is 3 s), and how many answers
arrived through response_url. Then the same against the peer (benchmarks/peer_app.py: a minimal
Bolt app that acks and answers through response_url with the same help text), in turn (the
order alternates run by run), and the bot/peer ratios of p50 and p99; with the load average and
the size of the commands' envelopes.
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from benchmarks.startup import SECRET, load_average, start_process, stop_process
from tests.slack_double import HttpTransport, Person, SlackDouble, SocketModeTransport


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def envelope_sizes(slack: SlackDouble) -> str:
    """The sizes of the Socket Mode envelopes the double sent (as JSON text on the wire)."""
    sizes = sorted(len(json.dumps(e)) for e in slack.socket.envelopes)
    return f"envelopes {sizes[0]}–{sizes[-1]} bytes" if sizes else "no envelopes recorded"


@dataclass
class Latencies:
    """One run of one subject."""

    ms: list[float]
    answered: int
    elapsed: float
    sizes: str

    def line(self, subject: str, mode: str) -> str:
        return (f"{mode:6s} {subject:4s} {len(self.ms)} commands: ack p50 {statistics.median(self.ms):.0f} ms, "
                f"p99 {percentile(self.ms, 0.99):.0f} ms, max {max(self.ms):.0f} ms; {self.answered}/{len(self.ms)} answered "
                f"in {self.elapsed:.1f} s; {self.sizes}")


def run(mode: str, requests: int, concurrency: int, workdir: Path, subject: str = "bot") -> Latencies:
    slack = SlackDouble(signing_secret=SECRET, clock=time.monotonic)
    slack.start()
    users = [f"U{i:04d}" for i in range(requests)]
    for user in users:
        slack.add_user(user, slack.team_id, user.lower(), tz="Europe/Zurich")
    slack.add_channel("C0BENCH", "bench", members=users)
    process, url = start_process(slack, mode, workdir, subject=subject)
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
        sizes = envelope_sizes(slack) if mode == "socket" else "the same fields, form-encoded"
    finally:
        stop_process(process)
        slack.stop()
    return Latencies([x * 1000 for x in latencies], answered, elapsed, sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--runs", type=int, default=1, help="runs of each subject in each mode")
    args = parser.parse_args()
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, {load_average()}; "
          f"{args.requests} commands, {args.concurrency} at a time", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("socket", "http"):
            for number in range(args.runs):
                figures = {}
                for subject in (("peer", "bot") if number % 2 == 0 else ("bot", "peer")):
                    figures[subject] = run(mode, args.requests, args.concurrency, Path(tmp), subject)
                    print(figures[subject].line(subject, mode), flush=True)
                bot, peer = figures["bot"].ms, figures["peer"].ms
                print(f"{mode:6s} bot/peer: p50 {statistics.median(bot) / statistics.median(peer):.2f}, "
                      f"p99 {percentile(bot, 0.99) / percentile(peer, 0.99):.2f}; {load_average()}", flush=True)


if __name__ == "__main__":
    main()
