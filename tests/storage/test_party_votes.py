"""Decisions in a governance body: the body's copy kept with the decision, and one vote per party under concurrency."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from bot.domain.consensus import Level, Outcome, Proposal, Vote, VoteResult
from bot.domain.governance import Body, BodyMember, PartyVote
from storage.db import Database
from storage.decisions import cast_party_vote, cast_vote, close_decision, create_decision, decision_history, load_decision
from tests.storage.helpers import T0, installation

JSC = Body("JSC", (BodyMember("UA1", "Alpha", lead=True), BodyMember("UA2", "Alpha"), BodyMember("UB1", "Beta", lead=True)),
           escalates_to=None, fallback=None)


def start(db: Database) -> tuple[int, int]:
    inst = installation(db)
    with db.write() as session:
        decision_id = create_decision(session, installation_id=inst, channel_id="C1", creator_id="UA1", proposal=Proposal("Approve the plan"),
                                      deciders=[(m.user_id, m.partner) for m in JSC.members], partners=["Alpha", "Beta"], now=T0,
                                      body=JSC, decision_type="jsc_resolution")
    return inst, decision_id


def party(db: Database, inst: int, decision_id: int, vote: PartyVote) -> VoteResult:
    with db.write() as session:
        decision = load_decision(session, inst, decision_id)
        assert decision is not None
        return cast_party_vote(session, decision, vote, T0)


def test_a_body_decision_keeps_its_body_and_type(database: Database) -> None:
    inst, decision_id = start(database)
    with database.read() as session:
        decision = load_decision(session, inst, decision_id)
    assert decision is not None and decision.body == JSC and decision.decision_type == "jsc_resolution" and decision.by_party


def test_one_vote_per_party_whatever_the_clicks(database: Database) -> None:
    inst, decision_id = start(database)
    clicks = [PartyVote("Alpha", Level.SUPPORT, "UA1"), PartyVote("Alpha", Level.ACCEPT, "UA1", "watch the cost")] * 4
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda v: party(database, inst, decision_id, v), clicks))
    assert results.count(VoteResult.NEW) == 1
    with database.write() as session:
        # A member's own position is a vote of the round; it does not count for the party.
        decision = load_decision(session, inst, decision_id)
        assert decision is not None
        cast_vote(session, decision, Vote("UA2", "Alpha", Level.BLOCK, "too early"), T0)
    assert party(database, inst, decision_id, PartyVote("Beta", Level.SUPPORT, "UB1")) is VoteResult.NEW
    assert party(database, inst, decision_id, PartyVote("Beta", Level.SUPPORT, "UB1")) is VoteResult.UNCHANGED
    with database.read() as session:
        decision = load_decision(session, inst, decision_id)
    assert decision is not None and len(decision.party_votes) == 2
    assert decision.closing_verdict().outcome in (Outcome.FULL, Outcome.QUALIFIED)  # the member's block is not the party's
    with database.write() as session:
        close_decision(session, decision_id, decision.closing_verdict().outcome, T0)
    with database.read() as session:
        (_, rounds), = decision_history(session, inst, "C1")
    assert {v.partner for v in rounds[0].party_votes} == {"Alpha", "Beta"} and len(rounds[0].votes) == 1
