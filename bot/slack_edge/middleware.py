"""Cross-cutting Bolt middleware: which installation a request belongs to, and event dedupe."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltResponse
from slack_bolt.context import BoltContext

from bot.slack_edge.errors import answer_privately
from bot.slack_edge.first_seen import FirstSeen
from bot.slack_edge.installation_context import bind_installation
from bot.slack_edge.payloads import where_to_answer
from storage.dedupe import remember_event
from storage.installations import find_installation

if TYPE_CHECKING:
    from bot.services import Services

logger = logging.getLogger(__name__)


# Which installation a workspace is changes only on install and uninstall; a burst of clicks from
# one workspace should not read it from the database once per click.
INSTALLATION_CACHE_SECONDS = 60.0


def services_middleware(services: Services) -> Callable[..., Any]:
    """Put the services in Bolt's context, where module-level listeners find them (`services_of`)."""

    def middleware(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        context["services"] = services
        return next()

    return middleware


def installation_middleware(services: Services, clock: Callable[[], float] = time.monotonic) -> Callable[..., Any]:
    """Put `installation_id` in the context; every query downstream is scoped by it."""
    known: dict[tuple[str | None, str | None], tuple[int, float]] = {}

    def lookup(enterprise_id: str | None, team_id: str | None) -> int | None:
        cached = known.get((enterprise_id, team_id))
        if cached is not None and clock() - cached[1] < INSTALLATION_CACHE_SECONDS:
            return cached[0]
        with services.db.read() as session:
            found = find_installation(session, enterprise_id=enterprise_id, team_id=team_id)
        if found is not None:
            known[(enterprise_id, team_id)] = (found, clock())
        return found

    def middleware(body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        delivered_to = services.default_installation_id
        if context.team_id or context.enterprise_id:
            found = lookup(context.enterprise_id, context.team_id)
            delivered_to = found if found is not None else delivered_to
        # A shared channel's rows live under one installation whichever one Slack delivered the request to.
        installation_id = services.shared_channels.home(delivered_to, body)
        context["installation_id"] = installation_id
        context["delivered_to"] = delivered_to
        # The gateway picks this installation's token (OAuth mode) for every call the request makes, and the
        # delivering installation's for the modals its trigger opens.
        # Bolt runs listeners after the whole middleware chain has returned, on executor threads that
        # copy this thread's context, so the binding must outlive this call: it is set, not scoped,
        # and every request through this middleware overwrites it first.
        bind_installation(installation_id, delivered_to if delivered_to != installation_id else None)
        return next()

    return middleware


def delivery_key(body: dict[str, Any]) -> str | None:
    """What identifies one delivery across Slack's redeliveries: the event id, else the trigger id.

    A command, click or form submission carries a trigger id Slack issues once per user action, so
    a duplicated Socket Mode envelope or a retried HTTP request of it has the same one.
    """
    if body.get("type") == "event_callback":
        return str(body["event_id"]) if body.get("event_id") else None
    trigger = body.get("trigger_id")
    return f"trigger:{str(trigger)[:56]}" if isinstance(trigger, str) and trigger else None


def event_dedupe_middleware(services: Services, listener_dedupes: Callable[[dict[str, Any]], bool] = lambda body: False,
                            ) -> Callable[..., Any]:
    """Run each delivery once: Slack retries events up to 3 times over ~5 minutes, and Socket Mode may deliver an envelope twice.

    Deliveries for which `listener_dedupes(body)` is true are left to their listener, which records
    the delivery key in the same transaction as its own write (votes do): one transaction fewer
    before the ack, and a delivery whose work was lost in a crash is not mistaken for a duplicate."""

    seen = FirstSeen(services.db, remember_event)  # a burst's deliveries share one transaction

    def middleware(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse | None:
        key = delivery_key(body)
        if key and not listener_dedupes(body) and not seen.remember(key, services.clock.now()):
            logger.info("event %s already handled; acknowledging the redelivery", key)
            return BoltResponse(status=200, body="")
        return next()

    return middleware


def answer_without_response_url(services: Services) -> Callable[..., Any]:
    """Give listeners a `respond` that works when a payload came without a response_url.

    Bolt's own `respond` raises then. Slack sends one with every command and message action, but
    not with view submissions or Home tab clicks, and a listener should not have to care.
    """

    def middleware(body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        if not (body.get("response_url") or body.get("response_urls")):
            context["respond"] = PrivateAnswer(services, body)
        return next()

    return middleware


class PrivateAnswer:
    """`respond(...)` as an ephemeral message in the channel, or a direct message when there is none or it fails."""

    def __init__(self, services: Services, body: dict[str, Any]) -> None:
        self.services, self.body = services, body
        _, self.user = where_to_answer(body)

    def __call__(self, text: str = "", blocks: list[dict[str, Any]] | None = None, **_: Any) -> None:
        if not self.user:
            logger.warning("a payload without a user or response_url: nobody to answer")
            return
        answer_privately(self.services, self.body, self.user, text, blocks)
