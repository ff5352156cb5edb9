"""Start-up time and idle memory of `alliancebot run`, against the Slack double, in both modes.

Run from the repository root:  .venv/bin/python -m benchmarks.startup [--runs 5]
Prints one line per mode with the median and worst start-up time (process start until Slack
could reach it: Socket Mode connected, or /healthz answering) and the resident memory after
5 seconds idle.
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from tests.slack_double import SlackDouble

SECRET = "benchmark-signing-secret"


def rss_mib(pid: int) -> float:
    """Resident memory of a process from /proc, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_process(slack: SlackDouble, mode: str, workdir: Path, database_url: str | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """Start `alliancebot run` against the double (on a fresh SQLite file unless `database_url` is given);
    return it once Slack can reach it, and its base URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env.update({"SLACK_BOT_TOKEN": slack.bot_token, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.api_url,
                "DATABASE_URL": database_url or f"sqlite:///{workdir / f'{time.time_ns()}.db'}"})
    args = [sys.executable, "-m", "bot", "run"]
    port = free_port()
    if mode == "socket":
        env["SLACK_APP_TOKEN"] = slack.app_token
    else:
        args += ["--port", str(port), "--host", "127.0.0.1"]
    started = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        if mode == "socket":
            if slack.socket.wait_connected(0.01):
                break
        else:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=0.5):
                    break
            except OSError:
                time.sleep(0.01)
        if time.perf_counter() - started > 60:
            stop_process(process)
            raise RuntimeError("the bot did not come up within 60 s")
    return process, f"http://127.0.0.1:{port}"


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, as an operator would, and wait for the clean exit."""
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def one_run(mode: str, workdir: Path) -> tuple[float, float]:
    """(seconds until reachable, MiB resident after idling) for one start of the bot."""
    slack = SlackDouble(signing_secret=SECRET, clock=time.monotonic)
    slack.start()
    started = time.perf_counter()
    try:
        process, _ = start_process(slack, mode, workdir)
        ready = time.perf_counter() - started
        time.sleep(5)
        memory = rss_mib(process.pid)
        stop_process(process)
    finally:
        slack.stop()
    return ready, memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("socket", "http"):
            results = [one_run(mode, Path(tmp)) for _ in range(args.runs)]
            times = [r[0] for r in results]
            memory = [r[1] for r in results]
            print(f"{mode:6s} start-up median {statistics.median(times):.2f} s, worst {max(times):.2f} s; "
                  f"idle RSS median {statistics.median(memory):.0f} MiB ({args.runs} runs)")


if __name__ == "__main__":
    main()
