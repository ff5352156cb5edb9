"""Uninstalls and revoked tokens: forget the workspace's tokens at once (OAuth mode)."""
from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.services import services_of
from bot.usecases import installs


def app_uninstalled(context: BoltContext) -> None:
    """The app was removed from a workspace: its bot token is dead, delete it."""
    installs.forget_tokens(services_of(context), int(context["installation_id"]), "app uninstalled")


def tokens_revoked(event: dict[str, Any], context: BoltContext) -> None:
    """Bot tokens were revoked (user tokens are never stored): delete the bot token."""
    if (event.get("tokens") or {}).get("bot"):
        installs.forget_tokens(services_of(context), int(context["installation_id"]), "bot token revoked")


def register(app: App) -> None:
    """Wire the app_uninstalled and tokens_revoked events."""
    app.event("app_uninstalled")(app_uninstalled)
    app.event("tokens_revoked")(tokens_revoked)
