"""Each OAuth installation's bot token: read from the database, cached briefly, rotated before it expires.

With token rotation on, Slack's access tokens live 12 hours and each refresh returns a new refresh
token while revoking the old one. Several web workers and the scheduler all use the same tokens,
so a refresh is claimed first (a compare-and-swap on the row's version): exactly one process calls
`oauth.v2.access`, the others keep using the current token, which stays valid until it expires.
We refresh well before expiry, so nobody has to wait for the refresher.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.clock import Clock
from storage.db import Database
from storage.installation_tokens import (
    StoredTokens,
    TokenCipher,
    claim_refresh,
    load_tokens,
    release_refresh,
    store_refreshed,
)

logger = logging.getLogger(__name__)

# Bolt's default: rotate two hours before expiry. A claim outlives a hung refresher by 30 s at most.
REFRESH_BEFORE = timedelta(hours=2)
REFRESH_CLAIM = timedelta(seconds=30)
CACHE_SECONDS = 30.0
# Given a refresh token, answers Slack's oauth.v2.access (grant_type=refresh_token) body.
Refresh = Callable[[str], dict[str, Any]]


class NoToken(Exception):
    """The installation has no token (uninstalled, revoked, or never installed)."""


class TokenVault:
    """Bot tokens by installation id, refreshed once across every process that shares the database."""

    def __init__(self, db: Database, cipher: TokenCipher, clock: Clock, refresh: Refresh, *,
                 wait: Callable[[float], None] = time.sleep) -> None:
        self.db = db
        self.cipher = cipher
        self.clock = clock
        self._refresh = refresh
        self._wait = wait
        self._lock = threading.Lock()
        self._cache: dict[int, tuple[float, str, datetime | None]] = {}

    def bot_token(self, installation_id: int) -> str:
        """The installation's current bot token, refreshing it first when it is close to expiry."""
        now = self.clock.now()
        with self._lock:
            cached = self._cache.get(installation_id)
        if cached and cached[0] > time.monotonic() and (cached[2] is None or cached[2] - now > REFRESH_BEFORE):
            return cached[1]
        tokens = self._load(installation_id)
        if tokens.expires_at is not None and tokens.refresh_token and tokens.expires_at - now <= REFRESH_BEFORE:
            tokens = self._refreshed(tokens)
        with self._lock:
            self._cache[installation_id] = (time.monotonic() + CACHE_SECONDS, tokens.bot_token, tokens.expires_at)
        return tokens.bot_token

    def forget(self, installation_id: int) -> None:
        """Drop the cached token (it was refused, or the app was uninstalled)."""
        with self._lock:
            self._cache.pop(installation_id, None)

    def _load(self, installation_id: int) -> StoredTokens:
        with self.db.read() as session:
            tokens = load_tokens(session, self.cipher, installation_id)
        if tokens is None:
            raise NoToken(f"installation {installation_id} has no bot token")
        return tokens

    def _refreshed(self, tokens: StoredTokens) -> StoredTokens:
        """Refresh once across processes; whoever loses the claim keeps the still-valid current token."""
        now = self.clock.now()
        with self.db.write() as session:
            claimed = claim_refresh(session, tokens.installation_id, version=tokens.version, now=now, until=now + REFRESH_CLAIM)
        if not claimed:
            return self._after_other_refresh(tokens)
        claimed_version = tokens.version + 1
        try:
            answer = self._refresh(str(tokens.refresh_token))
        except Exception:
            with self.db.write() as session:
                release_refresh(session, tokens.installation_id, claimed_version=claimed_version)
            logger.exception("refreshing the bot token of installation %s failed", tokens.installation_id)
            if tokens.expires_at is not None and tokens.expires_at > now:
                return tokens  # still valid: the next call tries again
            raise
        expires_at = now + timedelta(seconds=int(answer.get("expires_in") or 43200))
        with self.db.write() as session:
            stored = store_refreshed(session, self.cipher, tokens.installation_id, claimed_version=claimed_version,
                                     bot_token=str(answer["access_token"]), refresh_token=str(answer["refresh_token"]),
                                     expires_at=expires_at, now=now)
        if not stored:
            logger.warning("installation %s changed while its token was refreshed; using the stored one", tokens.installation_id)
            return self._load(tokens.installation_id)
        logger.info("rotated the bot token of installation %s", tokens.installation_id)
        return StoredTokens(tokens.installation_id, str(answer["access_token"]), str(answer["refresh_token"]), expires_at,
                            claimed_version + 1, None, tokens.bot_id)

    def _after_other_refresh(self, tokens: StoredTokens) -> StoredTokens:
        """Another process is refreshing (or just did): use what the database holds, waiting only if it expired."""
        for _ in range(int(REFRESH_CLAIM.total_seconds() * 10)):
            current = self._load(tokens.installation_id)
            if current.version != tokens.version + 1 or current.refreshing_until is None:
                return current  # refreshed (or changed) meanwhile
            if current.expires_at is None or current.expires_at > self.clock.now():
                return current  # the refresh is under way, and the current token still works
            self._wait(0.1)
        return self._load(tokens.installation_id)
