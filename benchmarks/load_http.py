"""Load: 50 people running a mix of commands and clicks for 60 s against `alliancebot run --http --workers 2` on PostgreSQL.

Run from the repository root (PostgreSQL required; a fresh schema is made and dropped):
    TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python -m benchmarks.load_http [--users 50] [--seconds 60] [--workers 2]
Each simulated person loops: `/alliance help` (30 %), `/consensus help` (15 %), `/consensus list` (10 %),
start a decision with `/consensus <proposal>` (5 %), or click Support on one of the open decisions
(40 %). Prints requests served, ack latency p50/p99/max (time until Slack got its HTTP 200), errors
(non-200 answers or failed requests) and error messages the bot posted or Web API calls that failed,
the machine's load average before and after, and the size of the click requests (each carries its
whole decision message) at the end. No baseline app: no minimal app serves this mix; see
benchmarks/consensus_burst.py and benchmarks/ack_latency.py for the bot against one.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import select

from benchmarks.startup import SECRET, free_port, load_average
from bot.domain.alliance import Alliance, MemberMapping, Partner
from storage.alliances import save_alliance
from storage.db import Database, make_engine, scratch_schema
from storage.migrate import upgrade
from storage.models.installations import InstallationRow
from tests.slack_double import HttpTransport, Person, SlackDouble

CHANNEL, HOME, PARTNER = "C0LOAD", "T0ALPHA", "T0BETA"
ROOT = Path(__file__).resolve().parents[1]


def _kind(roll: float) -> str:
    return ("alliance help" if roll < 0.30 else "consensus help" if roll < 0.45 else "consensus list" if roll < 0.55
            else "consensus start" if roll < 0.60 else "vote")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def wait_healthy(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the bot did not become healthy")


def run(pg_url: str, users: int, seconds: float, workers: int, think: float = 0.0) -> str:
    schema = ExitStack()
    url = schema.enter_context(scratch_schema(pg_url, "load"))
    db = Database(make_engine(url))
    upgrade(db)
    slack = SlackDouble(signing_secret=SECRET, clock=time.monotonic)
    slack.start()
    slack.add_team(PARTNER, "Beta Bio")
    people = [f"U{i:04d}" for i in range(users)]
    for i, user in enumerate(people):
        slack.add_user(user, HOME if i % 2 == 0 else PARTNER, user.lower(), tz="Europe/Zurich" if i % 2 == 0 else "Asia/Tokyo")
    slack.add_channel(CHANNEL, "load", members=people + ["UBOT"], is_ext_shared=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env.update({"SLACK_BOT_TOKEN": slack.bot_token, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.api_url,
                "DATABASE_URL": url, "ALLIANCEBOT_LOG_LEVEL": "WARNING"})
    if os.environ.get("LOAD_DIAG"):
        env["PYTHONPATH"] = os.environ["LOAD_DIAG"]
    # The bot's log goes to a file: a pipe nobody reads fills up and blocks the workers' logging
    # (waitress's loop thread logs its queue depth under load), which stalls every request.
    log = tempfile.TemporaryFile("w+")  # noqa: SIM115 -- the bot's stderr for the whole run, closed in the finally below
    process = subprocess.Popen([sys.executable, "-m", "bot", "run", "--http", "--workers", str(workers), "--port", str(port),
                                "--host", "127.0.0.1"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log, text=True)
    base = f"http://127.0.0.1:{port}"
    latencies: list[float] = []
    errors: list[str] = []
    error_times: list[float] = []
    probe_ms: list[float] = []
    counts: dict[str, int] = {}
    lock = threading.Lock()
    try:
        wait_healthy(base)
        with db.write() as session:
            installation_id = session.scalar(select(InstallationRow.id))
            setup = Alliance(CHANNEL, "Load", MemberMapping.SLACK_TEAM, (Partner("Alpha Pharma", HOME), Partner("Beta Bio", PARTNER)))
            save_alliance(session, installation_id, setup, by_user=people[0], now=datetime.now(timezone.utc))
        transport = HttpTransport(slack, base + "/slack/events")
        Person(slack, transport, people[0]).run("/consensus", "Warm-up decision", channel=CHANNEL)
        stop_at = time.monotonic() + seconds

        # The decisions people can vote on, refreshed once a second by one thread: scanning the
        # double's messages on every click would make the load generator its own bottleneck.
        open_decisions: list[str] = []

        def refresh_decisions() -> None:
            while time.monotonic() < stop_at:
                open_decisions[:] = [m.ts for m in slack.messages(CHANNEL) if any(b.get("type") == "actions" for b in (m.blocks or []))]
                time.sleep(1.0)

        probe_ms: list[float] = []

        def probe_double() -> None:
            # How fast the double itself answers, to tell its stalls from the bot's.
            from slack_sdk.web import WebClient

            client = WebClient(token=slack.bot_token, base_url=slack.api_url, timeout=30)
            while time.monotonic() < stop_at:
                began = time.monotonic()
                client.auth_test()
                probe_ms.append((time.monotonic() - began) * 1000)
                time.sleep(0.5)

        def decisions() -> list[str]:
            return list(open_decisions)

        def person_loop(user: str) -> None:
            me, rng = Person(slack, transport, user), random.Random(user)
            # Beta's people have no slash commands (their organisation has not installed the app): they vote.
            has_commands = slack.ws.users[user].team_id == HOME
            while time.monotonic() < stop_at:
                roll = rng.random() if has_commands else 1.0
                try:
                    if roll < 0.30:
                        kind, ack = "alliance help", me.run("/alliance", "help", channel=CHANNEL)
                    elif roll < 0.45:
                        kind, ack = "consensus help", me.run("/consensus", "help", channel=CHANNEL)
                    elif roll < 0.55:
                        kind, ack = "consensus list", me.run("/consensus", "list", channel=CHANNEL)
                    elif roll < 0.60:
                        kind, ack = "consensus start", me.run("/consensus", f"Proposal {uuid.uuid4().hex[:6]}", channel=CHANNEL)
                    else:
                        open_ones = decisions()
                        if not open_ones:
                            continue
                        kind, ack = "vote", me.click("Support", channel=CHANNEL, message_ts=rng.choice(open_ones))
                except Exception as error:  # a request that failed outright is an error, not a crash of the load
                    with lock:
                        errors.append(f"{_kind(roll)}: {type(error).__name__}: {error}"[:200])
                        error_times.append(round(time.monotonic() - (stop_at - seconds), 1))
                    continue
                with lock:
                    counts[kind] = counts.get(kind, 0) + 1
                    latencies.append(ack.latency)
                    if not ack.acked:
                        errors.append(f"{kind}: HTTP {ack.status}")
                if think:  # a pause between actions (0: back to back, the machine's saturation throughput)
                    time.sleep(rng.uniform(0, 2 * think))

        print(f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, {load_average()}", flush=True)
        threads = [threading.Thread(target=person_loop, args=(user,)) for user in people]
        threads.append(threading.Thread(target=refresh_decisions))
        threads.append(threading.Thread(target=probe_double))
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, {load_average()}", flush=True)
        time.sleep(3)  # let work after the acks finish
        clicker = Person(slack, transport, people[0])
        click_bytes = sorted(len(urlencode({"payload": json.dumps(clicker.click_payload("Support", channel=CHANNEL, message_ts=ts))}))
                             for ts in open_decisions)
        if click_bytes:
            print(f"click requests at the end: {len(click_bytes)} open decisions, {click_bytes[0]}–{click_bytes[-1]} bytes each")
        failed_calls = [c for c in slack.calls() if not c.response.get("ok", True)]
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        log.seek(0)
        stderr = log.read()
        log.close()
        slack.stop()
        db.dispose()
        schema.close()
    ms = [x * 1000 for x in latencies]
    print(f"the double's own auth.test latency: p50 {statistics.median(probe_ms):.0f} ms, max {max(probe_ms):.0f} ms")
    tracebacks = stderr.count("Traceback")
    if error_times:
        print("errors at (s into the run)", sorted(error_times)[:5], "...", sorted(error_times)[-3:])
    print("\n".join(line for line in stderr.splitlines() if "waitress.queue" not in line)[-3000:])
    return (f"{users} users{f' (think {think:g} s)' if think else ''}, {elapsed:.0f} s, {workers} workers on PostgreSQL: {len(ms)} requests served "
            f"({len(ms) / elapsed:.0f}/s; {', '.join(f'{k} {v}' for k, v in sorted(counts.items()))}); "
            f"ack p50 {statistics.median(ms):.0f} ms, p99 {percentile(ms, 0.99):.0f} ms, max {max(ms):.0f} ms; "
            f"errors {len(errors)}{' ' + repr(sorted(set(errors))[:5]) if errors else ''}; failed Web API calls {len(failed_calls)}; "
            f"tracebacks in the bot's log {tracebacks}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--think", type=float, default=0.0, help="mean pause in seconds between one person's actions")
    args = parser.parse_args()
    pg_url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    if not pg_url.startswith(("postgresql", "postgres")):
        raise SystemExit("set TEST_DATABASE_URL to a PostgreSQL URL")
    print(run(pg_url, args.users, args.seconds, args.workers, args.think))


if __name__ == "__main__":
    main()
