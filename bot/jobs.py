"""What the scheduler can send, by kind of due work, and its housekeeping."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.scheduler import Sender, invites, meetings, milestones
from bot.scheduler import actions as action_items
from bot.scheduler.consensus import CLOSE, REMIND, REVIEW
from bot.scheduler.digests import DIGEST
from bot.usecases import consensus, digests
from storage.db import Database
from storage.dedupe import forget_expired_signatures, forget_old_events

if TYPE_CHECKING:
    from bot.services import Services

# Slack's last retry of an event comes about 5 minutes after the first delivery; keep ids a day.
EVENT_MEMORY = timedelta(days=1)


def build_senders(services: Services) -> Mapping[str, Sender]:
    """Senders by due-work kind; each feature adds its own kinds as it lands."""
    return {CLOSE: lambda work: consensus.close_due(services, work), REMIND: lambda work: consensus.remind_due(services, work),
            REVIEW: lambda work: consensus.review_due(services, work), **action_items.senders(services), **meetings.senders(services),
            **invites.senders(services), **milestones.senders(services),
            DIGEST: lambda work: digests.post_due(services, work)}


def housekeeping(db: Database, clock: Clock) -> None:
    """Forget event ids and request signatures that can no longer come back."""
    with db.write() as session:
        forget_old_events(session, clock.now() - EVENT_MEMORY)
        forget_expired_signatures(session, clock.now())
