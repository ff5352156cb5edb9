"""Uninstalls and revoked tokens: forget the workspace's tokens at once (OAuth mode)."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltContext

from storage.installation_tokens import delete_tokens

if TYPE_CHECKING:
    from bot.services import Services

logger = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    """Attach the app_uninstalled and tokens_revoked listeners."""

    def forget_tokens(context: BoltContext, why: str) -> None:
        installation_id = int(context["installation_id"])
        with services.db.write() as session:
            deleted = delete_tokens(session, installation_id)
        if services.vault is not None:
            services.vault.forget(installation_id)
        logger.info("%s: installation %s tokens %s", why, installation_id, "deleted" if deleted else "were already gone")

    @app.event("app_uninstalled")
    def app_uninstalled(context: BoltContext) -> None:
        """The app was removed from a workspace: its bot token is dead, delete it."""
        forget_tokens(context, "app uninstalled")

    @app.event("tokens_revoked")
    def tokens_revoked(event: dict[str, Any], context: BoltContext) -> None:
        """Bot tokens were revoked (user tokens are never stored): delete the bot token."""
        if (event.get("tokens") or {}).get("bot"):
            forget_tokens(context, "bot token revoked")
