"""A decision's path: its interactions never tell, while an anonymous decision is open, whether a voter gave a concern."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from bot.domain.business_days import no_holidays
from bot.domain.consensus import Decision, DecisionStatus, GovernanceLoad, Outcome, RoundSpan
from bot.usecases.governance_load import path_of

T0 = datetime(2027, 3, 1, 9, tzinfo=timezone.utc)  # a Monday


def decision(anonymous: bool, load: GovernanceLoad, closed: bool = False) -> Decision:
    status, outcome = (DecisionStatus.CLOSED, Outcome.QUALIFIED) if closed else (DecisionStatus.OPEN, None)
    return Decision(1, "C1", "UA1", status, outcome, None, None, ("Alpha", "Beta"), (("UA1", "Alpha"), ("UB1", "Beta")), 1, "Approve",
                    (RoundSpan(1, T0),), (), anonymous=anonymous, load=load, created_at=T0,
                    closed_at=T0 + timedelta(days=9) if closed else None)


def test_an_open_anonymous_decision_counts_no_concerns() -> None:
    support, accept_with_concern = GovernanceLoad(votes=1), GovernanceLoad(votes=1, concerns=1)
    now = T0 + timedelta(days=2)
    paths = [path_of(decision(True, load), None, "Europe/Berlin", no_holidays, now) for load in (support, accept_with_concern)]
    assert paths[0] == paths[1] and paths[0].interactions == 1 and paths[0].decided_at is None and paths[0].business_days == 2
    named = path_of(decision(False, accept_with_concern), None, "Europe/Berlin", no_holidays, now)
    assert named.interactions == 2  # a named decision shows its concerns anyway
    closed = path_of(replace(decision(True, accept_with_concern, closed=True)), None, "Europe/Berlin", no_holidays, now + timedelta(days=30))
    assert closed.interactions == 2 and closed.decided_at == T0 + timedelta(days=9) and closed.business_days == 7
