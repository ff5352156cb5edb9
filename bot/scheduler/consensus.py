"""Due work for decisions: close at the deadline, remind deciders who have not voted (once each)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.domain.consensus import Decision, reminder_times, sane_hour
from bot.scheduler.delivery import post_once
from bot.scheduler.work import Sender, Sent
from bot.views import consensus as views
from storage.db import Session
from storage.decisions import close_decision, count_reminder, load_decision
from storage.due_work import ClaimedWork, enqueue

if TYPE_CHECKING:
    from bot.services import Services

CLOSE, REMIND, REVIEW = "decision_close", "decision_reminder", "assumption_review"


def round_key(installation_id: int, decision: Decision) -> str:
    """The prefix of every piece of work for one round of a decision."""
    return f"{installation_id}:decision:{decision.id}:r{decision.round_number}"


def schedule_round(session: Session, installation_id: int, decision: Decision, zones: Mapping[str, str | None], now: Any) -> None:
    """Enqueue the deadline close and each decider's reminders for the decision's current round."""
    if decision.deadline is None or decision.deadline <= now:
        return
    prefix = round_key(installation_id, decision)
    payload = {"decision": decision.id, "round": decision.round_number}
    enqueue(session, installation_id=installation_id, kind=CLOSE, key=f"{prefix}:close", due_at=decision.deadline, payload=payload, now=now)
    for label, at in reminder_times(decision.deadline, now):
        for user in decision.decider_ids:
            due = sane_hour(at, zones.get(user), now=now, deadline=decision.deadline)
            enqueue(session, installation_id=installation_id, kind=REMIND, key=f"{prefix}:remind{label}:{user}", due_at=due,
                    payload={**payload, "user": user}, now=now)


def schedule_nudge(session: Session, installation_id: int, decision: Decision, users: tuple[str, ...], now: Any) -> int:
    """The creator's "Remind non-voters": at most once an hour per person; returns how many were queued."""
    prefix = f"{round_key(installation_id, decision)}:nudge:{now.strftime('%Y%m%d%H')}"
    payload = {"decision": decision.id, "round": decision.round_number}
    return sum(enqueue(session, installation_id=installation_id, kind=REMIND, key=f"{prefix}:{user}", due_at=now,
                       payload={**payload, "user": user}, now=now) for user in users)


def schedule_review(session: Session, installation_id: int, decision: Decision, now: Any) -> None:
    """Enqueue the channel's review of a decision's assumptions (a new date is a new key)."""
    if decision.review_at is None:
        return
    key = f"{installation_id}:decision:{decision.id}:review:{decision.review_at.isoformat()}"
    enqueue(session, installation_id=installation_id, kind=REVIEW, key=key, due_at=decision.review_at,
            payload={"decision": decision.id, "review_at": decision.review_at.isoformat()}, now=now)


def senders(services: Services) -> dict[str, Sender]:
    """The consensus senders, bound to the running services."""

    def current(work: ClaimedWork) -> Decision | None:
        with services.db.read() as session:
            decision = load_decision(session, work.installation_id, int(work.payload["decision"]))
        # A later round or an earlier close makes this piece of work moot.
        if decision is None or decision.status != "open" or decision.round_number != work.payload["round"]:
            return None
        return decision

    def close(work: ClaimedWork) -> Sent:
        decision = current(work)
        if decision is None:
            return Sent({"skipped": "already closed or revised"})
        with services.db.write() as session:
            close_decision(session, decision.id, decision.closing_verdict().outcome, services.clock.now())
            closed = load_decision(session, work.installation_id, decision.id)
        if closed is not None and closed.message_ts:
            text, blocks = views.decision_message(closed, services.clock.now())
            services.gateway.update_message(closed.channel_id, closed.message_ts, text, blocks)
        return Sent({"outcome": closed.outcome.value if closed and closed.outcome else None})

    def remind(work: ClaimedWork) -> Sent:
        decision = current(work)
        user = str(work.payload["user"])
        if decision is None or user in decision.voted_ids:
            return Sent({"skipped": "voted or closed"})
        text, blocks = views.reminder_message(decision)
        sent = post_once(services.gateway, work, user, text, blocks, now=services.clock.now())
        with services.db.write() as session:
            count_reminder(session, decision.id)
        return sent

    def review(work: ClaimedWork) -> Sent:
        with services.db.read() as session:
            decision = load_decision(session, work.installation_id, int(work.payload["decision"]))
        if decision is None or decision.review_at is None or decision.review_at.isoformat() != work.payload["review_at"]:
            return Sent({"skipped": "review date changed"})
        text, blocks = views.review_message(decision)
        return post_once(services.gateway, work, decision.channel_id, text, blocks, thread_ts=decision.thread_ts, broadcast=True,
                         now=services.clock.now())

    return {CLOSE: close, REMIND: remind, REVIEW: review}
