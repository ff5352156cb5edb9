"""Due work for decisions: close at the deadline, remind deciders who have not voted (once each), review assumptions.

Only the keys and the enqueueing; what is done when the work falls due is in bot/usecases/consensus.py."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.domain.consensus import Decision
from bot.domain.consensus_times import reminder_times, sane_hour
from storage.db import Session
from storage.due_work import enqueue

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
