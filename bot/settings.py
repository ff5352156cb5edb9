"""Settings, read once from the environment (and a `.env` file) and checked before anything starts."""
from __future__ import annotations

import io
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from dotenv import dotenv_values
from dotenv.parser import parse_stream

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///alliancebot.db"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
MAKE_APP = "create the Slack app from manifests/manifest.json (see README, 'Create the Slack app')"


class ConfigError(Exception):
    """A missing or malformed setting; the message names it and says how to fix it."""

    def __init__(self, setting: str, problem: str, fix: str) -> None:
        super().__init__(f"{setting} {problem}: {fix}")
        self.setting = setting


@dataclass(frozen=True)
class Settings:
    """Everything the bot reads from its environment."""

    bot_token: str
    app_token: str | None
    signing_secret: str | None
    client_id: str | None
    client_secret: str | None
    api_url: str
    database_url: str
    log_level: str
    # OAuth (multi-workspace) mode: Fernet key(s) for tokens at rest, and the redirect URL.
    encryption_key: str | None = None
    redirect_uri: str | None = None
    # Where people's calendars reach the bot's HTTP server for calendar feeds (https://bot.example.com); None: no feeds.
    public_url: str | None = None

    @property
    def oauth(self) -> bool:
        """Multi-workspace mode: installs come through OAuth and tokens live in the database."""
        return self.client_id is not None and self.client_secret is not None

    @property
    def socket_mode(self) -> bool:
        """Socket Mode is chosen by the presence of an app-level token."""
        return self.app_token is not None

    def __repr__(self) -> str:
        # Never let a token reach a log line or a traceback through repr().
        return (
            f"Settings(socket_mode={self.socket_mode}, api_url={self.api_url!r}, "
            f"database={self.database_url.split('://', 1)[0]}, log_level={self.log_level})"
        )


def read_dotenv(path: Path) -> dict[str, str]:
    """The `.env` file's values, read by python-dotenv (comments, quotes, `export `, `${VAR}`).

    A line that python-dotenv cannot parse is an error naming the line; python-dotenv alone would
    only log a warning and drop it, and a setting the operator wrote would silently be missing.
    """
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            raise ConfigError(f"{path}:{binding.original.line}", "is not a KEY=VALUE line", "fix or remove that line")
    values = dotenv_values(stream=io.StringIO(text), interpolate=True)
    return {key: value for key, value in values.items() if value is not None}


def read_environment(environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")) -> dict[str, str]:
    """The settings' sources merged: the `.env` file, then the real environment, which wins."""
    env: dict[str, str] = read_dotenv(dotenv) if dotenv else {}
    env.update(os.environ if environ is None else environ)
    return env


def _optional(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


@dataclass(frozen=True)
class StoreSettings:
    """What the database-only commands need (db upgrade, export, alliance delete): no Slack token."""

    database_url: str
    log_level: str

    def __repr__(self) -> str:
        return f"StoreSettings(database={self.database_url.split('://', 1)[0]}, log_level={self.log_level})"


def load_store_settings(environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")) -> StoreSettings:
    """DATABASE_URL and the log level, checked; the Slack settings are neither read nor required."""
    env = read_environment(environ, dotenv)
    return StoreSettings(database_url=_database_url(env), log_level=_log_level(env))


def _database_url(env: Mapping[str, str]) -> str:
    database_url = env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    if not re.match(r"^(sqlite|postgresql|postgres)(\+\w+)?://", database_url):
        raise ConfigError(
            "DATABASE_URL",
            "is not a SQLite or PostgreSQL URL",
            "use sqlite:///alliancebot.db or postgresql+psycopg://user@host:5432/dbname",
        )
    return database_url


def _log_level(env: Mapping[str, str]) -> str:
    log_level = (env.get("ALLIANCEBOT_LOG_LEVEL", "").strip() or "INFO").upper()
    if log_level not in LOG_LEVELS:
        raise ConfigError("ALLIANCEBOT_LOG_LEVEL", f"is {log_level!r}", f"use one of {', '.join(LOG_LEVELS)}")
    return log_level


def load_settings(environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")) -> Settings:
    """Read and check settings; the real environment wins over the `.env` file."""
    env = read_environment(environ, dotenv)

    client_id, client_secret = _optional(env, "SLACK_CLIENT_ID"), _optional(env, "SLACK_CLIENT_SECRET")
    encryption_key, redirect_uri = _oauth_settings(env, client_id, client_secret)
    bot_token = _optional(env, "SLACK_BOT_TOKEN")
    if bot_token is None and encryption_key is not None:
        bot_token = ""  # OAuth mode: each workspace's token comes from its installation
    elif bot_token is None:
        raise ConfigError("SLACK_BOT_TOKEN", "is not set", f"copy the Bot User OAuth Token (xoxb-…) after you {MAKE_APP}")
    if bot_token and not bot_token.startswith("xoxb-"):
        raise ConfigError("SLACK_BOT_TOKEN", "does not start with xoxb-", "use the Bot User OAuth Token from the app's OAuth & Permissions page")

    app_token = _optional(env, "SLACK_APP_TOKEN")
    if app_token is not None and not app_token.startswith("xapp-"):
        raise ConfigError("SLACK_APP_TOKEN", "does not start with xapp-",
                          "create an app-level token with the connections:write scope on the app's Basic Information page")

    signing_secret = _optional(env, "SLACK_SIGNING_SECRET")
    if app_token is None and signing_secret is None:
        raise ConfigError(
            "SLACK_SIGNING_SECRET",
            "is not set (needed for HTTP mode)",
            f"copy the Signing Secret from the app's Basic Information page after you {MAKE_APP}, or set SLACK_APP_TOKEN for Socket Mode",
        )
    if signing_secret is not None and not re.fullmatch(r"\S{6,256}", signing_secret):
        raise ConfigError("SLACK_SIGNING_SECRET", "is malformed", "copy it again from the app's Basic Information page")

    api_url = env.get("SLACK_API_URL", "").strip() or DEFAULT_API_URL
    parsed = urlparse(api_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError("SLACK_API_URL", f"is not an http(s) URL ({api_url!r})", f"leave it unset for {DEFAULT_API_URL}")
    if not api_url.endswith("/"):
        api_url += "/"

    database_url, log_level = _database_url(env), _log_level(env)

    public_url = _optional(env, "ALLIANCEBOT_PUBLIC_URL")
    if public_url is not None:
        parsed_public = urlparse(public_url)
        if parsed_public.scheme not in ("http", "https") or not parsed_public.netloc or parsed_public.query:
            raise ConfigError("ALLIANCEBOT_PUBLIC_URL", f"is not an http(s) URL ({public_url[:80]!r})",
                              "give the address people's calendars reach the bot at, e.g. https://bot.example.com")
        public_url = public_url.rstrip("/")

    return Settings(
        bot_token=bot_token,
        app_token=app_token,
        signing_secret=signing_secret,
        client_id=client_id,
        client_secret=client_secret,
        api_url=api_url,
        database_url=database_url,
        log_level=log_level,
        encryption_key=encryption_key,
        redirect_uri=redirect_uri,
        public_url=public_url,
    )


def _oauth_settings(env: Mapping[str, str], client_id: str | None, client_secret: str | None) -> tuple[str | None, str | None]:
    """The encryption key and redirect URI when SLACK_CLIENT_ID and SLACK_CLIENT_SECRET select OAuth mode."""
    if (client_id is None) != (client_secret is None):
        missing = "SLACK_CLIENT_SECRET" if client_secret is None else "SLACK_CLIENT_ID"
        raise ConfigError(missing, "is not set (OAuth needs both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET)",
                          "copy both from the app's Basic Information page, or unset both for a single workspace")
    if client_id is None:
        return None, None
    key = _optional(env, "ALLIANCEBOT_ENCRYPTION_KEY")
    if key is None:
        raise ConfigError("ALLIANCEBOT_ENCRYPTION_KEY", "is not set (OAuth mode stores workspace tokens encrypted)",
                          "generate one with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'")
    from cryptography.fernet import Fernet

    try:
        for part in key.split(","):
            Fernet(part.strip().encode())
    except ValueError as error:
        raise ConfigError("ALLIANCEBOT_ENCRYPTION_KEY", "is not a Fernet key (32 url-safe base64-encoded bytes)",
                          "generate one with Fernet.generate_key(); give several, comma-separated, newest first, to rotate keys") from error
    redirect_uri = _optional(env, "SLACK_REDIRECT_URI")
    if redirect_uri is not None and not redirect_uri.startswith("https://") and not redirect_uri.startswith("http://127.0.0.1"):
        raise ConfigError("SLACK_REDIRECT_URI", "is not an https URL", "use https://<your host>/slack/oauth_redirect, as in the app's Redirect URLs")
    return key, redirect_uri
