"""Repository for OAuth installations' tokens (encrypted at rest) and one-time OAuth states.

Tokens are encrypted with Fernet before they reach a row and decrypted only on the way out, so a
database dump or backup holds no usable token. Token refresh is a compare-and-swap on `version`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from storage.models.installations import InstallationTokenRow, OAuthStateRow


class TokenCipher:
    """Fernet with one or more keys (comma-separated, newest first: old keys still decrypt)."""

    def __init__(self, keys: str) -> None:
        self._fernet = MultiFernet([Fernet(key.strip().encode()) for key in keys.split(",") if key.strip()])

    def encrypt(self, secret: str) -> str:
        """Ciphertext for `secret`."""
        return self._fernet.encrypt(secret.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        """The secret; raises ValueError when no key fits (wrong ALLIANCEBOT_ENCRYPTION_KEY)."""
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken as error:
            raise ValueError("stored token does not decrypt with ALLIANCEBOT_ENCRYPTION_KEY") from error


@dataclass(frozen=True)
class StoredTokens:
    """An installation's decrypted bot token and its rotation state."""

    installation_id: int
    bot_token: str
    refresh_token: str | None
    expires_at: datetime | None
    version: int
    refreshing_until: datetime | None
    bot_id: str


def save_tokens(session: Session, cipher: TokenCipher, *, installation_id: int, bot_token: str, refresh_token: str | None,
                expires_at: datetime | None, bot_id: str, app_id: str, scopes: str, now: datetime) -> None:
    """Store (or replace, on re-install) an installation's tokens."""
    row = session.get(InstallationTokenRow, installation_id, with_for_update=True)
    if row is None:
        row = InstallationTokenRow(installation_id=installation_id, version=0)
        session.add(row)
    row.bot_token = cipher.encrypt(bot_token)
    row.bot_refresh_token = cipher.encrypt(refresh_token) if refresh_token else None
    row.expires_at, row.bot_id, row.app_id, row.bot_scopes = expires_at, bot_id, app_id, scopes
    row.version = (row.version or 0) + 1
    row.refreshing_until, row.updated_at = None, now


def load_tokens(session: Session, cipher: TokenCipher, installation_id: int) -> StoredTokens | None:
    """An installation's tokens, decrypted; None when it has none (uninstalled or revoked)."""
    row = session.get(InstallationTokenRow, installation_id)
    if row is None:
        return None
    refresh = cipher.decrypt(row.bot_refresh_token) if row.bot_refresh_token else None
    return StoredTokens(installation_id, cipher.decrypt(row.bot_token), refresh, row.expires_at, row.version,
                        row.refreshing_until, row.bot_id)


def claim_refresh(session: Session, installation_id: int, *, version: int, now: datetime, until: datetime) -> bool:
    """Become the one refresher of this token (True), unless it changed or another process is refreshing it."""
    result = session.execute(update(InstallationTokenRow).where(
        InstallationTokenRow.installation_id == installation_id, InstallationTokenRow.version == version,
        or_(InstallationTokenRow.refreshing_until.is_(None), InstallationTokenRow.refreshing_until < now),
    ).values(version=version + 1, refreshing_until=until))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def store_refreshed(session: Session, cipher: TokenCipher, installation_id: int, *, claimed_version: int, bot_token: str,
                    refresh_token: str, expires_at: datetime, now: datetime) -> bool:
    """Store the refreshed tokens if our claim still stands; False when it was lost (e.g. re-install meanwhile)."""
    result = session.execute(update(InstallationTokenRow).where(
        InstallationTokenRow.installation_id == installation_id, InstallationTokenRow.version == claimed_version,
    ).values(bot_token=cipher.encrypt(bot_token), bot_refresh_token=cipher.encrypt(refresh_token), expires_at=expires_at,
             version=claimed_version + 1, refreshing_until=None, updated_at=now))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release_refresh(session: Session, installation_id: int, *, claimed_version: int) -> None:
    """Give up a refresh claim (the refresh failed) so another process can try."""
    session.execute(update(InstallationTokenRow).where(
        InstallationTokenRow.installation_id == installation_id, InstallationTokenRow.version == claimed_version,
    ).values(refreshing_until=None))


def delete_tokens(session: Session, installation_id: int) -> bool:
    """Forget an installation's tokens (app uninstalled, tokens revoked); True when there were some."""
    result = session.execute(delete(InstallationTokenRow).where(InstallationTokenRow.installation_id == installation_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def installation_with_tokens(session: Session, installation_id: int) -> bool:
    """Whether the installation currently has tokens."""
    return session.scalar(select(InstallationTokenRow.installation_id).where(
        InstallationTokenRow.installation_id == installation_id)) is not None


def issue_state(session: Session, state: str, expires_at: datetime) -> None:
    """Remember an OAuth state until it expires."""
    session.add(OAuthStateRow(state=state, expires_at=expires_at))


def consume_state(session: Session, state: str, now: datetime) -> bool:
    """Use an OAuth state once: True for exactly one caller, and only before it expires."""
    session.execute(delete(OAuthStateRow).where(OAuthStateRow.expires_at < now))
    result = session.execute(delete(OAuthStateRow).where(OAuthStateRow.state == state))
    return bool(result.rowcount)  # type: ignore[attr-defined]
