"""The decision export (`alliancebot export decisions`): every decision with its rounds, votes and governance load.

Anonymous decisions are exported without any name next to a vote or a concern. While one is open,
its current round shows only how many of each partner have voted: level counts, concerns and the
governance load's concerns are withheld (`null`, or empty in CSV), so that two exports taken before
and after someone's vote tell nothing of it. After the close, counts come out where they cannot
reveal a single vote (bot.domain.consensus.disclosure; docs/anonymity.md).
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.domain.consensus import Decision, GovernanceLoad, Level, RoundRecord, tally
from bot.domain.disclosure import disclosure, sealed_now
from bot.domain.escalation import Dispute
from bot.domain.governance import party_votes_as_votes
from bot.domain.governance_load import DecisionPath, LoadFigures, path_text
from bot.views.concerns import register_cell, register_record

CSV_COLUMNS = ("decision_id", "channel_id", "creator_id", "voting", "status", "outcome", "created_at", "closed_at", "cycle_time_hours",
               "rounds", "round", "proposal", "round_started_at", "round_ended_at", "voted", "voted_by_partner",
               *(f"votes_{level.value}" for level in Level), "votes_by_partner", "concerns", "assumptions", "review_at",
               "load_votes", "load_vote_changes", "load_concerns", "load_revisions", "load_reminders", "governance_load",
               "dispute", "path", "concerns_register")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _round(decision: Decision, record: RoundRecord) -> dict[str, Any]:
    counted = tally(record.votes, decision.decider_ids, decision.partners,
                    decision.decider_ids if decision.anonymous else None)
    shown = disclosure(counted, anonymous=decision.anonymous, running=record.span.ended_at is None)
    by_partner = None
    if shown.by_partner:
        by_partner = {_partner(group.partner): {level.value: group.count(level) for level in Level} for group in counted.by_partner}
    concerns = [{"level": v.level.value, "concern": v.concern, **({} if decision.anonymous else {"voter_id": v.voter_id})}
                for v in sorted(record.votes, key=lambda v: (v.level is not Level.BLOCK, v.concern or "")) if v.concern]
    return {"round": record.span.number, "proposal": record.proposal, "started_at": _iso(record.span.started_at),
            "ended_at": _iso(record.span.ended_at),
            "voted": {"total": counted.overall.total, "by_partner": {_partner(group.partner): group.total for group in counted.by_partner}},
            "votes": {level.value: counted.overall.count(level) for level in Level} if shown.levels else None,
            "votes_by_partner": by_partner, "concerns": concerns if shown.concerns else None}


def _partner(name: str | None) -> str:
    return name or "(no partner)"


def _load(decision: Decision) -> dict[str, int | None]:
    """The governance load; while an anonymous decision is open, without its concerns (and so without
    the total): a count of concerns that grows right after someone votes says they did not Support."""
    load = decision.load or GovernanceLoad()
    hidden = sealed_now(decision)
    return {"votes": load.votes, "vote_changes": load.vote_changes, "concerns": None if hidden else load.concerns,
            "revisions": load.revisions, "reminders": load.reminders, "total": None if hidden else load.total}


def _dispute(dispute: Dispute | None) -> dict[str, Any] | None:
    """A body decision's dispute (issue 19): where it is or how it ended, and every step."""
    if dispute is None:
        return None
    return {"status": dispute.status.value, "body": dispute.body, "bodies": list(dispute.bodies()),
            "window_ends_at": _iso(dispute.window_ends_at), "resolution": dispute.resolution.value if dispute.resolution else None,
            "steps": [{"kind": s.kind.value, "body": s.body, "round": s.round, "at": _iso(s.at), "business_days": s.business_days,
                       "detail": s.detail} for s in dispute.steps]}


def export_record(decision: Decision, rounds: Sequence[RoundRecord], dispute: Dispute | None = None,
                  path: DecisionPath | None = None) -> dict[str, Any]:
    """One decision as exported (with its dispute, if it had one, and its path: bodies, rounds, escalations, business
    days, interactions). In a one-vote-per-party body, the parties' votes (as their leads'): the members' own positions
    stay with their company, in the export as everywhere."""
    if decision.by_party and decision.body is not None:
        body = decision.body
        rounds = [replace(r, votes=tuple(party_votes_as_votes(body, r.party_votes))) for r in rounds]
        decision = decision.shared()
    created_at, closed_at = decision.created_at, decision.closed_at
    cycle = (closed_at - created_at).total_seconds() / 3600 if closed_at and created_at else None
    return {
        "decision_id": decision.id, "channel_id": decision.channel_id, "creator_id": decision.creator_id,
        "voting": "anonymous" if decision.anonymous else "one vote per party" if decision.by_party else "named", "status": decision.status,
        "body": decision.body.name if decision.body else None, "decision_type": decision.decision_type,
        "outcome": decision.outcome.value if decision.outcome else None, "created_at": _iso(created_at), "closed_at": _iso(closed_at),
        "cycle_time_hours": round(cycle, 2) if cycle is not None else None, "rounds": [_round(decision, r) for r in rounds],
        "assumptions": list(decision.assumptions), "review_at": _iso(decision.review_at),
        "governance_load": _load(decision), "concerns_register": register_record(decision),
        "dispute": _dispute(dispute), "path": _path(path),
    }


def _path(path: DecisionPath | None) -> dict[str, Any] | None:
    if path is None:
        return None
    return {"bodies": list(path.bodies), "rounds": path.rounds, "escalations": path.escalations, "business_days": path.business_days,
            "interactions": path.interactions, "decided_at": _iso(path.decided_at)}


def load_record(load: LoadFigures) -> dict[str, Any]:
    """A channel's governance load over 90 days, as exported beside its decisions."""
    return {"decisions": load.decisions, "per_body": dict(load.per_body), "escalated_share": load.escalated_share,
            "median_business_days": load.median_business_days, "interactions_per_decision": load.interactions_per_decision}


WITHHELD = "(withheld: anonymous)"


def _dispute_line(dispute: dict[str, Any] | None) -> str:
    """The dispute in one CSV cell: its path, status and steps."""
    if not dispute:
        return ""
    steps = "; ".join(f"{s['kind']} {s['body']} {s['at']}" + (f" ({s['business_days']} business days)" if s["business_days"] is not None else "")
                      + (f": {s['detail']}" if s["kind"] == "defaulted" and s["detail"] else "") for s in dispute["steps"])
    return f"{' → '.join(dispute['bodies'])}: {dispute['status']}" + (f" ({dispute['resolution']})" if dispute["resolution"] else "") + f" | {steps}"


def to_json(records: Sequence[dict[str, Any]], load: Mapping[str, dict[str, Any]] | None = None) -> str:
    """The export as a JSON document (with each channel's governance load over 90 days, when given)."""
    document: dict[str, Any] = {"decisions": list(records)}
    if load is not None:
        document["governance_load_90_days"] = dict(load)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def path_line(path: dict[str, Any] | None) -> str:
    """A decision's path in one CSV cell."""
    if not path:
        return ""
    return path_text(DecisionPath(0, tuple(path["bodies"]), path["rounds"], path["escalations"], path["business_days"], path["interactions"]))


def to_csv(records: Sequence[dict[str, Any]]) -> str:
    """The export as CSV: one row per round, the decision's fields repeated."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        load = record["governance_load"]
        for r in record["rounds"]:
            partners = "; ".join(f"{name}: " + ", ".join(f"{level} {n}" for level, n in counts.items())
                                 for name, counts in (r["votes_by_partner"] or {}).items()) if r["votes_by_partner"] is not None else WITHHELD
            concerns = WITHHELD if r["concerns"] is None else " | ".join(
                (f"{c['voter_id']} " if "voter_id" in c else "") + f"{c['level']}: {c['concern']}" for c in r["concerns"])
            writer.writerow({
                **{k: record[k] for k in ("decision_id", "channel_id", "creator_id", "voting", "status", "outcome", "created_at",
                                           "closed_at", "cycle_time_hours", "review_at")},
                "rounds": len(record["rounds"]), "round": r["round"], "proposal": r["proposal"], "round_started_at": r["started_at"],
                "round_ended_at": r["ended_at"], "voted": r["voted"]["total"],
                "voted_by_partner": "; ".join(f"{name}: {n}" for name, n in r["voted"]["by_partner"].items()),
                **{f"votes_{level.value}": (r["votes"] or {}).get(level.value) for level in Level},
                "votes_by_partner": partners, "concerns": concerns, "assumptions": " | ".join(record["assumptions"]),
                **{f"load_{k}": load[k] for k in ("votes", "vote_changes", "concerns", "revisions", "reminders")},
                "governance_load": load["total"], "concerns_register": register_cell(record["concerns_register"], r["round"]),
                "dispute": _dispute_line(record["dispute"]),
                "path": path_line(record.get("path")),
            })
    return out.getvalue()
