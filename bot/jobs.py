"""What the scheduler can send, by kind of due work, and its housekeeping."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.scheduler import Sender
from bot.scheduler.actions import REMIND as ACTION_REMINDER
from bot.scheduler.alliances import MAPPED as ALLIANCE_MAPPED
from bot.scheduler.consensus import CLOSE as DECISION_CLOSE
from bot.scheduler.consensus import REMIND as DECISION_REMINDER
from bot.scheduler.consensus import REVIEW as ASSUMPTION_REVIEW
from bot.scheduler.digests import DIGEST
from bot.scheduler.escalation import END as DISPUTE_END
from bot.scheduler.escalation import NOTICE as DISPUTE_NOTICE
from bot.scheduler.escalation import REMIND as DISPUTE_REMINDER
from bot.scheduler.invites import INVITE
from bot.scheduler.meetings import CADENCE
from bot.scheduler.meetings import REMIND as MEETING_REMINDER
from bot.scheduler.meetings import REVIEW as MEETING_REVIEW
from bot.scheduler.milestones import NUDGE, OVERDUE
from bot.usecases import actions, alliances, consensus, digests, escalation, invites, meeting_plans, meetings, milestones
from storage.db import Database
from storage.dedupe import forget_expired_signatures, forget_old_events

if TYPE_CHECKING:
    from bot.services import Services

# Slack's last retry of an event comes about 5 minutes after the first delivery; keep ids a day.
EVENT_MEMORY = timedelta(days=1)


def build_senders(services: Services) -> Mapping[str, Sender]:
    """Senders by due-work kind: each kind's use case, bound to the running services."""
    jobs = {DECISION_CLOSE: consensus.close_due, DECISION_REMINDER: consensus.remind_due, ASSUMPTION_REVIEW: consensus.review_due,
            ACTION_REMINDER: actions.post_reminder, MEETING_REMINDER: meetings.post_reminder, MEETING_REVIEW: meetings.post_review_prompt,
            CADENCE: meeting_plans.propose_next, INVITE: invites.send_queued, NUDGE: milestones.post_nudge,
            OVERDUE: milestones.post_overdue_nudge, DIGEST: digests.post_due, ALLIANCE_MAPPED: alliances.post_mapped_due,
            DISPUTE_END: escalation.window_end_due, DISPUTE_REMINDER: escalation.remind_due, DISPUTE_NOTICE: escalation.notice_due}
    return {kind: partial(job, services) for kind, job in jobs.items()}


def housekeeping(db: Database, clock: Clock) -> None:
    """Forget event ids and request signatures that can no longer come back."""
    with db.write() as session:
        forget_old_events(session, clock.now() - EVENT_MEMORY)
        forget_expired_signatures(session, clock.now())
