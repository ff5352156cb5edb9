"""Channel digests: preview one, set when it is posted, and post it when it falls due."""
from __future__ import annotations

from dataclasses import replace

from bot.domain.digest import parse_schedule, previous_firing
from bot.scheduler.delivery import post_once
from bot.scheduler.digests import queue_firing, schedule_digest
from bot.scheduler.work import Sent
from bot.services import Services
from bot.usecases.governance_load import channel_figures
from bot.usecases.zones import alliance_zone
from bot.views import digest as views
from bot.views.digest import Message
from storage.digests import DEFAULT_SOURCES, DigestSources, digest_rule, gather, set_digest_rule
from storage.due_work import ClaimedWork


def command(services: Services, installation_id: int, channel_id: str, text: str) -> Message:
    """`/digest`: no text previews, `help` explains, anything else sets the schedule."""
    text = text.strip()
    if text.lower() == "help":
        return views.help_message()
    if not text:
        return preview(services, installation_id, channel_id)
    return set_schedule(services, installation_id, channel_id, text)


def preview(services: Services, installation_id: int, channel_id: str) -> Message:
    """What the next digest would say now, since the last firing."""
    now = services.clock.now()
    with services.db.read() as session:
        rule, _ = digest_rule(session, installation_id, channel_id)
        zone = alliance_zone(session, installation_id, channel_id)
        digest = gather(session, installation_id, channel_id, now=now, since=previous_firing(rule, now), zone=zone)
        digest = replace(digest, load=channel_figures(session, installation_id, channel_id, now))
    return views.digest_message(digest, rule, preview=True)


def set_schedule(services: Services, installation_id: int, channel_id: str, text: str) -> Message:
    """Read the schedule in the alliance's zone, store it and queue its next firing (`off` stops it)."""
    now = services.clock.now()
    with services.db.read() as session:
        zone = alliance_zone(session, installation_id, channel_id)
    rule = parse_schedule(text, zone)
    with services.db.write() as session:
        version = set_digest_rule(session, installation_id, channel_id, rule, now)
        schedule_digest(session, installation_id, channel_id, rule, version, now)
    return views.schedule_note(rule)


def post_due(services: Services, work: ClaimedWork, sources: DigestSources = DEFAULT_SOURCES) -> Sent:
    """The scheduler's job: queue the next firing, then post this one (at most once)."""
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
        digest = replace(digest, load=channel_figures(session, work.installation_id, channel, now))
    text, blocks = views.digest_message(digest, rule)
    return post_once(services.gateway, work, channel, text, blocks, now=now)
