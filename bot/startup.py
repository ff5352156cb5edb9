"""Start-up checks shared by the command line and the long-running processes: one line, one exit status.

Exit statuses, the same for every command: 0 done; 2 a mistake in what the operator gave (a setting,
an argument, a name that does not exist, a token Slack refuses, a database that cannot be opened);
1 nothing wrong with the input, but the command did not do its work (a deletion not confirmed at
the prompt, or an unexpected error).
"""
from __future__ import annotations

import logging
from typing import Any

from bot.settings import Settings

MISTAKE = 2
NOT_DONE = 1


class Failure(Exception):
    """A one-line reason to stop, with the exit status to stop with."""

    def __init__(self, message: str, status: int = MISTAKE) -> None:
        super().__init__(message)
        self.status = status


# The tz database release the bot's time arithmetic was last checked against (zoneinfo reads the tzdata package's
# copy, bot/domain/tz.py): older data gets DST dates wrong for zones that changed since, so start-up refuses it. Raise
# it with the pin in pyproject.toml.
OLDEST_TZ_DATA = "2026a"


def check_tz_data(version: str | None = None) -> str:
    """The tz database release in use (the tzdata package's), or Failure when it is older than OLDEST_TZ_DATA."""
    from bot.domain.tz import DATA_VERSION

    found = version or DATA_VERSION
    if found < OLDEST_TZ_DATA:
        raise Failure(f"time zone data {found} is older than {OLDEST_TZ_DATA}: DST dates of zones that changed since would "
                      f"be wrong; install a current tzdata (pip install -U tzdata)")
    return found


def open_migrated_database(database_url: str) -> Any:
    """Open the database and apply migrations, turning connection problems into one line."""
    from storage.db import open_database
    from storage.migrate import upgrade

    try:
        db = open_database(database_url)
        upgrade(db)
        return db
    except Exception as error:  # the driver's errors vary; the operator needs one clear line
        raise Failure(f"DATABASE_URL: cannot open or migrate the database ({first_line(error)})") from error


def first_line(error: BaseException) -> str:
    """The first line of an exception's text (at most 200 characters), or its type's name."""
    text = str(error).strip()
    return text.splitlines()[0][:200] if text else type(error).__name__


def explain_slack_failure(code: str, settings: Settings) -> str:
    """One line telling the operator what a failed auth.test means."""
    if code in ("invalid_auth", "not_authed", "token_revoked", "account_inactive", "token_expired"):
        return f"SLACK_BOT_TOKEN was refused by Slack ({code}): copy the current Bot User OAuth Token from the app's OAuth & Permissions page"
    return f"cannot reach Slack at SLACK_API_URL={settings.api_url} ({code}); check the network or the URL"


def explain_app_token_failure(code: str, settings: Settings) -> str:
    """One line telling the operator what a failed apps.connections.open means."""
    if code in ("invalid_auth", "not_authed", "token_revoked", "account_inactive", "token_expired", "not_allowed_token_type"):
        return (f"SLACK_APP_TOKEN was refused by Slack ({code}): create an app-level token with the connections:write scope "
                "on the app's Basic Information page")
    if code == "missing_scope":
        return "SLACK_APP_TOKEN lacks the connections:write scope (missing_scope): create an app-level token with it"
    return f"cannot open a Socket Mode connection at SLACK_API_URL={settings.api_url} ({code}); check the network or the URL"


# The start-up checks still retry a blip, but say nothing until they know: the Failure is the one line.
_QUIET = logging.getLogger("alliancebot.startup.quiet")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False


def verify_slack(settings: Settings, *, socket_mode: bool = True) -> dict[str, Any]:
    """Every token the mode uses, tried against Slack: auth.test with the bot token (not in OAuth
    mode, where each workspace's token is in the database) and, in Socket Mode, apps.connections.open
    with the app-level token (unless `socket_mode` is False: HTTP was asked for). Returns auth.test's
    answer ({} in OAuth mode); raises Failure."""
    from bot.app import web_client
    from bot.slack_edge.gateway import SlackCallError, SlackGateway

    identity: dict[str, Any] = {}
    if not settings.oauth:
        try:
            identity = SlackGateway(web_client(settings, log=_QUIET), log=_QUIET).auth_test()
        except SlackCallError as error:
            raise Failure(explain_slack_failure(error.error, settings)) from error
    if settings.app_token and socket_mode:
        try:
            # The URL it hands out is never dialled; Slack lets an unused one expire.
            SlackGateway(web_client(settings, token=settings.app_token, log=_QUIET), log=_QUIET).call("apps.connections.open")
        except SlackCallError as error:
            raise Failure(explain_app_token_failure(error.error, settings)) from error
    return identity
