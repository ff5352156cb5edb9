"""Due work for milestones: nudges before the due date and weekly while overdue, to the channel and the owner.

Each nudge is one row per recipient, keyed by milestone, due date, offset and recipient, so a
restart or a second scheduler never sends it twice (`post_once` covers a crash after the post).
A move or "achieved" cancels the open rows; a moved date is a new key.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from bot.domain.dates import local_today
from bot.domain.milestones import Milestone, first_overdue_nudge, next_overdue_nudge, nudge_times
from bot.scheduler.delivery import post_once
from bot.scheduler.work import Sender, Sent
from bot.views import milestones as views
from storage.alliances import get_alliance
from storage.db import Session
from storage.due_work import ClaimedWork, cancel_prefix, enqueue
from storage.milestones import load_milestone, nudge_offsets

if TYPE_CHECKING:
    from bot.services import Services

NUDGE, OVERDUE = "milestone_nudge", "milestone_overdue"


def milestone_key(installation_id: int, milestone_id: int) -> str:
    """The prefix of every piece of work for one milestone."""
    return f"{installation_id}:milestone:{milestone_id}:"


def alliance_zone(session: Session, installation_id: int, channel_id: str) -> str:
    """The zone nudges are read in: the alliance's, UTC when the channel has none."""
    alliance = get_alliance(session, installation_id, channel_id)
    return alliance.time_zone if alliance and alliance.time_zone else "UTC"


def _targets(milestone: Milestone) -> list[str]:
    return [milestone.channel_id] + ([milestone.owner_id] if milestone.owner_id else [])


def schedule_nudges(session: Session, installation_id: int, milestone: Milestone, now: datetime) -> int:
    """Replace the milestone's pending nudges with those for its current date; returns how many were queued."""
    cancel_prefix(session, installation_id, milestone_key(installation_id, milestone.id))
    if not milestone.is_open or milestone.snoozed:
        return 0
    zone = alliance_zone(session, installation_id, milestone.channel_id)
    prefix = f"{milestone_key(installation_id, milestone.id)}{milestone.due.isoformat()}"
    queued = 0
    for target in _targets(milestone):
        payload = {"milestone": milestone.id, "due": milestone.due.isoformat(), "target": target}
        for days, at in nudge_times(milestone.due, nudge_offsets(session, installation_id, milestone.channel_id), zone, now):
            queued += enqueue(session, installation_id=installation_id, kind=NUDGE, key=f"{prefix}:d{days}:{target}", due_at=at,
                              payload={**payload, "days": days}, now=now)
        overdue = first_overdue_nudge(milestone.due, zone)
        while overdue <= now:  # already long overdue (or a past date moved in): the next weekly one ahead
            overdue += timedelta(weeks=1)
        queued += enqueue(session, installation_id=installation_id, kind=OVERDUE, key=f"{prefix}:overdue:{overdue.date().isoformat()}:{target}",
                          due_at=overdue, payload={**payload, "day": local_day(overdue, zone).isoformat(), "zone": zone}, now=now)
    return queued


def local_day(instant: datetime, zone: str) -> date:
    """The local date of an instant."""
    return local_today(instant, zone)


def senders(services: Services) -> dict[str, Sender]:
    """The milestone senders, bound to the running services."""

    def current(work: ClaimedWork) -> tuple[Milestone, str] | None:
        with services.db.read() as session:
            milestone = load_milestone(session, work.installation_id, int(work.payload["milestone"]))
            zone = alliance_zone(session, work.installation_id, milestone.channel_id) if milestone else "UTC"
        # Achieved, snoozed or moved since this nudge was queued: it is moot.
        if milestone is None or not milestone.is_open or milestone.snoozed or milestone.due.isoformat() != work.payload["due"]:
            return None
        return milestone, zone

    def nudge(work: ClaimedWork) -> Sent:
        found = current(work)
        if found is None:
            return Sent({"skipped": "achieved, snoozed or moved"})
        milestone, zone = found
        now = services.clock.now()
        text, blocks = views.nudge_message(milestone, int(work.payload["days"]), zone, local_today(now, zone))
        return post_once(services.gateway, work, str(work.payload["target"]), text, blocks, now=now)

    def overdue(work: ClaimedWork) -> Sent:
        found = current(work)
        if found is None:
            return Sent({"skipped": "achieved, snoozed or moved"})
        milestone, zone = found
        now = services.clock.now()
        # Queue next week's first: its key is fixed, so a retry of this one cannot add a second.
        following = next_overdue_nudge(date.fromisoformat(str(work.payload["day"])), zone)
        with services.db.write() as session:
            enqueue(session, installation_id=work.installation_id, kind=OVERDUE,
                    key=work.key.rsplit(":overdue:", 1)[0] + f":overdue:{following.date().isoformat()}:{work.payload['target']}",
                    due_at=following, payload={**work.payload, "day": local_day(following, zone).isoformat()}, now=now)
        text, blocks = views.nudge_message(milestone, None, zone, local_today(now, zone))
        return post_once(services.gateway, work, str(work.payload["target"]), text, blocks, now=now)

    return {NUDGE: nudge, OVERDUE: overdue}
