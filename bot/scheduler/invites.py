"""A meeting's .ics invite kept as due work when Slack fails to take it at once, so it is never lost.

The due work stores what to send (meeting id, the update's wording, the cancelled occurrences),
not the file: the .ics is rebuilt from the stored meeting when it goes out, so a move or cancel
made in the meantime is in it, with the meeting's current SEQUENCE. Uploading it, now or as the
scheduler's job, is `bot.usecases.invites`.
"""
from __future__ import annotations

from datetime import datetime

from bot.domain.meetings import Meeting
from storage.db import Session
from storage.due_work import enqueue

INVITE = "meeting_invite"


def invite_key(installation_id: int, meeting: Meeting, update: str, cancel: tuple[int, ...] | None) -> str:
    """One key per version of the invite (a redelivered click enqueues nothing new)."""
    what = "request" if cancel is None else "cancel-" + ("all" if not cancel else "-".join(map(str, cancel)))
    return f"{installation_id}:meeting:{meeting.id}:invite:{meeting.sequence}:{update}:{what}"


def schedule_invite(session: Session, installation_id: int, meeting: Meeting, update: str, cancel: tuple[int, ...] | None,
                    due_at: datetime, now: datetime) -> bool:
    """Enqueue the invite's upload for `due_at`; False when this version of it is already queued."""
    return enqueue(session, installation_id=installation_id, kind=INVITE, key=invite_key(installation_id, meeting, update, cancel),
                   due_at=due_at, payload={"meeting": meeting.id, "update": update, "cancel": None if cancel is None else list(cancel)},
                   now=now)
