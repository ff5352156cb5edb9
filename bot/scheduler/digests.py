"""Due work for channel digests: one row per firing, keyed by its UTC instant, each queueing the next
(the job that posts a firing is `bot.usecases.digests.post_due`).

The firing times come from `bot.domain.recurrence` (local wall-clock rules, right across DST).
Each row's key names the schedule version and the instant, so a retry, a restart or a second
scheduler cannot add a firing twice, and a changed schedule's old rows are recognisably stale.
"""
from __future__ import annotations

from datetime import datetime

from bot.domain.recurrence import Rule
from storage.db import Session
from storage.due_work import cancel_prefix, enqueue

DIGEST = "channel_digest"


def digest_key(installation_id: int, channel_id: str) -> str:
    """The prefix of every firing of one channel's digest."""
    return f"{installation_id}:digest:{channel_id}:"


def queue_firing(session: Session, installation_id: int, channel_id: str, rule: Rule, version: int, after: datetime, now: datetime) -> datetime:
    """Enqueue the first firing strictly after `after`; returns its instant."""
    at = rule.next_after(after)
    enqueue(session, installation_id=installation_id, kind=DIGEST, key=f"{digest_key(installation_id, channel_id)}v{version}:{at.isoformat()}",
            due_at=at, payload={"channel": channel_id, "version": version}, now=now)
    return at


def schedule_digest(session: Session, installation_id: int, channel_id: str, rule: Rule | None, version: int, now: datetime) -> datetime | None:
    """Replace the channel's queued firing with the new schedule's next one (none when off)."""
    cancel_prefix(session, installation_id, digest_key(installation_id, channel_id))
    return queue_firing(session, installation_id, channel_id, rule, version, now, now) if rule else None
