"""Repository for disputes of body decisions: open one, record its steps (each once), move it up, end it; and the one
change escalation makes to a decision, a new round in the body the dispute went to."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.domain.consensus import DecisionStatus, Level, RoundRecord, RoundSpan, Vote
from bot.domain.escalation import Dispute, DisputeStatus, Resolution, Step, StepKind, Window
from bot.domain.governance import Body, PartyVote
from storage.decisions import next_round
from storage.governance import body_to_dict
from storage.models.decisions import DecisionRow, PartyVoteRow, RoundRow, VoteRow
from storage.models.disputes import DisputeRow, DisputeStepRow

LIVE = (DisputeStatus.OPEN.value, DisputeStatus.ESCALATED.value)


def _dialect(session: Session) -> object:
    return postgresql if session.get_bind().dialect.name == "postgresql" else sqlite


def open_dispute(session: Session, decision_id: int, body: str, window: Window) -> int | None:
    """Open a decision's dispute in `body` with its window; None (nothing stored) when the decision has one already (a
    concurrent close got there first)."""
    table = cast(Table, DisputeRow.__table__)
    inserted = session.execute(_dialect(session).insert(table).values(  # type: ignore[attr-defined]
        decision_id=decision_id, body=body, status=DisputeStatus.OPEN.value, opened_at=window.opened_at,
        window_ends_at=window.ends_at).on_conflict_do_nothing(index_elements=["decision_id"]).returning(table.c.id)).scalar()
    return int(inserted) if inserted is not None else None


def add_step(session: Session, dispute_id: int, step: Step) -> int | None:
    """Record a step; its id, or None when that kind of step is already recorded for that body (a retried job)."""
    table = cast(Table, DisputeStepRow.__table__)
    inserted = session.execute(_dialect(session).insert(table).values(  # type: ignore[attr-defined]
        dispute_id=dispute_id, kind=step.kind.value, body=step.body, round=step.round, at=step.at, business_days=step.business_days,
        detail=step.detail).on_conflict_do_nothing(index_elements=["dispute_id", "kind", "body"]).returning(table.c.id)).scalar()
    return int(inserted) if inserted is not None else None


def load_dispute(session: Session, installation_id: int, decision_id: int) -> Dispute | None:
    """The dispute of a decision of this installation, with its steps."""
    return disputes_of(session, installation_id, [decision_id]).get(decision_id)


def disputes_of(session: Session, installation_id: int, decision_ids: Sequence[int]) -> dict[int, Dispute]:
    """The disputes of these decisions of this installation, by decision (two queries however many)."""
    if not decision_ids:
        return {}
    rows = list(session.scalars(select(DisputeRow).join(DecisionRow, DecisionRow.id == DisputeRow.decision_id).where(
        DisputeRow.decision_id.in_(decision_ids), DecisionRow.installation_id == installation_id)))
    steps: dict[int, list[Step]] = {}
    for s in session.scalars(select(DisputeStepRow).where(DisputeStepRow.dispute_id.in_([r.id for r in rows])).order_by(DisputeStepRow.id)):
        steps.setdefault(s.dispute_id, []).append(Step(StepKind(s.kind), s.body, s.round, s.at, s.business_days, s.detail))
    return {r.decision_id: Dispute(r.id, r.decision_id, r.body, DisputeStatus(r.status), r.opened_at, r.window_ends_at,
                                   tuple(steps.get(r.id, ())), Resolution(r.resolution) if r.resolution else None) for r in rows}


def step_by_id(session: Session, installation_id: int, step_id: int) -> Step | None:
    """One step of a dispute of this installation (what a notice is about)."""
    row = session.scalar(select(DisputeStepRow).join(DisputeRow, DisputeRow.id == DisputeStepRow.dispute_id)
                         .join(DecisionRow, DecisionRow.id == DisputeRow.decision_id)
                         .where(DisputeStepRow.id == step_id, DecisionRow.installation_id == installation_id))
    return Step(StepKind(row.kind), row.body, row.round, row.at, row.business_days, row.detail) if row else None


def _end(session: Session, dispute: Dispute, status: DisputeStatus, resolution: Resolution | None = None) -> bool:
    """End a live dispute still with the body the caller saw; False when it had moved on meanwhile."""
    changed = session.execute(update(DisputeRow).where(
        DisputeRow.id == dispute.id, DisputeRow.status.in_(LIVE), DisputeRow.body == dispute.body,
        DisputeRow.window_ends_at == dispute.window_ends_at).values(status=status.value, resolution=resolution.value if resolution else None))
    return bool(changed.rowcount)  # type: ignore[attr-defined]


def settle_dispute(session: Session, dispute: Dispute) -> bool:
    """A round resolved it within its window."""
    return _end(session, dispute, DisputeStatus.SETTLED)


def default_dispute(session: Session, dispute: Dispute, resolution: Resolution) -> bool:
    """The top body's window ended unresolved: its fallback gave `resolution`."""
    return _end(session, dispute, DisputeStatus.DEFAULTED, resolution)


def await_deciding_vote(session: Session, dispute: Dispute) -> bool:
    """The top body's window ended and the deciding party has not voted: the dispute waits for its vote (no window)."""
    return _end(session, dispute, DisputeStatus.AWAITING_PARTY)


def decide_by_party(session: Session, dispute_id: int, resolution: Resolution) -> bool:
    """The deciding party's vote ends a dispute waiting for it; False when it was cast already (a double click)."""
    changed = session.execute(update(DisputeRow).where(DisputeRow.id == dispute_id, DisputeRow.status == DisputeStatus.AWAITING_PARTY.value)
                              .values(status=DisputeStatus.DEFAULTED.value, resolution=resolution.value))
    return bool(changed.rowcount)  # type: ignore[attr-defined]


def escalate_dispute(session: Session, dispute: Dispute, to: str, window: Window) -> bool:
    """Move a live dispute to the next body, whose window now runs; False when it had moved on meanwhile."""
    changed = session.execute(update(DisputeRow).where(
        DisputeRow.id == dispute.id, DisputeRow.status.in_(LIVE), DisputeRow.body == dispute.body,
        DisputeRow.window_ends_at == dispute.window_ends_at).values(
        status=DisputeStatus.ESCALATED.value, body=to, opened_at=window.opened_at, window_ends_at=window.ends_at))
    return bool(changed.rowcount)  # type: ignore[attr-defined]


def round_in_body(session: Session, decision_id: int, body: Body, deciders: Sequence[tuple[str, str | None]], deadline: datetime,
                  now: datetime) -> int | None:
    """The decision's next round, decided by `body` (its members, each for their partner) by `deadline`, on the last
    proposal: how a dispute goes up. The new round's number, or None when the decision was not closed. The decision has no
    message until the new round's is posted (`set_message`), so a vote meanwhile refreshes nothing stale."""
    reopened = session.execute(update(DecisionRow).where(DecisionRow.id == decision_id, DecisionRow.status == DecisionStatus.CLOSED).values(
        status=DecisionStatus.OPEN, outcome=None, closed_at=None, body=body_to_dict(body), deciders=[list(d) for d in deciders],
        deadline=deadline, message_ts=None))
    if not reopened.rowcount:  # type: ignore[attr-defined]
        return None
    return next_round(session, decision_id, None, now)


def round_records(session: Session, decision_id: int, since: int = 1) -> list[RoundRecord]:
    """The decision's rounds from number `since` on, each with its members' and parties' votes (a body decision is never
    anonymous), for the deciding party's last position."""
    records = []
    for r in session.scalars(select(RoundRow).where(RoundRow.decision_id == decision_id, RoundRow.number >= since).order_by(RoundRow.number)):
        votes = tuple(Vote(v.voter_id, v.partner, Level(v.level), v.concern)
                      for v in session.scalars(select(VoteRow).where(VoteRow.round_id == r.id).order_by(VoteRow.id)))
        party = tuple(PartyVote(p.partner, Level(p.level), p.cast_by, p.concern)
                      for p in session.scalars(select(PartyVoteRow).where(PartyVoteRow.round_id == r.id).order_by(PartyVoteRow.id)))
        records.append(RoundRecord(RoundSpan(r.number, r.started_at, r.ended_at), r.proposal, votes, party))
    return records
