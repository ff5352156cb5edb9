"""Due work for disputes: a body's window ends, its members are reminded the business day before, and each step is told
in the decision's thread (posted as due work, so a close never waits for Slack and a crash never loses or doubles it).

Only the keys and the enqueueing; what is done when the work falls due is in bot/usecases/escalation.py. Keys start with
the decision's (`<installation>:decision:<id>:`), so a per-alliance export or delete finds them.
"""
from __future__ import annotations

from datetime import datetime

from bot.domain.escalation import Window
from storage.db import Session
from storage.due_work import cancel_prefix, enqueue

END, REMIND, NOTICE = "dispute_window_end", "dispute_reminder", "dispute_notice"


def dispute_key(installation_id: int, decision_id: int) -> str:
    """The prefix of every piece of work for a decision's dispute."""
    return f"{installation_id}:decision:{decision_id}:dispute"


def _window_key(installation_id: int, decision_id: int, body: str) -> str:
    return f"{dispute_key(installation_id, decision_id)}:{body}:"


def schedule_window(session: Session, installation_id: int, decision_id: int, body: str, window: Window, now: datetime) -> None:
    """Enqueue the end of `body`'s window and its members' reminder (once each: a body's window is opened once)."""
    prefix = _window_key(installation_id, decision_id, body)
    payload = {"decision": decision_id, "body": body, "ends": window.ends_at.isoformat()}
    enqueue(session, installation_id=installation_id, kind=END, key=f"{prefix}end", due_at=window.ends_at, payload=payload, now=now)
    if window.remind_at is not None:
        enqueue(session, installation_id=installation_id, kind=REMIND, key=f"{prefix}remind", due_at=window.remind_at, payload=payload, now=now)


def cancel_window(session: Session, installation_id: int, decision_id: int, body: str) -> int:
    """Cancel what is left of a body's window (settled in time); how many pieces."""
    return cancel_prefix(session, installation_id, _window_key(installation_id, decision_id, body))


def schedule_notice(session: Session, installation_id: int, decision_id: int, step_id: int, now: datetime) -> None:
    """Tell the channel about a recorded step, now."""
    enqueue(session, installation_id=installation_id, kind=NOTICE, key=f"{dispute_key(installation_id, decision_id)}:step:{step_id}",
            due_at=now, payload={"decision": decision_id, "step": step_id}, now=now)


def schedule_round_message(session: Session, installation_id: int, decision_id: int, round_number: int, now: datetime) -> None:
    """Post the round a dispute went up with (its vote buttons for the next body), now, after the notice that asks it."""
    enqueue(session, installation_id=installation_id, kind=NOTICE, key=f"{dispute_key(installation_id, decision_id)}:round:r{round_number}",
            due_at=now, payload={"decision": decision_id, "round_message": round_number}, now=now)


def schedule_kept(session: Session, installation_id: int, decision_id: int, round_number: int, now: datetime) -> None:
    """Tell the thread that a revised round failed again and the same window keeps running (once per round)."""
    enqueue(session, installation_id=installation_id, kind=NOTICE, key=f"{dispute_key(installation_id, decision_id)}:kept:r{round_number}",
            due_at=now, payload={"decision": decision_id, "kept_round": round_number}, now=now)
