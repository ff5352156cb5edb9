"""Repository for the concerns register: a round's concerns registered when it closes, marked answered by a revision."""
from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.domain.concerns import STRENGTH, Concern, ConcernStatus, RaisedConcern, initial_status
from bot.domain.consensus import Level
from storage.models.concerns import ConcernRow


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def register_round(session: Session, decision_id: int, round_number: int, raised: Sequence[RaisedConcern],
                   assumptions: Collection[str], now: datetime) -> None:
    """Register a closed round's concerns (a second registration of the same round adds nothing); those a qualified
    consensus kept as assumptions, and earlier open ones with the same words, become assumptions to monitor."""
    if raised:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        rows = [{"decision_id": decision_id, "round_raised": round_number, "level": c.level.value, "text": c.text, "text_key": _key(c.text),
                 "partners": list(c.partners), "raised_by": None if c.raised_by is None else list(c.raised_by),
                 "status": initial_status(c, assumptions).value, "addressed_in_round": None, "created_at": now, "updated_at": now}
                for c in raised]
        session.execute(dialect.insert(ConcernRow).on_conflict_do_nothing(index_elements=["decision_id", "round_raised", "text_key"]), rows)
    if assumptions:
        session.execute(update(ConcernRow).where(
            ConcernRow.decision_id == decision_id, ConcernRow.status == ConcernStatus.OPEN.value,
            ConcernRow.text_key.in_([_key(text) for text in assumptions]),
        ).values(status=ConcernStatus.ASSUMPTION.value, updated_at=now))


def mark_addressed(session: Session, decision_id: int, concern_ids: Collection[int], round_number: int, now: datetime) -> int:
    """Mark the decision's open concerns among `concern_ids` as answered by round `round_number`; how many were.
    Ids of another decision, or of a concern no longer open, change nothing."""
    if not concern_ids:
        return 0
    result = session.execute(update(ConcernRow).where(
        ConcernRow.decision_id == decision_id, ConcernRow.id.in_(list(concern_ids)), ConcernRow.status == ConcernStatus.OPEN.value,
    ).values(status=ConcernStatus.ADDRESSED.value, addressed_in_round=round_number, updated_at=now))
    return int(result.rowcount)  # type: ignore[attr-defined]


def concern_registers(session: Session, decision_ids: Collection[int]) -> dict[int, tuple[Concern, ...]]:
    """The register of each decision (of an installation the caller already checked), in one query: by round,
    strongest first."""
    if not decision_ids:
        return {}
    found: dict[int, list[Concern]] = {}
    for row in session.scalars(select(ConcernRow).where(ConcernRow.decision_id.in_(list(decision_ids))).order_by(ConcernRow.id)):
        found.setdefault(row.decision_id, []).append(Concern(
            row.id, row.round_raised, row.text, Level(row.level), tuple(row.partners or ()),
            None if row.raised_by is None else tuple(row.raised_by), ConcernStatus(row.status), row.addressed_in_round))
    return {decision_id: tuple(sorted(concerns, key=lambda c: (c.round_raised, STRENGTH[c.level], c.id)))
            for decision_id, concerns in found.items()}
