"""The concerns register's use cases: a round's concerns registered in the transaction that closes it, and a revision's
answers marked in the transaction that starts the next round. `bot.usecases.consensus` calls these instead of the
bare repository functions, so that no close or revision can skip the register."""
from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from bot.domain.concerns import counted_votes, raised
from bot.domain.consensus import Decision, Outcome
from bot.views.concerns import answered as answered_in_form
from storage.concerns import mark_addressed, register_round
from storage.db import Session
from storage.decisions import close_decision, load_decision
from storage.decisions import start_round as start_next_round


def close(session: Session, installation_id: int, decision: Decision, now: datetime) -> bool:
    """Close `decision` with the outcome its votes give and register the concerns its round raised; False when it was
    already closed (then the close that won registered them).

    The concerns are read back from the votes stored at the close, in the closing transaction, so a vote changed
    before the close leaves no stale concern; a qualified consensus's concerns are registered as assumptions."""
    if not close_decision(session, decision.id, decision.closing_verdict().outcome, now):
        return False
    closed = load_decision(session, installation_id, decision.id)
    if closed is not None:
        votes = counted_votes(closed.votes, closed.decider_ids, body=closed.body, party_votes=closed.party_votes)
        assumptions = closed.verdict().assumptions if closed.outcome is Outcome.QUALIFIED else ()
        register_round(session, closed.id, closed.round_number, raised(votes, anonymous=closed.anonymous), assumptions, now)
    return True


def start_round(session: Session, decision_id: int, proposal: str, answered: Collection[int], now: datetime) -> int | None:
    """Start the revised round (`storage.decisions.start_round`) and mark the open concerns its creator said it answers;
    the new round's number, or None when the decision had already moved on (nothing is marked then)."""
    number = start_next_round(session, decision_id, proposal, now)
    if number is not None:
        mark_addressed(session, decision_id, answered, number, now)
    return number


def answered(values: Mapping[str, Any]) -> tuple[int, ...]:
    """The concerns the revise form's creator ticked as answered by the new round."""
    return answered_in_form(values)
