"""Repository for calendar feeds: the token that reaches each alliance's and person's feed, and its last rendering."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.db import insert_if_absent
from storage.models.alliances import CalendarFeedRow


@dataclass(frozen=True)
class Feed:
    """Whose feed a token opens: an alliance's (`user_id` "") or a person's (`channel_id` "")."""

    id: int
    installation_id: int
    channel_id: str
    user_id: str
    etag: str
    changed_at: datetime


def _new_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits: unguessable, and safe in a URL path


def feed_token(session: Session, installation_id: int, channel_id: str, user_id: str, now: datetime) -> str:
    """The token of the alliance's (`user_id` "") or person's (`channel_id` "") feed, made on first asking."""
    insert_if_absent(session, CalendarFeedRow, {"installation_id": installation_id, "channel_id": channel_id, "user_id": user_id,
                                                "token": _new_token(), "etag": "", "changed_at": now, "created_at": now},
                     CalendarFeedRow.id)
    token = session.scalar(select(CalendarFeedRow.token).where(
        CalendarFeedRow.installation_id == installation_id, CalendarFeedRow.channel_id == channel_id, CalendarFeedRow.user_id == user_id))
    assert token is not None
    return token


def reset_token(session: Session, installation_id: int, channel_id: str, user_id: str, now: datetime) -> str:
    """A new token for the feed; the old URL stops working at once."""
    feed_token(session, installation_id, channel_id, user_id, now)
    token = _new_token()
    session.execute(update(CalendarFeedRow).where(
        CalendarFeedRow.installation_id == installation_id, CalendarFeedRow.channel_id == channel_id,
        CalendarFeedRow.user_id == user_id).values(token=token))
    return token


def find_feed(session: Session, token: str) -> Feed | None:
    """The feed a token opens, if any (the token is the whole credential: an exact match, nothing else)."""
    row = session.scalar(select(CalendarFeedRow).where(CalendarFeedRow.token == token))
    if row is None:
        return None
    return Feed(row.id, row.installation_id, row.channel_id, row.user_id, row.etag, row.changed_at)


def note_rendering(session: Session, feed_id: int, etag: str, now: datetime) -> None:
    """Remember the rendering's ETag, and when the feed last changed (now, when the ETag is new)."""
    session.execute(update(CalendarFeedRow).where(CalendarFeedRow.id == feed_id, CalendarFeedRow.etag != etag)
                    .values(etag=etag, changed_at=now))
