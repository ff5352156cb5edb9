"""Repository for consensus decisions, their rounds and votes; votes are upserts under a unique key."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.domain.consensus import Decision, Level, Outcome, Proposal, RoundSpan, Vote
from storage.models import DecisionRow, RoundRow, VoteRow


def create_decision(session: Session, *, installation_id: int, channel_id: str, creator_id: str, proposal: Proposal,
                    deciders: Sequence[tuple[str, str | None]], partners: Sequence[str], now: datetime) -> int:
    """Start a decision with its first round; returns its id."""
    row = DecisionRow(installation_id=installation_id, channel_id=channel_id, creator_id=creator_id, status="open",
                      deciders=[list(d) for d in deciders], partners=list(partners), created_at=now, background=proposal.background,
                      preread_url=proposal.preread_url, deadline=proposal.deadline, auto_close=proposal.auto_close)
    session.add(row)
    session.flush()
    session.add(RoundRow(decision_id=row.id, number=1, proposal=proposal.text, started_at=now))
    return row.id


def set_message(session: Session, decision_id: int, ts: str) -> None:
    """Remember which message shows the decision (the first one also roots the rounds' thread)."""
    session.execute(update(DecisionRow).where(DecisionRow.id == decision_id).values(message_ts=ts))
    session.execute(update(DecisionRow).where(DecisionRow.id == decision_id, DecisionRow.thread_ts.is_(None)).values(thread_ts=ts))


def load_decision(session: Session, installation_id: int, decision_id: int) -> Decision | None:
    """A decision of this installation (never another workspace's), with its current round's votes."""
    row = session.scalar(select(DecisionRow).where(DecisionRow.id == decision_id, DecisionRow.installation_id == installation_id))
    if row is None:
        return None
    rounds = list(session.scalars(select(RoundRow).where(RoundRow.decision_id == row.id).order_by(RoundRow.number)))
    current = rounds[-1]
    votes = session.scalars(select(VoteRow).where(VoteRow.round_id == current.id).order_by(VoteRow.id))
    return Decision(
        id=row.id, channel_id=row.channel_id, creator_id=row.creator_id, status=row.status,
        outcome=Outcome(row.outcome) if row.outcome else None, message_ts=row.message_ts, thread_ts=row.thread_ts, partners=tuple(row.partners),
        deciders=tuple((str(u), p) for u, p in row.deciders), round_number=current.number, proposal=current.proposal,
        rounds=tuple(RoundSpan(r.number, r.started_at, r.ended_at) for r in rounds),
        votes=tuple(Vote(v.voter_id, v.partner, Level(v.level), v.concern) for v in votes),
        deadline=row.deadline, auto_close=row.auto_close, background=row.background, preread_url=row.preread_url,
        assumptions=tuple(row.assumptions or ()), review_at=row.review_at,
    )


def cast_vote(session: Session, decision: Decision, vote: Vote, now: datetime) -> str:
    """Set a decider's vote in the current round: "new", "changed" or "unchanged" (a repeated click)."""
    round_id = session.scalar(select(RoundRow.id).where(RoundRow.decision_id == decision.id, RoundRow.number == decision.round_number))
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(VoteRow).values(round_id=round_id, voter_id=vote.voter_id, partner=vote.partner, level=vote.level.value,
                                            concern=vote.concern, changes=0, updated_at=now)
    # One row per (round, voter) under a unique constraint: concurrent clicks cannot add a second
    # vote, and the last one wins. An identical click updates nothing.
    excluded = insert.excluded
    statement = insert.on_conflict_do_update(
        index_elements=["round_id", "voter_id"],
        set_={"level": excluded.level, "concern": excluded.concern, "partner": excluded.partner,
              "changes": VoteRow.changes + 1, "updated_at": excluded.updated_at},
        where=(VoteRow.level != excluded.level) | (VoteRow.concern.is_distinct_from(excluded.concern)),
    ).returning(VoteRow.changes)
    changes = session.execute(statement).scalar()
    if changes is None:
        return "unchanged"
    return "new" if changes == 0 else "changed"


def close_decision(session: Session, decision_id: int, outcome: Outcome, now: datetime) -> bool:
    """Close an open decision with its outcome; False when it was already closed."""
    result = session.execute(update(DecisionRow).where(DecisionRow.id == decision_id, DecisionRow.status == "open")
                             .values(status="closed", outcome=outcome.value, closed_at=now))
    if result.rowcount:  # type: ignore[attr-defined]
        session.execute(update(RoundRow).where(RoundRow.decision_id == decision_id, RoundRow.ended_at.is_(None)).values(ended_at=now))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def start_round(session: Session, decision_id: int, proposal: str, now: datetime) -> int | None:
    """Reopen a decision that ended without consensus with a revised proposal; returns the new
    round's number, or None when it was not (or no longer) closed without consensus."""
    reopened = session.execute(update(DecisionRow).where(
        DecisionRow.id == decision_id, DecisionRow.status == "closed", DecisionRow.outcome == Outcome.NO_CONSENSUS.value,
    ).values(status="open", outcome=None, closed_at=None))
    if not reopened.rowcount:  # type: ignore[attr-defined]
        return None
    last = session.scalar(select(RoundRow).where(RoundRow.decision_id == decision_id).order_by(RoundRow.number.desc()).limit(1))
    if last is None:
        raise ValueError(f"decision {decision_id} has no rounds")
    if last.ended_at is None:
        last.ended_at = now
    session.add(RoundRow(decision_id=decision_id, number=last.number + 1, proposal=proposal, started_at=now))
    return last.number + 1


def channel_decisions(session: Session, installation_id: int, channel_id: str, *, open_ones: bool, limit: int = 20) -> list[Decision]:
    """The channel's open decisions (oldest first) or decided ones (newest first)."""
    query = select(DecisionRow.id).where(DecisionRow.installation_id == installation_id, DecisionRow.channel_id == channel_id,
                                         DecisionRow.status == ("open" if open_ones else "closed"))
    query = query.order_by(DecisionRow.id if open_ones else DecisionRow.closed_at.desc()).limit(limit)
    found = (load_decision(session, installation_id, decision_id) for decision_id in session.scalars(query))
    return [d for d in found if d is not None]


def record_assumptions(session: Session, decision_id: int, assumptions: Sequence[str], review_at: datetime | None) -> None:
    """Keep the assumptions a decision rests on, and when to review them."""
    session.execute(update(DecisionRow).where(DecisionRow.id == decision_id).values(assumptions=list(assumptions), review_at=review_at))


def awaiting_vote(session: Session, installation_id: int, user_id: str, limit: int = 30) -> list[Decision]:
    """Open decisions where `user_id` decides and has not voted in the current round, soonest deadline first."""
    query = select(DecisionRow).where(DecisionRow.installation_id == installation_id, DecisionRow.status == "open").order_by(DecisionRow.id)
    mine = [row.id for row in session.scalars(query) if any(str(u) == user_id for u, _ in row.deciders)]
    found = (load_decision(session, installation_id, decision_id) for decision_id in mine)
    waiting = [d for d in found if d is not None and all(v.voter_id != user_id for v in d.votes)]
    return sorted(waiting, key=lambda d: (d.deadline is None, d.deadline.timestamp() if d.deadline else 0.0, d.id))[:limit]
