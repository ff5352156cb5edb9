"""Due work for a channel's alliance: the note saying how an alliance set up from the channel's organisations mapped
its people, kept as due work so that it is posted even when the first try fails (the job is
`bot.usecases.alliances.post_mapped_due`)."""
from __future__ import annotations

from datetime import datetime, timedelta

from storage.db import Session
from storage.due_work import cancel, enqueue

MAPPED = "alliance_mapped"
# The request that set the alliance up posts the note at once; this is the fallback if it could not.
MAPPED_FALLBACK = timedelta(minutes=2)


def mapped_key(installation_id: int, channel_id: str) -> str:
    """The key of a channel's mapping note."""
    return f"{installation_id}:mapped:{channel_id}"


def schedule_mapped_note(session: Session, installation_id: int, channel_id: str, now: datetime) -> str:
    """Queue the note as a fallback; returns its key (posted at once: `mapped_note_posted`)."""
    key = mapped_key(installation_id, channel_id)
    enqueue(session, installation_id=installation_id, kind=MAPPED, key=key, due_at=now + MAPPED_FALLBACK,
            payload={"channel": channel_id}, now=now)
    return key


def mapped_note_posted(session: Session, installation_id: int, channel_id: str) -> None:
    """The request posted the note itself: the fallback is not needed."""
    cancel(session, mapped_key(installation_id, channel_id))
