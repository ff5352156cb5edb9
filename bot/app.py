"""Build the Bolt app and the services it runs on; nothing here does I/O at import time."""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_sdk.web import WebClient

from bot.clock import Clock, SystemClock
from bot.services import Services
from bot.settings import Settings
from bot.slack_edge.coalescer import UpdateCoalescer
from bot.slack_edge.directory import MemberDirectory
from bot.slack_edge.errors import error_handler
from bot.slack_edge.gateway import SlackGateway
from bot.slack_edge.installation_context import ContextThreadPoolExecutor
from bot.slack_edge.middleware import (
    answer_without_response_url,
    event_dedupe_middleware,
    installation_middleware,
    services_middleware,
)
from bot.slack_edge.tokens import TokenVault
from storage.db import Database, open_database
from storage.installations import ensure_installation

logger = logging.getLogger(__name__)

# Bolt's default pool has 5 threads: a few slow listeners (Slack 429 waits, lock waits) would
# make later requests miss Slack's 3-second ack. Work after the ack runs on these threads.
LISTENER_THREADS = 64
WEB_API_TIMEOUT = 10
# Slack allows about one chat.update per second per message (50 a minute per workspace).
UPDATE_INTERVAL = 1.2


def web_client(settings: Settings, token: str | None = None, log: logging.Logger | None = None) -> WebClient:
    """A WebClient aimed at SLACK_API_URL; retries are the gateway's job, so none here."""
    return WebClient(token=token or settings.bot_token, base_url=settings.api_url, timeout=WEB_API_TIMEOUT, retry_handlers=[],
                     logger=log)


def build_services(settings: Settings, *, clock: Clock | None = None, db: Database | None = None,
                   update_interval: float = UPDATE_INTERVAL) -> Services:
    """Connect to Slack (auth.test) and the database, and record this installation."""
    clock = clock or SystemClock()
    db = db or open_database(settings.database_url)
    # Listeners run on these threads in a copy of the request's context, keeping its installation.
    executor = ContextThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="listener")
    if settings.oauth:
        return _oauth_services(settings, db, clock, executor, update_interval)
    gateway = SlackGateway(web_client(settings))
    identity = gateway.auth_test()
    with db.write() as session:
        installation_id = ensure_installation(
            session, enterprise_id=identity.get("enterprise_id"), team_id=identity.get("team_id"),
            team_name=str(identity.get("team") or ""), bot_user_id=str(identity.get("user_id") or ""), now=clock.now())
    coalescer = UpdateCoalescer(lambda channel, ts, text, blocks: gateway.update_message(channel, ts, text, blocks),
                                min_interval=update_interval, db=_shared(db), clock_utc=clock)
    return Services(settings, db, gateway, MemberDirectory(gateway, db, clock), coalescer, clock, installation_id,
                    str(identity.get("user_id") or ""), executor)


def _shared(db: Database) -> Database | None:
    """The database to coordinate message updates across processes: PostgreSQL only, since SQLite serves one process."""
    return db if db.dialect == "postgresql" else None


def _oauth_services(settings: Settings, db: Database, clock: Clock, executor: ThreadPoolExecutor,
                    update_interval: float) -> Services:
    """Multi-workspace services: no token at start; the gateway asks the vault per installation."""
    from bot.slack_edge.oauth import build_oauth_flow, refresher
    from storage.installation_tokens import TokenCipher

    plain = WebClient(base_url=settings.api_url, timeout=WEB_API_TIMEOUT, retry_handlers=[])
    vault = TokenVault(db, TokenCipher(str(settings.encryption_key)), clock, refresher(settings, plain))
    gateway = SlackGateway(web_client(settings), tokens=vault.bot_token, forget_token=vault.forget)
    coalescer = UpdateCoalescer(lambda channel, ts, text, blocks: gateway.update_message(channel, ts, text, blocks),
                                min_interval=update_interval, db=_shared(db), clock_utc=clock)
    # No default installation: a request from a workspace that has not installed the app is refused
    # by `authorize` before any listener runs. The bot user differs per workspace (`bot_user_id`).
    return Services(settings, db, gateway, MemberDirectory(gateway, db, clock), coalescer, clock, 0, "", executor,
                    vault=vault, oauth_flow=build_oauth_flow(settings, db, clock, vault, plain))


def build_app(services: Services) -> App:
    """The Bolt app with our middleware, error boundary and every feature's listeners."""
    from handlers import register_all  # handlers import views and domain; keep start-up order explicit

    settings = services.settings
    oauth: dict[str, Any] = {}
    if services.vault is not None:
        from bot.slack_edge.oauth import authorizer

        oauth["authorize"] = authorizer(services.db, services.vault)
    app = App(
        **oauth,
        client=services.gateway.client,
        signing_secret=settings.signing_secret or "socket-mode-does-not-sign",
        # The HTTP edge verifies signatures itself (401 for every bad one, replays refused, no
        # bodies logged); Socket Mode needs no signature. auth.test already ran in build_services.
        request_verification_enabled=False,
        token_verification_enabled=False,
        ignoring_self_events_enabled=True,
        listener_executor=services.listener_executor,
        logger=logging.getLogger("slack_bolt.App"),
    )
    from handlers.consensus import dedupes_itself

    app.use(services_middleware(services))
    app.use(event_dedupe_middleware(services, dedupes_itself))
    app.use(installation_middleware(services))
    app.use(answer_without_response_url(services))
    app.error(error_handler(services))
    register_all(app)
    return app
