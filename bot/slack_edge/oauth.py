"""Multi-workspace install: Bolt's OAuth flow with our encrypted installation store and one-time states."""
from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.installation_store import Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore
from slack_sdk.web import WebClient

from bot.clock import Clock
from bot.settings import Settings
from bot.slack_edge.tokens import NoToken, TokenVault
from storage.db import Database
from storage.installation_tokens import TokenCipher, consume_state, delete_tokens, issue_state, save_tokens
from storage.installations import ensure_installation, find_installation, installation_bot_user

logger = logging.getLogger(__name__)

STATE_LIFETIME = timedelta(minutes=10)


class DatabaseInstallationStore(InstallationStore):
    """Saves what Slack's OAuth answer holds: the installation row, and its tokens encrypted."""

    def __init__(self, db: Database, cipher: TokenCipher, clock: Clock, vault: TokenVault) -> None:
        self.db, self.cipher, self.clock, self.vault = db, cipher, clock, vault

    @property
    def logger(self) -> logging.Logger:
        return logger

    def save(self, installation: Installation) -> None:
        """Record a (re-)install; the previous token of that workspace is replaced."""
        if not installation.bot_token:
            raise ValueError("the install granted no bot token")
        now = self.clock.now()
        expires_at = None
        if installation.bot_token_expires_at:
            expires_at = datetime.fromtimestamp(installation.bot_token_expires_at, tz=timezone.utc)
        with self.db.write() as session:
            installation_id = ensure_installation(
                session, enterprise_id=installation.enterprise_id, team_id=None if installation.is_enterprise_install else installation.team_id,
                team_name=installation.team_name or "", bot_user_id=installation.bot_user_id or "", now=now)
            save_tokens(session, self.cipher, installation_id=installation_id, bot_token=installation.bot_token,
                        refresh_token=installation.bot_refresh_token, expires_at=expires_at, bot_id=installation.bot_id or "",
                        app_id=installation.app_id or "", scopes=",".join(installation.bot_scopes or []), now=now)
        self.vault.forget(installation_id)
        logger.info("installed in workspace %s (installation %s)", installation.team_id or installation.enterprise_id, installation_id)

    def delete_installation(self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None,
                            is_enterprise_install: bool | None = False) -> None:
        """Forget the tokens of a workspace (its rows stay, scoped, until an operator deletes them)."""
        with self.db.write() as session:
            installation_id = find_installation(session, enterprise_id=enterprise_id, team_id=team_id)
            if installation_id is not None:
                delete_tokens(session, installation_id)
        if installation_id is not None:
            self.vault.forget(installation_id)


class DatabaseStateStore(OAuthStateStore):
    """OAuth states in the database, so /slack/install and the redirect may land on different workers."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock

    @property
    def logger(self) -> logging.Logger:
        return logger

    def issue(self, *args: Any, **kwargs: Any) -> str:
        """A new random state, valid for ten minutes."""
        state = secrets.token_urlsafe(32)
        with self.db.write() as session:
            issue_state(session, state, self.clock.now() + STATE_LIFETIME)
        return state

    def consume(self, state: str) -> bool:
        """True once per issued, unexpired state (a delete that must hit exactly one row)."""
        with self.db.write() as session:
            return consume_state(session, state, self.clock.now())


def bot_scopes() -> list[str]:
    """The bot scopes the manifest asks for, so installs request exactly what the app declares."""
    from bot.manifest import load_manifest

    return list(load_manifest()["oauth_config"]["scopes"]["bot"])


def refresher(settings: Settings, client: WebClient) -> Any:
    """oauth.v2.access with grant_type=refresh_token, authenticated by the client id and secret."""

    def refresh(refresh_token: str) -> dict[str, Any]:
        response = client.oauth_v2_access(client_id=str(settings.client_id), client_secret=str(settings.client_secret),
                                          grant_type="refresh_token", refresh_token=refresh_token)
        return dict(response.data) if isinstance(response.data, dict) else {}

    return refresh


def build_oauth_flow(settings: Settings, db: Database, clock: Clock, vault: TokenVault, client: WebClient) -> OAuthFlow:
    """Bolt's flow for GET /slack/install and GET /slack/oauth_redirect, storing installs in our database."""
    oauth_settings = OAuthSettings(
        client_id=settings.client_id, client_secret=settings.client_secret, scopes=bot_scopes(),
        redirect_uri=settings.redirect_uri, install_page_rendering_enabled=False,
        installation_store=DatabaseInstallationStore(db, vault.cipher, clock, vault),
        state_store=DatabaseStateStore(db, clock), state_expiration_seconds=int(STATE_LIFETIME.total_seconds()),
    )
    return OAuthFlow(client=client, settings=oauth_settings, logger=logging.getLogger("slack_bolt.OAuthFlow"))


def authorizer(db: Database, vault: TokenVault) -> Any:
    """Bolt's `authorize`: the installed workspace's bot (and its token) for a request, or None when not installed."""

    def authorize(enterprise_id: str | None, team_id: str | None, **_: Any) -> AuthorizeResult | None:
        with db.read() as session:
            installation_id = find_installation(session, enterprise_id=enterprise_id, team_id=team_id)
            bot_user_id = installation_bot_user(session, installation_id) if installation_id is not None else None
        if installation_id is None:
            return None
        try:
            token = vault.bot_token(installation_id)
        except NoToken:
            return None
        return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, bot_token=token, bot_user_id=bot_user_id)

    return authorize
