"""Due work for action items: each owner's 09:00 DM on the due date and one the next working morning."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from bot.domain.actions import ActionItem, reminder_times
from bot.scheduler.delivery import post_once
from bot.scheduler.work import Sender, Sent
from bot.views import actions as views
from storage.actions import load_item
from storage.db import Session
from storage.due_work import ClaimedWork, cancel_prefix, enqueue

if TYPE_CHECKING:
    from bot.services import Services

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


def senders(services: Services) -> dict[str, Sender]:
    """The action-item senders, bound to the running services."""

    def remind(work: ClaimedWork) -> Sent:
        now = services.clock.now()
        with services.db.read() as session:
            item = load_item(session, work.installation_id, int(work.payload["item"]), now)
        user = str(work.payload["user"])
        # Belt and braces beside cancelling: done, snoozed or reassigned items are never reminded.
        if item is None or not item.is_open or item.version != work.payload["version"] or user not in item.owner_ids:
            return Sent({"skipped": "done, snoozed or reassigned"})
        text, blocks = views.reminder_message(item, str(work.payload["label"]))
        return post_once(services.gateway, work, user, text, blocks, now=now)

    return {REMIND: remind}
