"""Due work for milestones: nudges before the due date and weekly while overdue, to the channel and the owner.

Each nudge is one row per recipient, keyed by milestone, due date, offset and recipient, so a
restart or a second scheduler never sends it twice (`post_once` covers a crash after the post).
A move or "achieved" cancels the open rows; a moved date is a new key. The jobs that send them
are `bot.usecases.milestones.post_nudge` and `post_overdue_nudge`.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.domain.dates import local_today
from bot.domain.milestones import Milestone, first_overdue_nudge, next_overdue_nudge, nudge_times
from storage.db import Session
from storage.due_work import ClaimedWork, cancel_prefix, enqueue
from storage.milestones import nudge_offsets

NUDGE, OVERDUE = "milestone_nudge", "milestone_overdue"


def milestone_key(installation_id: int, milestone_id: int) -> str:
    """The prefix of every piece of work for one milestone."""
    return f"{installation_id}:milestone:{milestone_id}:"


def _targets(milestone: Milestone) -> list[str]:
    return [milestone.channel_id] + ([milestone.owner_id] if milestone.owner_id else [])


def schedule_nudges(session: Session, installation_id: int, milestone: Milestone, zone: str, now: datetime) -> int:
    """Replace the milestone's pending nudges with those for its current date, at 09:00 in `zone` (the channel's);
    returns how many were queued."""
    cancel_prefix(session, installation_id, milestone_key(installation_id, milestone.id))
    if not milestone.is_open or milestone.snoozed:
        return 0
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



def queue_next_overdue(session: Session, work: ClaimedWork, zone: str, now: datetime) -> None:
    """Queue the weekly overdue nudge after this one; its key is fixed, so a retry of this one cannot add a second."""
    following = next_overdue_nudge(date.fromisoformat(str(work.payload["day"])), zone)
    enqueue(session, installation_id=work.installation_id, kind=OVERDUE,
            key=work.key.rsplit(":overdue:", 1)[0] + f":overdue:{following.date().isoformat()}:{work.payload['target']}",
            due_at=following, payload={**work.payload, "day": local_day(following, zone).isoformat()}, now=now)
