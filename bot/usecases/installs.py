"""Uninstalls and revoked tokens (OAuth mode): forget the workspace's tokens at once."""
from __future__ import annotations

import logging

from bot.services import Services
from storage.installation_tokens import delete_tokens

logger = logging.getLogger(__name__)


def forget_tokens(services: Services, installation_id: int, why: str) -> None:
    """Delete the installation's stored tokens and drop them from the vault's cache."""
    with services.db.write() as session:
        deleted = delete_tokens(session, installation_id)
    if services.vault is not None:
        services.vault.forget(installation_id)
    logger.info("%s: installation %s tokens %s", why, installation_id, "deleted" if deleted else "were already gone")
