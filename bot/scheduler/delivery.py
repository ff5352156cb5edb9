"""Posting due work at most once, even when an earlier claim of it may have posted and then died, and telling a person privately.

Slack's chat.postMessage has no idempotency key. Every post made for due work therefore carries
the work's key in its message metadata; when work comes back for another attempt (its claimer
crashed after posting, or the post's outcome was unclear), we look for that key in the
conversation before posting again.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.domain.reach import is_person
from bot.scheduler.work import Failed, Sent
from bot.slack_edge.gateway import SlackGateway
from bot.slack_edge.private_messages import tell_privately
from storage.db import Database
from storage.due_work import ClaimedWork

EVENT_TYPE = "alliancebot_due_work"
# Retries of one piece of work end within about five hours (see bot.scheduler.work.BACKOFF).
LOOK_BACK = timedelta(days=1)


def post_once(gateway: SlackGateway, work: ClaimedWork, channel: str, text: str, blocks: list[dict[str, Any]] | None = None,
              *, thread_ts: str | None = None, broadcast: bool = False, now: datetime) -> Sent:
    """Post the message for `work` unless an earlier attempt already did; `channel` may be a user id (a DM)."""
    if work.attempt > 1:
        conversation = gateway.open_dm(channel) if is_person(channel) else channel
        found = gateway.find_marked_message(conversation, EVENT_TYPE, work.key, oldest=now - LOOK_BACK, thread_ts=thread_ts)
        if found:
            return Sent({"channel": conversation, "ts": found, "reconciled": True})
    ts = gateway.post_message(channel, text, blocks, thread_ts=thread_ts, broadcast=broadcast,
                              metadata={"event_type": EVENT_TYPE, "event_payload": {"key": work.key}})
    return Sent({"channel": channel, "ts": ts})


def tell_once(gateway: SlackGateway, db: Database, work: ClaimedWork, user: str, channel: str, text: str,
              blocks: list[dict[str, Any]] | None = None, *, now: datetime) -> Sent | Failed:
    """Tell `user` privately for `work`: a DM posted at most once (`post_once`), else an ephemeral in `channel`.

    An ephemeral leaves nothing a retry could find, so a retry after an unclear outcome may show it
    twice (docs/reliability.md). When Slack refuses every route the work fails at once, not retried.
    """
    told = tell_privately(gateway, db, work.installation_id, user, channel, text, blocks, now=now,
                          dm=lambda: post_once(gateway, work, user, text, blocks, now=now).result)
    if told.route is None:
        return Failed(f"no way to tell {user} privately: {'; '.join(told.result.get('refused', []))}")
    return Sent({**told.result, "route": told.route.value})
