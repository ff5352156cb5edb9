"""Due work for channel digests: one row per firing, keyed by its UTC instant, each queueing the next.

The firing times come from `bot.domain.recurrence` (local wall-clock rules, right across DST).
Each row's key names the schedule version and the instant, so a retry, a restart or a second
scheduler cannot add a firing twice, and a changed schedule's old rows are recognisably stale.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.domain.digest import previous_firing
from bot.domain.recurrence import Rule
from bot.scheduler.delivery import post_once
from bot.scheduler.milestones import alliance_zone
from bot.scheduler.work import Sender, Sent
from bot.views import digest as views
from storage.db import Session
from storage.digests import DEFAULT_SOURCES, DigestSources, digest_rule, gather
from storage.due_work import ClaimedWork, cancel_prefix, enqueue

if TYPE_CHECKING:
    from bot.services import Services

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


def senders(services: Services, sources: DigestSources = DEFAULT_SOURCES) -> dict[str, Sender]:
    """The digest sender, bound to the running services."""

    def send(work: ClaimedWork) -> Sent:
        channel = str(work.payload["channel"])
        now = services.clock.now()
        with services.db.write() as session:
            rule, version = digest_rule(session, work.installation_id, channel)
            if rule is None or version != work.payload["version"]:
                return Sent({"skipped": "schedule changed or off"})
            # The next firing first: its key is fixed, so a retry of this one adds nothing, and
            # computing it from this firing (not from now) never skips one across a DST change.
            queue_firing(session, work.installation_id, channel, rule, version, max(work.due_at, now), now)
            zone = alliance_zone(session, work.installation_id, channel)
            digest = gather(session, work.installation_id, channel, now=now, since=previous_firing(rule, work.due_at), zone=zone,
                            sources=sources)
        text, blocks = views.digest_message(digest, rule)
        return post_once(services.gateway, work, channel, text, blocks, now=now)

    return {DIGEST: send}
