"""Cross-cutting Bolt middleware: which installation a request belongs to, and event dedupe."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltResponse
from slack_bolt.context import BoltContext

from bot.slack_edge.installation_context import bind_installation
from storage.dedupe import remember_event
from storage.installations import find_installation

if TYPE_CHECKING:
    from bot.app import Services

logger = logging.getLogger(__name__)


def installation_middleware(services: Services) -> Callable[..., Any]:
    """Put `installation_id` in the context; every query downstream is scoped by it."""

    def middleware(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        installation_id = services.default_installation_id
        if context.team_id or context.enterprise_id:
            with services.db.read() as session:
                found = find_installation(session, enterprise_id=context.enterprise_id, team_id=context.team_id)
            installation_id = found if found is not None else installation_id
        context["installation_id"] = installation_id
        # The gateway picks this installation's token (OAuth mode) for every call the request makes.
        # Bolt runs listeners after the whole middleware chain has returned, on executor threads that
        # copy this thread's context, so the binding must outlive this call: it is set, not scoped,
        # and every request through this middleware overwrites it first.
        bind_installation(installation_id)
        return next()

    return middleware


def event_dedupe_middleware(services: Services) -> Callable[..., Any]:
    """Run each Events API delivery once: Slack retries up to 3 times over ~5 minutes."""

    def middleware(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            with services.db.write() as session:
                first = remember_event(session, str(event_id), services.clock.now())
            if not first:
                logger.info("event %s already handled; acknowledging the redelivery", event_id)
                return BoltResponse(status=200, body="")
        return next()

    return middleware
