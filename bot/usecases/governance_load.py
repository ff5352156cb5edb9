"""The governance load (issue 19, point 5): each decision's path (bodies, rounds, escalations, business days,
interactions) and an alliance's figures over 90 days, for `/consensus log`, the digest and the export.

Business days are counted as the escalation windows count them: in the alliance's zone, skipping weekends and either
partner's public holidays. A decision in a live dispute is not decided yet; one its top body's default ended is
decided when the default applied.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.domain.business_days import Holidays
from bot.domain.consensus import Decision
from bot.domain.disclosure import sealed_now
from bot.domain.escalation import Dispute, DisputeStatus, StepKind, days_between
from bot.domain.governance_load import WINDOW, DecisionPath, LoadFigures, figures, figures_text, path_text
from bot.services import Services
from bot.usecases.business_calendar import alliance_calendar
from bot.views import consensus as decision_views
from bot.views import escalation as escalation_views
from storage.db import Session
from storage.decisions import decided_since
from storage.disputes import disputes_of


def decided_at(decision: Decision, dispute: Dispute | None) -> datetime | None:
    """When the decision was decided: its close, unless a dispute still runs (then not yet) or a default ended it."""
    if dispute is not None:
        if dispute.live or dispute.status is DisputeStatus.AWAITING_PARTY:
            return None
        ended = [s.at for s in dispute.steps if s.kind in (StepKind.SETTLED, StepKind.DEFAULTED)]
        if ended:
            return ended[-1]
    return decision.closed_at if not decision.is_open else None


def path_of(decision: Decision, dispute: Dispute | None, zone: str, is_holiday: Holidays, now: datetime) -> DecisionPath:
    """One decision's path to its outcome (so far, while it runs)."""
    bodies = dispute.bodies() if dispute is not None else ((decision.body.name,) if decision.body else ())
    escalations = sum(1 for s in dispute.steps if s.kind is StepKind.ESCALATED) if dispute is not None else 0
    decided = decided_at(decision, dispute)
    started = decision.created_at or decision.rounds[0].started_at
    # While an anonymous decision is open its concerns are not counted: a count that grows right after someone votes
    # would say they did not Support (as the governance load's own total is withheld then: docs/anonymity.md).
    load = (decision.load.total - (decision.load.concerns if sealed_now(decision) else 0)) if decision.load else 0
    return DecisionPath(decision.id, bodies, decision.round_number, escalations, days_between(started, decided or now, zone, is_holiday),
                        load, decided)


def paths(session: Session, installation_id: int, decisions: Sequence[Decision], now: datetime,
          disputes: Mapping[int, Dispute] | None = None) -> dict[int, DecisionPath]:
    """Each decision's path, with its channel's zone and partners' holidays (`disputes`: already loaded, if the caller has them)."""
    if disputes is None:
        disputes = disputes_of(session, installation_id, [d.id for d in decisions])
    calendars: dict[str, tuple[str, Holidays]] = {}
    out = {}
    for decision in decisions:
        if decision.channel_id not in calendars:
            calendars[decision.channel_id] = alliance_calendar(session, installation_id, decision.channel_id)
        zone, holidays = calendars[decision.channel_id]
        out[decision.id] = path_of(decision, disputes.get(decision.id), zone, holidays, now)
    return out


def channel_figures(session: Session, installation_id: int, channel_id: str, now: datetime) -> LoadFigures:
    """The channel's alliance's figures over the last 90 days."""
    decided = decided_since(session, installation_id, channel_id, now - WINDOW)
    return figures(list(paths(session, installation_id, decided, now).values()), now)


def listing(services: Services, installation_id: int, channel_id: str, decisions: list[Decision], *, log: bool) -> decision_views.Message:
    """`/consensus log` (or `list`): each decision with its path and, for a body decision, its dispute's steps; the log
    opens with the alliance's figures over 90 days."""
    now = services.clock.now()
    with services.db.read() as session:
        found = disputes_of(session, installation_id, [d.id for d in decisions])
        routes = paths(session, installation_id, decisions, now, found)
        load = channel_figures(session, installation_id, channel_id, now) if log else None
    notes = {d.id: "\n".join(line for line in (f":footprints: {path_text(routes[d.id])}" if d.id in routes else "",
                                               escalation_views.dispute_summary(found[d.id]) if d.id in found else "") if line)
             for d in decisions}
    if log:
        return decision_views.decision_log(decisions, notes, summary=f":bar_chart: Last 90 days: {figures_text(load)}" if load else None)
    return decision_views.decision_list(decisions, notes)
