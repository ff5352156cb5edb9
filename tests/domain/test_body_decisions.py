"""Decisions in a body: what both partners see of a one-vote-per-party decision, who casts a party's vote, and the
decision-type templates."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.domain.consensus import Decision, DecisionStatus, Level, Outcome, RoundSpan, Vote, check_can_cast_party_vote
from bot.domain.decision_types import TYPES, background_with, check_fields, default_body, type_of
from bot.domain.errors import FormErrors, UserError
from bot.domain.governance import Body, BodyMember, DecisionRule, PartyVote

T0 = datetime(2027, 3, 1, 9, tzinfo=timezone.utc)
JSC = Body("JSC", (BodyMember("UA1", "Alpha", lead=True), BodyMember("UA2", "Alpha"), BodyMember("UB1", "Beta", lead=True),
                   BodyMember("UB2", "Beta")))


def decision(votes: tuple[Vote, ...] = (), party: tuple[PartyVote, ...] = (), body: Body = JSC) -> Decision:
    return Decision(1, "C1", "UA1", DecisionStatus.OPEN, None, None, None, ("Alpha", "Beta"),
                    tuple((m.user_id, m.partner) for m in body.members), 1, "Approve", (RoundSpan(1, T0),), votes,
                    body=body, party_votes=party)


def test_both_partners_see_the_parties_votes_never_the_positions() -> None:
    positions = (Vote("UA1", "Alpha", Level.SUPPORT), Vote("UA2", "Alpha", Level.BLOCK, "our own risk"), Vote("UB2", "Beta", Level.ACCEPT, "x"))
    d = decision(positions, (PartyVote("Beta", Level.SUPPORT, "UB1"),))
    shared = d.shared()
    assert shared.votes == (Vote("UB1", "Beta", Level.SUPPORT),) and shared.decider_ids == ("UA1", "UB1")
    assert "our own risk" not in repr(shared.votes) and shared.shared() == shared
    assert d.verdict().outcome is Outcome.OPEN  # a member's block is not the party's
    assert d.positions_of("Alpha") == positions[:2] and not d.everyone_voted()
    both = decision(positions, (PartyVote("Beta", Level.SUPPORT, "UB1"), PartyVote("Alpha", Level.ACCEPT, "UA1", "cost")))
    assert both.everyone_voted() and both.closing_verdict().outcome is Outcome.QUALIFIED
    # A decision outside any body is shared as it is.
    plain = decision(positions, body=Body("WG", JSC.members, DecisionRule.MEMBERS_CONSENSUS))
    assert plain.shared() is plain and plain.verdict().outcome is Outcome.NO_CONSENSUS


def test_only_a_partys_lead_casts_its_vote() -> None:
    d = decision()
    assert check_can_cast_party_vote(d, "UA1") == "Alpha" and check_can_cast_party_vote(d, "UB1") == "Beta"
    for someone in ("UA2", "UX9"):
        with pytest.raises(UserError, match="Only each party's lead"):
            check_can_cast_party_vote(d, someone)
    with pytest.raises(UserError, match="no party vote"):
        check_can_cast_party_vote(decision(body=Body("WG", JSC.members, DecisionRule.MEMBERS_MAJORITY)), "UA1")


def test_templates_pick_the_usual_body_and_ask_for_their_facts() -> None:
    budget = type_of("budget_approval")
    assert budget is not None and type_of("nope") is None and type_of(None) is None
    assert default_body(budget, ["JDC", "jsc"]) == "jsc" and default_body(budget, ["JDC"]) == "JDC"
    assert default_body(budget, ["JDC", "CMC"]) is None
    with pytest.raises(FormErrors) as refused:
        check_fields(budget, {"amount": "  ", "period": "FY2027"})
    assert set(refused.value.errors) == {"amount"}
    facts = check_fields(budget, {"amount": "USD 2.4M", "period": " FY2027 "})
    assert background_with(facts, "Why now") == "*Amount and currency:* USD 2.4M\n*Budget period:* FY2027\nWhy now"
    assert all(t.deadline_days > 0 and t.bodies for t in TYPES) and len({t.key for t in TYPES}) == len(TYPES)


def test_a_fallback_names_decision_types_by_their_template() -> None:
    from bot.domain.governance import Fallback, FallbackKind
    budget_only = Fallback(FallbackKind.PARTY_DECIDES, "Alpha", ("budget_approval",), "§4.3(b)")
    assert budget_only.deciding_party("budget_approval") == "Alpha"
    assert budget_only.deciding_party("supply_decision") is None and budget_only.deciding_party("") is None
    assert Fallback(FallbackKind.PARTY_DECIDES, "Beta").deciding_party("publication_approval") == "Beta"  # none named: every type
