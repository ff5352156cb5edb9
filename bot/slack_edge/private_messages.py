"""Telling one person something privately: the one route every private message takes.

A DM first, as people expect; when Slack refuses to let this bot DM the person (in a Slack Connect
channel the partner organisation's people often cannot be DMed by the host's app), an ephemeral
message to them in the channel the message is about. Which route worked is recorded per person
(`storage.private_routes`), so a refused DM is not tried again for a while (`bot.domain.reach`).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.domain.reach import KnownRoute, Route, tries_dm_first
from bot.slack_edge.gateway import ErrorCategory, SlackCallError, SlackGateway
from bot.slack_edge.installation_context import bound_installation
from storage.channel_homes import record_sighting
from storage.db import Database
from storage.installations import own_installation
from storage.private_routes import load_route, save_route

logger = logging.getLogger(__name__)

# Slack's answers that mean "this bot cannot DM this person" (not "try later"): conversations.open
# documents user_not_visible, user_not_found, user_disabled and method_not_supported_for_channel_type;
# chat.postMessage to a user id the bot may not DM answers channel_not_found (documented, and seen in
# issue 17); cannot_dm_bot (the person is a bot) and restricted_action (a workspace policy) do not
# change on a retry either. Everything else permanent (invalid_blocks, …) is a bug to raise, not a route.
DM_REFUSED = frozenset({"user_not_visible", "user_not_found", "user_disabled", "channel_not_found", "cannot_dm_bot",
                        "restricted_action", "method_not_supported_for_channel_type"})


@dataclass(frozen=True)
class Told:
    """How a private message went: the route that worked (None: no route did) and what Slack answered."""

    route: Route | None
    result: dict[str, Any] = field(default_factory=dict)


def tell_privately(gateway: SlackGateway, db: Database, installation_id: int, user: str, channel: str | None, text: str,
                   blocks: list[dict[str, Any]] | None = None, *, now: datetime, in_channel_first: bool = False,
                   dm: Callable[[], dict[str, Any]] | None = None) -> Told:
    """Tell `user` privately, by DM or by an ephemeral in `channel` (the channel the message is about).

    `in_channel_first`: answer where the person just acted (the error boundary) and DM only if that
    fails. `dm` posts the DM (the scheduler passes one that posts at most once); by default a plain
    chat.postMessage to the user id. Errors that may pass (rate limits, Slack outages, an unclear
    outcome) are raised for the caller to retry; when no route works, one line is logged and
    `Told(None)` returned, so the caller never retries a refusal for ever.
    """
    # A partner's person whose company installed the app too is DMed by their own company's bot, which may always
    # DM them; the channel is shared with their workspace (they are in it), so a click on that DM finds its rows.
    own = _own_installation(db, installation_id, user, channel, now) if gateway.per_installation and not in_channel_first else None
    if own is not None:
        with bound_installation(own):
            told = tell_privately(gateway, db, own, user, None, text, blocks, now=now, dm=dm)
        if told.route is not None:
            return told
    known = load_route(db, installation_id, user)
    dm_allowed = tries_dm_first(known, now)
    order = [Route.EPHEMERAL, Route.DM] if in_channel_first else [Route.DM, Route.EPHEMERAL]
    refusals: list[str] = []
    for route in order:
        if route is Route.EPHEMERAL and channel is None:
            continue
        if route is Route.DM and not dm_allowed:
            refusals.append("DM refused recently")
            continue
        try:
            result = _send(gateway, route, user, channel, text, blocks, dm)
        except SlackCallError as error:
            if error.category is not ErrorCategory.PERMANENT or (route is Route.DM and error.error not in DM_REFUSED):
                raise
            refusals.append(f"{error.method}: {error.error}")
            if route is Route.DM:
                dm_allowed = False
                save_route(db, installation_id, user, Route.EPHEMERAL, checked_at=now)
            continue
        _remember(db, installation_id, user, route, known, now)
        return Told(route, result)
    logger.warning("could not tell %s privately (%s): %s", user, "channel " + channel if channel else "no channel",
                   "; ".join(refusals) or "no route")
    return Told(None, {"refused": refusals})


def _own_installation(db: Database, installation_id: int, user: str, channel: str | None, now: datetime) -> int | None:
    """The person's own company's installation when it is another one (OAuth mode), having noted that it sees `channel`."""
    with db.read() as session:
        own = own_installation(session, installation_id, user)
    if own is not None and channel is not None:
        with db.write() as session:
            record_sighting(session, own, channel, now)
    return own


def _send(gateway: SlackGateway, route: Route, user: str, channel: str | None, text: str, blocks: list[dict[str, Any]] | None,
          dm: Callable[[], dict[str, Any]] | None) -> dict[str, Any]:
    if route is Route.DM:
        return dm() if dm is not None else {"channel": user, "ts": gateway.post_message(user, text, blocks)}
    assert channel is not None
    gateway.post_ephemeral(channel, user, text, blocks)
    return {"channel": channel, "ephemeral_to": user}


def _remember(db: Database, installation_id: int, user: str, route: Route, known: KnownRoute | None, now: datetime) -> None:
    """Record a DM that worked (it may have been refused before); an ephemeral is recorded when the DM was refused."""
    if route is Route.DM and (known is None or known.route is not Route.DM):
        save_route(db, installation_id, user, Route.DM, checked_at=now)
