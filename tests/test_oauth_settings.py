"""OAuth (multi-workspace) mode is chosen by the client id and secret, and needs an encryption key."""
from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from bot.settings import ConfigError, load_settings

OAUTH = {"SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "abc", "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5"}


def test_oauth_mode_needs_no_bot_token_but_a_key() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(OAUTH, dotenv=None)
    assert caught.value.setting == "ALLIANCEBOT_ENCRYPTION_KEY"
    key = Fernet.generate_key().decode()
    settings = load_settings({**OAUTH, "ALLIANCEBOT_ENCRYPTION_KEY": f"{key}, {Fernet.generate_key().decode()}"}, dotenv=None)
    assert settings.oauth and settings.bot_token == "" and key not in repr(settings)


@pytest.mark.parametrize(("env", "setting"), [
    ({**OAUTH, "ALLIANCEBOT_ENCRYPTION_KEY": "not-a-key"}, "ALLIANCEBOT_ENCRYPTION_KEY"),
    ({"SLACK_CLIENT_ID": "1.2", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "secret123"}, "SLACK_CLIENT_SECRET"),
    ({**OAUTH, "ALLIANCEBOT_ENCRYPTION_KEY": Fernet.generate_key().decode(), "SLACK_REDIRECT_URI": "ftp://x"}, "SLACK_REDIRECT_URI"),
])
def test_oauth_settings_problems_name_the_setting(env: dict[str, str], setting: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(env, dotenv=None)
    assert caught.value.setting == setting


def test_oauth_mode_works_over_socket_mode_too() -> None:
    # Slack's events come over the connection; installers' browsers reach the install pages over HTTP.
    settings = load_settings({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s", "SLACK_APP_TOKEN": "xapp-1-A-1-xyz",
                              "ALLIANCEBOT_ENCRYPTION_KEY": Fernet.generate_key().decode()}, dotenv=None)
    assert settings.oauth and settings.socket_mode and settings.signing_secret is None


def test_single_workspace_mode_is_unchanged() -> None:
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "secret123"}, dotenv=None)
    assert not settings.oauth and settings.encryption_key is None
