"""Due work for action items: each owner's 09:00 DM on the due date and one the next working morning
(the job that sends one is `bot.usecases.actions.post_reminder`)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.domain.actions import ActionItem, reminder_times
from storage.db import Session
from storage.due_work import cancel_prefix, enqueue

REMIND = "action_reminder"


def item_key(installation_id: int, item_id: int) -> str:
    """The prefix of every reminder of one item (cancelled together when it is done or rescheduled)."""
    return f"{installation_id}:action:{item_id}:"


def schedule_reminders(session: Session, installation_id: int, item: ActionItem, zones: Mapping[str, str], now: datetime) -> int:
    """Replace the item's pending reminders with its owners' ones for its current due date; how many were queued.

    The key carries the item's version, so a snooze or reassignment never collides with (or
    revives) a reminder of an earlier schedule. Reminders whose time has passed are skipped.
    """
    cancel_prefix(session, installation_id, item_key(installation_id, item.id))
    if not item.is_open or item.due is None:
        return 0
    queued = 0
    for user in item.owner_ids:
        for label, at in reminder_times(item.due, zones.get(user) or "UTC"):
            if at <= now:
                continue
            queued += enqueue(session, installation_id=installation_id, kind=REMIND, due_at=at, now=now,
                              key=f"{item_key(installation_id, item.id)}v{item.version}:{label}:{user}",
                              payload={"item": item.id, "version": item.version, "label": label, "user": user,
                                       "due": item.due.isoformat()})
    return queued


def cancel_reminders(session: Session, installation_id: int, item_id: int) -> int:
    """Cancel every unsent reminder of a done item."""
    return cancel_prefix(session, installation_id, item_key(installation_id, item_id))

