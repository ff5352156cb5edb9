"""Repository for an alliance's governance bodies: saved whole (a change is a new snapshot in their history)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.governance import Body, BodyMember, DecisionRule, Fallback, FallbackKind, QuorumRule
from storage.models.governance import BodyChangeRow, GovernanceBodyRow


def _members(body: Body) -> list[dict[str, Any]]:
    return [{"user_id": m.user_id, "partner": m.partner, "lead": m.lead} for m in body.members]


def body_to_dict(body: Body) -> dict[str, Any]:
    """A body as JSON: its history's snapshots, and the copy a decision keeps of the body it is decided in."""
    return {"name": body.name, "members": _members(body), "rule": body.rule.value, "quorum": body.quorum.value,
            "window_days": body.window_days, "escalates_to": body.escalates_to, "fallback": _fallback(body)}


def body_from_dict(saved: dict[str, Any]) -> Body:
    """The body `body_to_dict` wrote."""
    fallback = None
    if saved.get("fallback"):
        f = saved["fallback"]
        fallback = Fallback(FallbackKind(f.get("kind", FallbackKind.STATUS_QUO.value)), f.get("party"),
                            tuple(f.get("decision_types") or ()), str(f.get("clause") or ""))
    members = tuple(BodyMember(str(m["user_id"]), str(m["partner"]), bool(m.get("lead"))) for m in saved.get("members") or [])
    return Body(str(saved["name"]), members, DecisionRule(saved["rule"]), QuorumRule(saved["quorum"]), int(saved["window_days"]),
                saved.get("escalates_to"), fallback)


def _fallback(body: Body) -> dict[str, Any] | None:
    if body.fallback is None:
        return None
    f = body.fallback
    return {"kind": f.kind.value, "party": f.party, "decision_types": list(f.decision_types), "clause": f.clause}


def _body(row: GovernanceBodyRow) -> Body:
    return body_from_dict({"name": row.name, "members": row.members, "rule": row.rule, "quorum": row.quorum,
                           "window_days": row.window_days, "escalates_to": row.escalates_to, "fallback": row.fallback})


def channel_bodies(session: Session, installation_id: int, channel_id: str) -> list[Body]:
    """The alliance's bodies, in the order they were first set up."""
    rows = session.scalars(select(GovernanceBodyRow).where(GovernanceBodyRow.installation_id == installation_id,
                                                           GovernanceBodyRow.channel_id == channel_id).order_by(GovernanceBodyRow.id))
    return [_body(row) for row in rows]


def save_body(session: Session, installation_id: int, channel_id: str, body: Body, *, by_user: str, now: datetime,
              replacing: str | None = None) -> None:
    """Store a body (a new one, or the one called `replacing`, renamed if need be) and keep the change in its history."""
    row = session.scalar(select(GovernanceBodyRow).where(
        GovernanceBodyRow.installation_id == installation_id, GovernanceBodyRow.channel_id == channel_id,
        GovernanceBodyRow.name == (replacing or body.name)))
    if row is None:
        row = GovernanceBodyRow(installation_id=installation_id, channel_id=channel_id, created_at=now)
        session.add(row)
    row.name, row.members, row.rule, row.quorum = body.name, _members(body), body.rule.value, body.quorum.value
    row.window_days, row.escalates_to, row.fallback, row.updated_at = body.window_days, body.escalates_to, _fallback(body), now
    session.flush()
    session.add(BodyChangeRow(body_id=row.id, changed_at=now, changed_by=by_user,
                              snapshot=body_to_dict(body),
                              note="set up" if replacing is None and row.created_at == now else "changed"))


def body_history(session: Session, installation_id: int, channel_id: str, name: str) -> list[tuple[datetime, str, dict[str, Any]]]:
    """(when, by whom, the body as saved) for each change of one body, oldest first."""
    rows = session.execute(select(BodyChangeRow.changed_at, BodyChangeRow.changed_by, BodyChangeRow.snapshot)
                           .join(GovernanceBodyRow, GovernanceBodyRow.id == BodyChangeRow.body_id)
                           .where(GovernanceBodyRow.installation_id == installation_id, GovernanceBodyRow.channel_id == channel_id,
                                  GovernanceBodyRow.name == name).order_by(BodyChangeRow.id)).all()
    return [(r.changed_at, r.changed_by, dict(r.snapshot)) for r in rows]
