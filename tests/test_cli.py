"""What an operator sees from the `alliancebot` command when something is wrong or asked for."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from storage.migrate import head_revision

ROOT = Path(__file__).resolve().parents[1]


def alliancebot(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "ALLIANCEBOT_"))}
    return subprocess.run([sys.executable, "-m", "bot", *args], env={**base, **(env or {})}, cwd=cwd or ROOT,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "nope"}, "SLACK_APP_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "DATABASE_URL": "oracle://x"}, "DATABASE_URL"),
    ],
)
def test_a_bad_setting_stops_run_with_one_line_and_status_2(tmp_path: Path, env: dict[str, str], setting: str) -> None:
    result = alliancebot("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and setting in lines[0] and "Traceback" not in result.stderr
    assert not (tmp_path / "alliancebot.db").exists()  # nothing was created before the check


def test_an_unreachable_database_is_one_line_too(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/x.db"}
    result = alliancebot("db", "upgrade", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().startswith("alliancebot: DATABASE_URL") and "Traceback" not in result.stderr


def test_db_upgrade_migrates_a_new_sqlite_file_without_any_slack_token(tmp_path: Path) -> None:
    result = alliancebot("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"revision {head_revision()}" in result.stdout  # the newest migration, whichever that is
    assert (tmp_path / "alliancebot.db").exists()


def test_manifest_prints_json_and_its_http_variant() -> None:
    socket = json.loads(alliancebot("manifest").stdout)
    assert socket["settings"]["socket_mode_enabled"] is True
    http = json.loads(alliancebot("manifest", "--http-url", "https://bot.example.com/slack/events").stdout)
    assert http["settings"]["socket_mode_enabled"] is False
    bad = alliancebot("manifest", "--http-url", "ftp://x")
    assert bad.returncode == 2 and "--http-url" in bad.stderr


def test_a_dotenv_file_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\n")
    result = alliancebot("run", cwd=tmp_path)
    assert result.returncode == 2 and "SLACK_SIGNING_SECRET" in result.stderr  # got past the token


@pytest.mark.parametrize("command", [("check",), ("run", "--http", "--port", "0")])
def test_unreachable_slack_is_one_line_without_the_retries_before_it(tmp_path: Path, command: tuple[str, ...]) -> None:
    # Port 9 (discard) on loopback: nothing listens there, so every attempt is refused.
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "abcdef0123456789abcdef0123456789",
           "SLACK_API_URL": "http://127.0.0.1:9/api/", "DATABASE_URL": f"sqlite:///{tmp_path}/bot.db"}
    result = alliancebot(*command, env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "alliancebot: cannot reach Slack at SLACK_API_URL=http://127.0.0.1:9/api/ (URLError); check the network or the URL"]


def test_a_reader_that_goes_away_stops_the_output_quietly() -> None:
    # `alliancebot manifest | head -c 10` where head is gone before the manifest is written: the
    # pipe's reading end is closed before the command writes anything.
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run([sys.executable, "-m", "bot", "manifest"], cwd=ROOT, stdout=write_end, stderr=subprocess.PIPE, timeout=60)
    finally:
        os.close(write_end)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr.decode() and "BrokenPipeError" not in result.stderr.decode()


def test_time_zone_data_older_than_the_pin_stops_start_up_with_one_line() -> None:
    from bot.startup import OLDEST_TZ_DATA, Failure, check_tz_data

    assert check_tz_data() >= OLDEST_TZ_DATA  # what this environment installed
    assert check_tz_data("2099z") == "2099z"
    try:
        check_tz_data("2019c")
    except Failure as failure:
        assert "2019c" in str(failure) and "pip install -U tzdata" in str(failure) and "\n" not in str(failure)
    else:
        raise AssertionError("old tz data was accepted")
