"""Operators get one clear line for every missing or malformed setting."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.settings import DEFAULT_API_URL, DEFAULT_DATABASE_URL, ConfigError, load_settings, load_store_settings

GOOD = {"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_APP_TOKEN": "xapp-1-A-1-xyz"}


def test_defaults_and_socket_mode() -> None:
    settings = load_settings(GOOD, dotenv=None)
    assert settings.socket_mode
    assert settings.api_url == DEFAULT_API_URL
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.log_level == "INFO"
    assert "xoxb" not in repr(settings) and "xapp" not in repr(settings)


def test_http_mode_needs_the_signing_secret() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"SLACK_BOT_TOKEN": "xoxb-1"}, dotenv=None)
    assert caught.value.setting == "SLACK_SIGNING_SECRET"
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5"}, dotenv=None)
    assert not settings.socket_mode


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN"),
        ({**GOOD, "SLACK_APP_TOKEN": "xoxb-wrong"}, "SLACK_APP_TOKEN"),
        ({**GOOD, "SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL"),
        ({**GOOD, "DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({**GOOD, "ALLIANCEBOT_LOG_LEVEL": "LOUD"}, "ALLIANCEBOT_LOG_LEVEL"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "has spaces in it"}, "SLACK_SIGNING_SECRET"),
    ],
)
def test_bad_settings_name_the_setting_and_the_fix(env: dict[str, str], setting: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env, dotenv=None)
    assert caught.value.setting == setting
    assert str(caught.value).startswith(setting) and "\n" not in str(caught.value)


def test_dotenv_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text('# comment\nexport SLACK_BOT_TOKEN="xoxb-from-file"\nSLACK_APP_TOKEN=xapp-file\nSLACK_API_URL=http://127.0.0.1:9/api\n')
    settings = load_settings({"SLACK_APP_TOKEN": "xapp-env"}, dotenv=env_file)
    assert settings.bot_token == "xoxb-from-file"
    assert settings.app_token == "xapp-env"
    assert settings.api_url == "http://127.0.0.1:9/api/"


def test_a_broken_dotenv_line_is_named(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("SLACK_BOT_TOKEN xoxb-no-equals\n")
    with pytest.raises(ConfigError) as caught:
        load_settings({}, dotenv=env_file)
    assert ".env:1" in str(caught.value)


def test_dotenv_follows_the_usual_conventions(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# Alliance Bot\n"
        "\n"
        "export SLACK_BOT_TOKEN=xoxb-1-2-abc   # the bot token\n"
        "SLACK_APP_TOKEN='xapp-1-A0-2-def'  # quoted, with a comment\n"
        'SLACK_SIGNING_SECRET="8f742231b10e8888abcd99yyyzzz85a5"\n'
        "DATABASE_URL=sqlite:///${HOME_DIR}/bot.db\n"
        "HOME_DIR=/ignored-when-set-later\n"
        "ALLIANCEBOT_LOG_LEVEL = debug\n"
    )
    settings = load_settings({"HOME_DIR": "/srv"}, dotenv=env_file)
    assert (settings.bot_token, settings.app_token, settings.signing_secret) == (
        "xoxb-1-2-abc", "xapp-1-A0-2-def", "8f742231b10e8888abcd99yyyzzz85a5")
    assert settings.log_level == "DEBUG"
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith("/bot.db")


def test_the_readme_dotenv_template_filled_in_as_written_works(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    template = next(block for block in re.findall(r"```sh\n(.*?)```", readme, flags=re.S) if "SLACK_BOT_TOKEN=" in block)
    real = {"xoxb-...": "xoxb-1234-5678-AbCdEf", "xapp-...": "xapp-1-A0123-4567-abcdef0123", "=...": "=8f742231b10e8888abcd99ffeedd85a5"}
    filled = "\n".join(line.strip() for line in template.splitlines())
    for placeholder, value in real.items():
        assert placeholder in filled, f"the README's .env template has no {placeholder} to fill in"
        filled = filled.replace(placeholder, value)
    (tmp_path / ".env").write_text(filled + "\n")
    settings = load_settings({}, dotenv=tmp_path / ".env")
    assert settings.bot_token == "xoxb-1234-5678-AbCdEf"
    assert settings.app_token == "xapp-1-A0123-4567-abcdef0123"  # not "xapp-… # Socket Mode; …"
    assert settings.signing_secret == "8f742231b10e8888abcd99ffeedd85a5"


def test_database_commands_read_only_the_database_settings(tmp_path: Path) -> None:
    store = load_store_settings({"DATABASE_URL": "postgresql+psycopg://bot@db:5432/alliance"}, dotenv=None)
    assert store.database_url == "postgresql+psycopg://bot@db:5432/alliance" and store.log_level == "INFO"
    with pytest.raises(ConfigError) as caught:
        load_store_settings({"DATABASE_URL": "mysql://x"}, dotenv=None)
    assert caught.value.setting == "DATABASE_URL"
