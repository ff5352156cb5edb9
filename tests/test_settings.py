"""Operators get one clear line for every missing or malformed setting."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import DEFAULT_API_URL, DEFAULT_DATABASE_URL, ConfigError, load_settings

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
