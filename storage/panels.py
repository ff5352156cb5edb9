"""Repository for a channel's panel message: claimed by one process before it is posted, so it is never posted twice."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.db import insert_if_absent
from storage.models.alliances import ChannelPanelRow

# A claim whose post never recorded its message (the process died in between) may be taken over after this.
CLAIM_LAPSES = timedelta(minutes=2)


def panel_ts(session: Session, installation_id: int, channel_id: str) -> str | None:
    """Where the channel's panel is, if it has been posted."""
    return session.scalar(select(ChannelPanelRow.message_ts).where(
        ChannelPanelRow.installation_id == installation_id, ChannelPanelRow.channel_id == channel_id))


def claim_post(session: Session, installation_id: int, channel_id: str, now: datetime) -> bool:
    """Whether this caller is the one to post the channel's panel: the first to ask, or the first after an
    unfinished claim lapsed. A panel already posted is never claimed again (`forget_post` first)."""
    if insert_if_absent(session, ChannelPanelRow, {"installation_id": installation_id, "channel_id": channel_id, "message_ts": None,
                                                   "claimed_at": now}, ChannelPanelRow.id) is not None:
        return True
    taken = session.execute(update(ChannelPanelRow).where(
        ChannelPanelRow.installation_id == installation_id, ChannelPanelRow.channel_id == channel_id,
        ChannelPanelRow.message_ts.is_(None), ChannelPanelRow.claimed_at < now - CLAIM_LAPSES).values(claimed_at=now))
    return bool(taken.rowcount)  # type: ignore[attr-defined]


def record_post(session: Session, installation_id: int, channel_id: str, ts: str) -> None:
    """The panel was posted at `ts`."""
    session.execute(update(ChannelPanelRow).where(ChannelPanelRow.installation_id == installation_id,
                                                  ChannelPanelRow.channel_id == channel_id).values(message_ts=ts))


def forget_post(session: Session, installation_id: int, channel_id: str, ts: str, now: datetime) -> bool:
    """The panel at `ts` is gone (deleted in Slack): claim the channel for a new post, unless another caller already did."""
    taken = session.execute(update(ChannelPanelRow).where(
        ChannelPanelRow.installation_id == installation_id, ChannelPanelRow.channel_id == channel_id,
        ChannelPanelRow.message_ts == ts).values(message_ts=None, claimed_at=now))
    return bool(taken.rowcount)  # type: ignore[attr-defined]
