"""Governance bodies decide by their rule, with their quorum, and escalate along a ladder without loops (issue 19)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.consensus import Level, Outcome, Vote
from bot.domain.errors import FormErrors
from bot.domain.governance import (
    Body,
    BodyMember,
    DecisionRule,
    Fallback,
    FallbackKind,
    PartyVote,
    QuorumRule,
    body_verdict,
    check_body,
    ladder,
    quorum_met,
)

PARTNERS = ("Acme", "Beta")
JSC = Body("JSC", (BodyMember("UMARIA", "Acme", lead=True), BodyMember("ULEE", "Acme"), BodyMember("UKENJI", "Beta", lead=True),
                   BodyMember("UANNA", "Beta")), fallback=Fallback(FallbackKind.PARTY_DECIDES, "Acme", ("budget",), "§4.3(b)"))
JDC = Body("JDC", JSC.members, window_days=10, escalates_to="JSC")


def test_one_vote_per_party_counts_each_partys_lead_only() -> None:
    # Beta's members disagreed among themselves; only the party's vote, cast by its lead, counts.
    votes = [PartyVote("Acme", Level.SUPPORT, "UMARIA"), PartyVote("Beta", Level.ACCEPT, "UKENJI", "CMC capacity in Q3")]
    assert body_verdict(JSC, party_votes=votes, closed=True).outcome is Outcome.QUALIFIED
    assert body_verdict(JSC, party_votes=votes, closed=True).assumptions == ("CMC capacity in Q3",)
    not_the_lead = [PartyVote("Acme", Level.SUPPORT, "UMARIA"), PartyVote("Beta", Level.SUPPORT, "UANNA")]
    missing = body_verdict(JSC, party_votes=not_the_lead, closed=True)
    assert missing.outcome is Outcome.NO_CONSENSUS and missing.awaiting == ("Beta",)
    blocked = body_verdict(JSC, party_votes=[PartyVote("Beta", Level.BLOCK, "UKENJI", "IP")], closed=False)
    assert blocked.outcome is Outcome.NO_CONSENSUS and blocked.blocking_concerns == ("IP",)


def test_quorum_each_party_or_a_majority_of_members() -> None:
    assert quorum_met(JSC, ["UMARIA", "UANNA"]) and not quorum_met(JSC, ["UMARIA", "ULEE"])
    majority = Body("Finance WG", JSC.members, DecisionRule.MEMBERS_MAJORITY, QuorumRule.MAJORITY_OF_MEMBERS, fallback=Fallback())
    assert quorum_met(majority, ["UMARIA", "ULEE", "UANNA"]) and not quorum_met(majority, ["UMARIA", "ULEE"])
    assert not quorum_met(JSC, ["USTRANGER", "UMARIA"])


def test_a_majority_body_outvotes_a_block_and_keeps_its_concern() -> None:
    body = Body("Finance WG", JSC.members, DecisionRule.MEMBERS_MAJORITY, QuorumRule.MAJORITY_OF_MEMBERS, fallback=Fallback())
    votes = [Vote("UMARIA", "Acme", Level.SUPPORT), Vote("ULEE", "Acme", Level.SUPPORT), Vote("UKENJI", "Beta", Level.SUPPORT),
             Vote("UANNA", "Beta", Level.BLOCK, "Cash flow")]
    found = body_verdict(body, member_votes=votes, closed=True)
    assert found.outcome is Outcome.QUALIFIED and found.assumptions == ("Cash flow",)
    assert body_verdict(body, member_votes=votes[2:], closed=True).outcome is Outcome.NO_CONSENSUS
    assert body_verdict(body, member_votes=votes, closed=False).outcome is Outcome.OPEN


def test_a_body_is_checked_field_by_field_and_its_ladder_has_a_top_and_no_loop() -> None:
    assert check_body(JSC, PARTNERS) == JSC
    with pytest.raises(FormErrors) as problems:
        check_body(Body(" ", (BodyMember("UMARIA", "Acme"),), window_days=-1), PARTNERS)
    assert set(problems.value.errors) == {"name", "members", "window", "fallback"}
    with pytest.raises(FormErrors) as leads:
        check_body(Body("JSC", (BodyMember("UMARIA", "Acme", True), BodyMember("UKENJI", "Beta")), fallback=Fallback()), PARTNERS)
    assert "Beta" in leads.value.errors["leads"]
    assert [b.name for b in ladder({"JSC": JSC, "JDC": JDC}, "JDC")] == ["JDC", "JSC"]
    with pytest.raises(FormErrors):
        ladder({"JDC": JDC, "JSC": Body("JSC", JSC.members, escalates_to="JDC")}, "JDC")
    assert JSC.fallback is not None and JSC.fallback.deciding_party("budget") == "Acme" and JSC.fallback.deciding_party("publication") is None


levels = st.sampled_from(list(Level))


@settings(max_examples=300, deadline=None)
@given(acme=st.lists(levels, min_size=1, max_size=2), beta=st.lists(levels, min_size=1, max_size=2),
       acme_cast=st.booleans(), beta_cast=st.booleans(), order=st.permutations(range(4)))
def test_party_rule_properties(acme: list[Level], beta: list[Level], acme_cast: bool, beta_cast: bool, order: list[int]) -> None:
    """Whatever members think among themselves, only the party votes decide; any party's block means no consensus; a
    missing party means no decision or no consensus, never consensus; the order votes arrive in changes nothing."""
    cast = ([PartyVote("Acme", acme[0], "UMARIA")] if acme_cast else []) + ([PartyVote("Beta", beta[0], "UKENJI")] if beta_cast else [])
    member_noise = [Vote(u, p, lv) for (u, p), lv in zip((("ULEE", "Acme"), ("UANNA", "Beta")), (acme[-1], beta[-1]), strict=True)]
    found = body_verdict(JSC, party_votes=cast, member_votes=member_noise, closed=True)
    shuffled = body_verdict(JSC, party_votes=[cast[i] for i in order if i < len(cast)], closed=True)
    assert found == shuffled
    if any(v.level is Level.BLOCK for v in cast):
        assert found.outcome is Outcome.NO_CONSENSUS
    elif not (acme_cast and beta_cast):
        assert found.outcome in (Outcome.NO_CONSENSUS, Outcome.NO_DECISION)
    else:
        assert found.outcome in (Outcome.FULL, Outcome.QUALIFIED)
        assert (found.outcome is Outcome.FULL) == all(v.level is Level.SUPPORT for v in cast)
