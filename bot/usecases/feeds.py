"""Calendar feeds: each alliance's and each person's private iCalendar URL (`/alliance feed`), and rendering a feed
for whoever polls it (`render`, served at /calendar/<token>.ics by the bot's HTTP server)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from bot.domain.errors import UserError
from bot.services import Services
from bot.views import alliance as views
from bot.views.calendar_feed import feed_calendar
from storage.actions import channel_items, owner_items
from storage.alliances import get_alliance
from storage.calendar_feeds import Feed, feed_token, find_feed, note_rendering, reset_token
from storage.channel_homes import partner_installations
from storage.db import Session
from storage.meetings import confirmed_meetings
from storage.milestones import channel_milestones

FEED_PATH = "/calendar/"
PAST = timedelta(days=90)  # how far back a feed keeps meetings
# Rendered with this stamp, so that the ETag changes only with the content; the stamp is then the time it changed.
STAMP = datetime(2000, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Rendered:
    """A feed as served: its body, a strong ETag, and when its content last changed."""

    body: bytes
    etag: str
    changed_at: datetime


def feed_url(services: Services, token: str) -> str | None:
    """The feed's URL, or None when the deployment has no public address for feeds (ALLIANCEBOT_PUBLIC_URL)."""
    base = services.settings.public_url
    return f"{base}{FEED_PATH}{token}.ics" if base else None


def command(services: Services, installation_id: int, channel_id: str, user_id: str, rest: str) -> views.Message:
    """`/alliance feed` in a channel that has its alliance: the alliance's and the person's feed URLs, privately; `reset`
    replaces the alliance's, `reset mine` the person's (the old URL stops working)."""
    asked = " ".join(rest.lower().split())
    if asked not in ("", "reset", "reset mine"):
        raise UserError("Use `/alliance feed` to see the calendar feeds, `/alliance feed reset` to replace this alliance's "
                        "address, or `/alliance feed reset mine` to replace yours.")
    now = services.clock.now()
    with services.db.write() as session:
        shared = (reset_token if asked == "reset" else feed_token)(session, installation_id, channel_id, "", now)
        mine = (reset_token if asked == "reset mine" else feed_token)(session, installation_id, "", user_id, now)
    shared_url, my_url = feed_url(services, shared), feed_url(services, mine)
    if shared_url is None or my_url is None:
        return views.feed_unavailable_message()
    return views.feed_message(shared_url, my_url, reset=asked)


def render(services: Services, token: str) -> Rendered | None:
    """The feed a token opens, as it stands now; None for a token that opens nothing."""
    with services.db.read() as session:
        feed = find_feed(session, token)
        if feed is None:
            return None
        body = _body(session, feed, services.clock.now())
    etag = hashlib.sha256(body).hexdigest()[:32]
    now = services.clock.now()
    with services.db.write() as session:
        note_rendering(session, feed.id, etag, now)
    changed_at = now if etag != feed.etag else feed.changed_at
    stamp = STAMP.strftime("%Y%m%dT%H%M%SZ").encode()
    return Rendered(body.replace(b"DTSTAMP:" + stamp, b"DTSTAMP:" + changed_at.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ").encode()),
                    etag, changed_at)


def _body(session: Session, feed: Feed, now: datetime) -> bytes:
    since = now - PAST
    if feed.user_id:  # a person's: their work in every installation their company shares a channel with
        where = partner_installations(session, feed.installation_id)
        return feed_calendar("Alliance Bot: my meetings and due dates", STAMP,
                             meetings=[m for i in where for m in confirmed_meetings(session, i, participant=feed.user_id, since=since)],
                             milestones=[m for i in where for m in channel_milestones(session, i, None, until=None, owner_id=feed.user_id)],
                             items=[t for i in where for t in owner_items(session, i, feed.user_id, now)])
    alliance = get_alliance(session, feed.installation_id, feed.channel_id)
    return feed_calendar(f"Alliance Bot: {alliance.name if alliance else feed.channel_id}", STAMP,
                         meetings=confirmed_meetings(session, feed.installation_id, channel_id=feed.channel_id, since=since),
                         milestones=channel_milestones(session, feed.installation_id, feed.channel_id, until=None),
                         items=channel_items(session, feed.installation_id, feed.channel_id, now, limit=500))
