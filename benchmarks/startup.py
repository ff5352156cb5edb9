"""Start-up time and idle memory of `alliancebot run`, against the Slack double, in both modes, next to a minimal Bolt app.

Run from the repository root:  .venv/bin/python -m benchmarks.startup [--runs 5]
For each mode, starts the bot and the peer (benchmarks/peer_app.py: a minimal Bolt app that
creates its tables and connects the same way) alternately, each on a fresh SQLite file, and
prints the median and worst start-up time (process start until Slack could reach it: Socket
Mode connected, or /healthz answering), the resident memory after 5 seconds idle, the bot/peer
ratios of the medians, and the machine's load average before and after.
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
ROOT = Path(__file__).resolve().parents[1]


def load_average() -> str:
    """The machine's 1/5/15-minute load averages, to print with every figure (the machine is shared)."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


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


def start_process(slack: SlackDouble, mode: str, workdir: Path, database_url: str | None = None,
                  subject: str = "bot") -> tuple[subprocess.Popen[bytes], str]:
    """Start `alliancebot run` (or, with subject="peer", the minimal Bolt app of benchmarks/peer_app.py) against
    the double (on a fresh SQLite file unless `database_url` is given); return it once Slack can reach it, and its base URL."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "PEER_"))}
    env.update({"SLACK_BOT_TOKEN": slack.bot_token, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.api_url,
                "DATABASE_URL": database_url or f"sqlite:///{workdir / f'{time.time_ns()}.db'}"})
    args = [sys.executable, "-m", "bot", "run"] if subject == "bot" else [sys.executable, "-m", "benchmarks.peer_app"]
    port = free_port()
    if mode == "socket":
        env["SLACK_APP_TOKEN"] = slack.app_token
    elif subject == "bot":
        args += ["--port", str(port), "--host", "127.0.0.1"]
    else:
        env["PEER_PORT"] = str(port)
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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
            raise RuntimeError(f"the {subject} did not come up within 60 s")
    return process, f"http://127.0.0.1:{port}"


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, as an operator would, and wait for the clean exit."""
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def one_run(mode: str, workdir: Path, subject: str = "bot") -> tuple[float, float]:
    """(seconds until reachable, MiB resident after idling) for one start of the bot or the peer."""
    slack = SlackDouble(signing_secret=SECRET, clock=time.monotonic)
    slack.start()
    started = time.perf_counter()
    try:
        process, _ = start_process(slack, mode, workdir, subject=subject)
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
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, {load_average()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("socket", "http"):
            results: dict[str, list[tuple[float, float]]] = {"bot": [], "peer": []}
            for run in range(args.runs):  # alternately, so that both meet the same load
                for subject in (("bot", "peer") if run % 2 == 0 else ("peer", "bot")):
                    results[subject].append(one_run(mode, Path(tmp), subject))
            medians = {}
            for subject, measured in results.items():
                times, memory = [r[0] for r in measured], [r[1] for r in measured]
                medians[subject] = (statistics.median(times), statistics.median(memory))
                print(f"{mode:6s} {subject:4s} start-up median {medians[subject][0]:.2f} s, worst {max(times):.2f} s; "
                      f"idle RSS median {medians[subject][1]:.0f} MiB ({args.runs} runs)", flush=True)
            print(f"{mode:6s} bot/peer: start-up {medians['bot'][0] / medians['peer'][0]:.2f}, "
                  f"idle RSS {medians['bot'][1] / medians['peer'][1]:.2f}; {load_average()}", flush=True)
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, {load_average()}")


if __name__ == "__main__":
    main()
