"""Slow clients: signed commands acked within Slack's 3 s while 200 slowloris sockets are held open.

Run from the repository root:
    .venv/bin/python -m benchmarks.slow_clients [--commands 300] [--slow 200] [--concurrency 20]
Two subjects, each its own process against its own Slack double, measured in the same run, both
answering `/alliance help` (acked, then answered through its response_url):
- the bot: `alliancebot run --http` on a fresh SQLite file (every request signed and replay-checked);
- the peer: benchmarks/peer_app.py, a minimal Bolt app doing the same, served the way Bolt's docs
  show, by `waitress.create_server` with waitress's defaults (connection_limit 100).
Loads per subject: quiet (the baseline); `--slow` sockets each sending its request headers a byte a
second; `--slow` sockets sending whole headers then a 100 KB body a byte a second; for the bot also
`--over` slow header sockets, more than its connection limit. A socket the server closes is opened
again at once, so that many stay open throughout. Under each load, `--commands` signed commands go
out at `--rate` a second (at most `--concurrency` at a time), each given 3.5 s; the figures are how
many got their HTTP 200 within 3 s, and ack p50/p99/max of those answered.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks.ack_latency import percentile
from benchmarks.startup import SECRET, load_average, start_process, stop_process
from tests.slack_double import SignedHttpClient, SlackDouble
from tests.slack_double.payloads import VERIFICATION_TOKEN
from tests.slack_double.slow_clients import SlowClients

CHANNEL = "C0BENCH"
SLACK_LIMIT = 3.0


def commands(slack: SlackDouble, client: SignedHttpClient, command: str, text: str, count: int, concurrency: int,
             rate: float) -> list[float | None]:
    """Latency of each command's ack, None when it was not a 200 within the client's timeout; sent at `rate` a second."""
    started = time.monotonic()

    def one(index: int) -> float | None:
        time.sleep(max(0.0, started + index / rate - time.monotonic()))
        user = f"U{index % 50:04d}"
        form = {"token": VERIFICATION_TOKEN, "team_id": slack.team_id, "channel_id": CHANNEL, "user_id": user, "command": command,
                "text": text, "trigger_id": slack.issue_trigger(user), "response_url": slack.issue_response_url(user, CHANNEL)}
        try:
            result = client.command(form)
        except OSError:  # timed out or refused
            return None
        return result.latency if result.status == 200 else None

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(one, range(count)))


def measure(subject: str, url: str, slack: SlackDouble, args: argparse.Namespace) -> list[dict[str, Any]]:
    client = SignedHttpClient(url + "/slack/events", SECRET, timeout=SLACK_LIMIT + 0.5)
    rows = []
    loads = [("quiet", "", 0), (f"{args.slow} slow headers", "headers", args.slow), (f"{args.slow} slow bodies", "body", args.slow)]
    if subject == "bot":  # more than the bot's connection limit (the peer is locked out at 100 already)
        loads.append((f"{args.over} slow headers", "headers", args.over))
    for load, part, count in loads:
        slow = None
        if count:
            slow = SlowClients(url, count, part=part, interval=1.0, reopen=True).start()
            time.sleep(2)  # every slow socket connected and dripping before the commands start
        started = time.perf_counter()
        latencies = commands(slack, client, "/alliance", "help", args.commands, args.concurrency, args.rate)
        elapsed = time.perf_counter() - started
        held = slow.open_now() if slow else 0
        if slow:
            slow.stop()
        answered = [x * 1000 for x in latencies if x is not None]
        rows.append({"subject": subject, "load": load, "in_time": sum(1 for x in latencies if x is not None and x <= SLACK_LIMIT),
                     "p50": statistics.median(answered) if answered else None, "p99": percentile(answered, 0.99) if answered else None,
                     "max": max(answered) if answered else None, "elapsed": elapsed, "held": held,
                     "closed": slow.closed_by_server if slow else 0, "opened": slow.opened if slow else 0})
        print(row(rows[-1], args.commands), flush=True)
    return rows


def row(r: dict[str, Any], count: int) -> str:
    def ms(value: float | None) -> str:
        return "—" if value is None else f"{value:,.0f} ms"

    return (f"| {r['subject']} | {r['load']} | **{r['in_time']}/{count}** | {ms(r['p50'])} | {ms(r['p99'])} | {ms(r['max'])} "
            f"| {r['elapsed']:.1f} s | {r['held']} open at the end, {r['closed']} closed by the server of {r['opened']} opened |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=300)
    parser.add_argument("--slow", type=int, default=200)
    parser.add_argument("--over", type=int, default=1200, help="slow sockets beyond the bot's connection limit (1,000)")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--subjects", default="peer,bot", help="which to measure, in order")
    parser.add_argument("--rate", type=float, default=20.0, help="commands a second (300 at 20/s: 15 s, three header deadlines)")
    args = parser.parse_args()
    print(f"at the start: {load_average()}")
    print("| subject | slow clients | acked within 3 s | ack p50 | p99 | max | took | slow sockets |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for subject in args.subjects.split(","):
            slack = SlackDouble(signing_secret=SECRET, clock=time.monotonic)
            slack.start()
            for index in range(50):
                slack.add_user(f"U{index:04d}", slack.team_id, f"u{index}", tz="Europe/Zurich")
            slack.add_channel(CHANNEL, "bench", members=[f"U{index:04d}" for index in range(50)] + ["UBOT"])
            process, url = start_process(slack, "http", Path(tmp), subject=subject)
            try:
                results += measure(subject, url, slack, args)
            finally:
                stop_process(process)
                slack.stop()
    print(f"at the end: {load_average()}")
    quiet = {r["subject"]: r for r in results if r["load"] == "quiet"}
    for r in results:
        base = quiet.get(r["subject"])
        if base and r["load"] != "quiet" and r["p99"] and base["p99"]:
            print(f"{r['subject']}, {r['load']}: ack p99 {r['p99'] / base['p99']:.2f}× its quiet p99")


if __name__ == "__main__":
    main()
