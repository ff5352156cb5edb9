"""`alliancebot run` as an operator starts it: real process, real sockets, SIGTERM to stop."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import CHANNEL, SECRET, eventually
from tests.slack_double import HttpTransport, Person, SignedHttpClient, SlackDouble, SocketModeTransport
from tests.slack_double.clock import PATIENCE

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A port free now; another process may take it before ours binds it (see start_listening)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_listening(launch: Callable[[int], subprocess.Popen[str]], healthy: Callable[[str], bool],
                    attempts: int = 5) -> tuple[subprocess.Popen[str], str]:
    """Start a process serving HTTP on a free port and wait until `healthy(base_url)`.

    A port found free can be taken by another process before ours binds it (other tests run on
    this machine too): then the process stops with "cannot listen", and we try another port.
    """
    for _ in range(attempts):
        port = free_port()
        process = launch(port)
        base = f"http://127.0.0.1:{port}"
        eventually(lambda: process.poll() is not None or healthy(base), what=f"the process to answer on {base}")
        if process.poll() is None:
            return process, base
        out, _ = process.communicate(timeout=PATIENCE)
        if "cannot listen" not in out:
            raise AssertionError(f"the process stopped before it answered:\n{out}")
    raise AssertionError(f"no free port after {attempts} attempts")


def start(slack: SlackDouble, tmp_path: Path, *args: str, socket_mode: bool) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env.update({"SLACK_BOT_TOKEN": slack.bot_token, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.api_url,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "PYTHONUNBUFFERED": "1"})
    if socket_mode:
        env["SLACK_APP_TOKEN"] = slack.app_token
    return subprocess.Popen([sys.executable, "-m", "bot", "run", *args], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=PATIENCE)
    return out


@pytest.fixture
def slack() -> Iterator[SlackDouble]:
    double = SlackDouble(signing_secret=SECRET)
    double.start()
    double.add_user("UMARIA", double.team_id, "maria", tz="Europe/Zurich")
    double.add_channel(CHANNEL, "alliance", members=["UMARIA", "UBOT"])
    yield double
    double.stop()


def test_socket_mode_process_connects_through_slack_api_url_answers_and_stops_cleanly(slack: SlackDouble, tmp_path: Path) -> None:
    process = start(slack, tmp_path, socket_mode=True)
    try:
        assert slack.socket.wait_connected(), "the process did not connect over Socket Mode"
        assert slack.calls("apps.connections.open"), "Socket Mode must ask SLACK_API_URL for its WebSocket URL"
        ack = Person(slack, SocketModeTransport(slack), "UMARIA").run("/alliance", "help", channel=CHANNEL)
        assert ack.acked  # within Slack's 3 s is for benchmarks/startup.py and ack_latency.py to show
        eventually(lambda: slack.ephemerals(CHANNEL, "UMARIA"), what="the help answer")
    finally:
        out = stop(process)
    assert process.returncode == 0, out
    assert "Traceback" not in out and "stopped" in out


def healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=PATIENCE) as response:
            return response.status == 200 and json.load(response)["ok"] is True
    except (OSError, ValueError, KeyError, TypeError):  # not up yet, or not ours
        return False


def test_http_process_serves_health_and_signed_requests_and_refuses_forgeries(slack: SlackDouble, tmp_path: Path) -> None:
    process, base = start_listening(
        lambda port: start(slack, tmp_path, "--port", str(port), "--host", "127.0.0.1", socket_mode=False), healthy)
    try:
        transport = HttpTransport(slack, base + "/slack/events")
        ack = Person(slack, transport, "UMARIA").run("/alliance", "help", channel=CHANNEL)
        assert ack.acked
        eventually(lambda: slack.ephemerals(CHANNEL, "UMARIA"), what="the help answer")
        client = SignedHttpClient(base + "/slack/events", SECRET)
        form = {"command": "/alliance", "text": "help confidential-canary-7f3e", "user_id": "UMARIA", "channel_id": CHANNEL, "team_id": slack.team_id,
                "trigger_id": slack.issue_trigger("UMARIA", CHANNEL), "response_url": slack.issue_response_url("UMARIA", CHANNEL)}
        assert client.command(form, forged=True).status == 401
        assert client.command(form, stale_seconds=301).status == 401
        assert client.command(form, timestamp="abc").status == 401
        assert client.command(form, tamper=True).status == 401
        # Nothing ran for the refused ones: the same command, signed, is answered once, and alone.
        before = len(slack.ephemerals(CHANNEL, "UMARIA"))
        assert client.command(form).status == 200
        eventually(lambda: len(slack.ephemerals(CHANNEL, "UMARIA")) > before, what="the answer to the signed command")
        assert len(slack.ephemerals(CHANNEL, "UMARIA")) == before + 1
    finally:
        out = stop(process)
    assert process.returncode == 0, out
    assert "Traceback" not in out
    assert "refused a request" in out
    assert "confidential-canary-7f3e" not in out  # request bodies are never logged


def test_a_refused_bot_token_stops_start_up_with_one_line(slack: SlackDouble, tmp_path: Path) -> None:
    slack.revoke_token(slack.bot_token)
    process = start(slack, tmp_path, socket_mode=True)
    out, _ = process.communicate(timeout=PATIENCE)
    assert process.returncode == 2
    assert "SLACK_BOT_TOKEN was refused by Slack" in out and "Traceback" not in out


def check(slack: SlackDouble, tmp_path: Path, **overrides: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env.update({"SLACK_BOT_TOKEN": slack.bot_token, "SLACK_APP_TOKEN": slack.app_token, "SLACK_API_URL": slack.api_url, **overrides})
    return subprocess.run([sys.executable, "-m", "bot", "check"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=PATIENCE)


def test_check_tries_every_token_the_mode_uses_and_the_database(slack: SlackDouble, tmp_path: Path) -> None:
    result = check(slack, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "ok: bot alliancebot (UBOT) in Alpha Pharma (T0ALPHA); Socket Mode" in result.stdout
    assert "ok: SLACK_APP_TOKEN opens Socket Mode connections" in result.stdout
    assert "alliancebot.db does not exist yet" in result.stdout and not (tmp_path / "alliancebot.db").exists()
    assert len(slack.calls("apps.connections.open")) == 1

    refused = check(slack, tmp_path, SLACK_BOT_TOKEN="xoxb-wrong")
    assert refused.returncode == 2 and "SLACK_BOT_TOKEN was refused by Slack (invalid_auth)" in refused.stderr
    # An app-level token Slack does not know (or a bot token where an app-level one belongs).
    for token, code in (("xapp-1-unknown", "invalid_auth"),):
        refused = check(slack, tmp_path, SLACK_APP_TOKEN=token)
        assert refused.returncode == 2, refused.stdout
        assert refused.stderr.strip() == (f"alliancebot: SLACK_APP_TOKEN was refused by Slack ({code}): create an app-level token "
                                          "with the connections:write scope on the app's Basic Information page")
    slack.revoke_token(slack.app_token)
    revoked = check(slack, tmp_path)
    assert revoked.returncode == 2 and "SLACK_APP_TOKEN was refused by Slack (token_revoked)" in revoked.stderr

    # HTTP mode has no app-level token to try; a database that cannot be opened is one line too.
    http = check(slack, tmp_path, SLACK_APP_TOKEN="", SLACK_SIGNING_SECRET=SECRET,
                 DATABASE_URL=f"sqlite:///{tmp_path}/no/such/folder/x.db")
    assert http.returncode == 2 and "ok: bot alliancebot (UBOT) in Alpha Pharma (T0ALPHA); HTTP" in http.stdout
    assert http.stderr.strip().startswith("alliancebot: DATABASE_URL: cannot open the database") and len(http.stderr.strip().splitlines()) == 1


def test_run_with_several_workers_stops_with_one_line_on_a_refused_token_or_unreachable_slack(slack: SlackDouble, tmp_path: Path) -> None:
    slack.revoke_token(slack.bot_token)
    process = start(slack, tmp_path, "--http", "--workers", "2", "--port", str(free_port()), socket_mode=False)
    out, _ = process.communicate(timeout=PATIENCE)
    assert process.returncode == 2, out
    assert out.strip().splitlines() == ["alliancebot: SLACK_BOT_TOKEN was refused by Slack (token_revoked): copy the current Bot User "
                                        "OAuth Token from the app's OAuth & Permissions page"]

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env.update({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"})
    unreachable = subprocess.run([sys.executable, "-m", "bot", "run", "--http", "--workers", "2", "--port", str(free_port())],
                                 cwd=tmp_path, env=env, capture_output=True, text=True, timeout=2 * PATIENCE)
    assert unreachable.returncode == 2, unreachable.stderr
    assert "cannot reach Slack at SLACK_API_URL" in unreachable.stderr and "Traceback" not in unreachable.stderr
    assert "starting a new one" not in unreachable.stderr


def test_socket_mode_health_says_when_the_connection_to_slack_is_down(slack: SlackDouble, tmp_path: Path) -> None:
    port = free_port()
    process = start(slack, tmp_path, "--health-port", str(port), socket_mode=True)

    def health() -> tuple[int, dict]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=PATIENCE) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())
        except OSError:
            return 0, {}

    try:
        assert slack.socket.wait_connected()
        _status, body = eventually(lambda: (h := health())[0] == 200 and h, what="healthy")
        assert body["socket_mode"] == "connected" and body["ok"] is True
        # Slack cannot hand out a new connection for a while (apps.connections.open fails), and the
        # open one drops: the health check says so until a new connection is up.
        slack.inject("apps.connections.open", "server_error", times=1000)
        slack.socket.hard_close()
        _status, body = eventually(lambda: (h := health())[0] == 503 and h, what="unhealthy")
        assert body["socket_mode"] == "reconnecting" and body["ok"] is False
        slack.ws.faults.clear()
        eventually(lambda: health()[0] == 200, what="healthy again")
        assert Person(slack, SocketModeTransport(slack), "UMARIA").run("/alliance", "help", channel=CHANNEL).acked
    finally:
        out = stop(process)
    assert process.returncode == 0, out
    assert "Socket Mode: reconnected to Slack after" in out and "Traceback" not in out, out


def test_the_scheduler_runs_alone_and_stops_on_sigterm(slack: SlackDouble, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env.update({"SLACK_BOT_TOKEN": slack.bot_token, "SLACK_APP_TOKEN": slack.app_token, "SLACK_API_URL": slack.api_url,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "PYTHONUNBUFFERED": "1"})
    process = subprocess.Popen([sys.executable, "-m", "bot", "scheduler"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    while line and "scheduler running" not in line:
        line = process.stdout.readline()
    assert "scheduler running" in line
    out = stop(process)
    assert process.returncode == 0 and "Traceback" not in out
    assert (tmp_path / "bot.db").exists()  # migrated before it started


def test_oauth_over_socket_mode_serves_the_install_pages_and_takes_no_unsigned_events(slack: SlackDouble, tmp_path: Path) -> None:
    """Multi-workspace installs with Slack's events over Socket Mode: the install pages on --port, nothing else."""
    from cryptography.fernet import Fernet

    def launch(port: int) -> subprocess.Popen[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
        env.update({"SLACK_CLIENT_ID": slack.client_id, "SLACK_CLIENT_SECRET": slack.client_secret, "SLACK_APP_TOKEN": slack.app_token,
                    "SLACK_API_URL": slack.api_url, "ALLIANCEBOT_ENCRYPTION_KEY": Fernet.generate_key().decode(),
                    "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "PYTHONUNBUFFERED": "1"})
        return subprocess.Popen([sys.executable, "-m", "bot", "run", "--port", str(port)], cwd=tmp_path, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def install_page(base: str) -> bool:
        class NoRedirects(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *_: object) -> None:
                return None
        try:
            urllib.request.build_opener(NoRedirects).open(base + "/slack/install", timeout=PATIENCE)
        except urllib.error.HTTPError as error:
            return error.code == 302 and "slack.com/oauth/v2/authorize" in str(error.headers.get("Location"))
        except OSError:
            return False
        return False

    process, base = start_listening(launch, install_page)
    try:
        assert slack.socket.wait_connected(), "the process did not connect over Socket Mode"
        forged = urllib.request.Request(base + "/slack/events", data=b"command=%2Fconsensus", method="POST",
                                        headers={"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=00"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(forged, timeout=PATIENCE)
        assert refused.value.code == 404
    finally:
        out = stop(process)
    assert "install pages at http://" in out and process.returncode == 0, out


def test_socket_mode_serves_the_calendar_feeds_on_the_feed_port(slack: SlackDouble, tmp_path: Path) -> None:
    """`alliancebot run --feed-port` in Socket Mode: calendars reach the feeds there; an unknown token is a bare 404."""

    def launch(port: int) -> subprocess.Popen[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "ALLIANCEBOT_"))}
        env.update({"SLACK_BOT_TOKEN": slack.bot_token, "SLACK_APP_TOKEN": slack.app_token, "SLACK_API_URL": slack.api_url,
                    "ALLIANCEBOT_PUBLIC_URL": "https://bot.example.com", "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
                    "PYTHONUNBUFFERED": "1"})
        return subprocess.Popen([sys.executable, "-m", "bot", "run", "--feed-port", str(port)], cwd=tmp_path, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def answers_404(base: str) -> bool:
        try:
            urllib.request.urlopen(base + "/calendar/" + "x" * 43 + ".ics", timeout=PATIENCE)
        except urllib.error.HTTPError as error:
            return error.code == 404 and error.read() == b"Not Found"
        except OSError:
            return False
        return False

    process, _base = start_listening(launch, answers_404)
    out = stop(process)
    assert "calendar feeds at http://" in out and process.returncode == 0, out
