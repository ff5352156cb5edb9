"""Disputes of body decisions: one per decision, each step kept once, moves that give way to a concurrent one, and the
decision's next round in the body a dispute went up to."""
from __future__ import annotations

from datetime import timedelta

from bot.domain.consensus import DecisionStatus, Level, Outcome, Proposal, Vote
from bot.domain.escalation import DisputeStatus, Resolution, Step, StepKind, Window
from bot.domain.governance import Body, BodyMember
from storage.db import Database
from storage.decisions import cast_vote, close_decision, create_decision, load_decision, set_message
from storage.disputes import (
    add_step,
    default_dispute,
    escalate_dispute,
    load_dispute,
    open_dispute,
    round_in_body,
    round_records,
    settle_dispute,
)
from tests.storage.helpers import T0, installation

JDC = Body("JDC", (BodyMember("UA1", "Alpha", lead=True), BodyMember("UB1", "Beta", lead=True)), window_days=2, escalates_to="JSC")
JSC = Body("JSC", (BodyMember("UA9", "Alpha", lead=True), BodyMember("UB9", "Beta", lead=True)), window_days=3)
W1 = Window(T0, T0 + timedelta(days=2), 2, T0 + timedelta(days=1))


def closed_decision(db: Database) -> tuple[int, int]:
    inst = installation(db)
    with db.write() as session:
        decision_id = create_decision(session, installation_id=inst, channel_id="C1", creator_id="UA1", proposal=Proposal("Amend the plan"),
                                      deciders=[("UA1", "Alpha"), ("UB1", "Beta")], partners=["Alpha", "Beta"], now=T0, body=JDC)
        decision = load_decision(session, inst, decision_id)
        assert decision is not None
        cast_vote(session, decision, Vote("UB1", "Beta", Level.BLOCK, "not in Japan"), T0)
        set_message(session, decision_id, "1.000")
        close_decision(session, decision_id, Outcome.NO_CONSENSUS, T0)
    return inst, decision_id


def test_one_dispute_per_decision_and_each_step_once(database: Database) -> None:
    inst, decision_id = closed_decision(database)
    with database.write() as session:
        dispute_id = open_dispute(session, decision_id, "JDC", W1)
        assert dispute_id is not None and open_dispute(session, decision_id, "JDC", W1) is None
        assert add_step(session, dispute_id, Step(StepKind.OPENED, "JDC", 1, T0, 2)) is not None
        assert add_step(session, dispute_id, Step(StepKind.OPENED, "JDC", 1, T0, 2)) is None  # a retried job records nothing twice
        add_step(session, dispute_id, Step(StepKind.REMINDED, "JDC", 1, T0 + timedelta(days=1), 1))
    with database.read() as session:
        dispute = load_dispute(session, inst, decision_id)
        assert load_dispute(session, inst + 1, decision_id) is None  # another workspace's decision is not found
    assert dispute is not None and (dispute.body, dispute.status, dispute.window_ends_at) == ("JDC", DisputeStatus.OPEN, W1.ends_at)
    assert [s.kind for s in dispute.steps] == [StepKind.OPENED, StepKind.REMINDED]


def test_moves_give_way_to_one_made_meanwhile(database: Database) -> None:
    inst, decision_id = closed_decision(database)
    with database.write() as session:
        open_dispute(session, decision_id, "JDC", W1)
    with database.read() as session:
        seen = load_dispute(session, inst, decision_id)
    assert seen is not None
    w2 = Window(W1.ends_at, W1.ends_at + timedelta(days=3), 3, None)
    with database.write() as session:
        assert escalate_dispute(session, seen, "JSC", w2)
        assert not settle_dispute(session, seen) and not escalate_dispute(session, seen, "JSC", w2)  # it is no longer where it was seen
    with database.read() as session:
        moved = load_dispute(session, inst, decision_id)
    assert moved is not None and (moved.body, moved.status, moved.opened_at) == ("JSC", DisputeStatus.ESCALATED, W1.ends_at)
    with database.write() as session:
        assert default_dispute(session, moved, Resolution.ADOPTED)
    with database.read() as session:
        ended = load_dispute(session, inst, decision_id)
    assert ended is not None and (ended.status, ended.resolution) == (DisputeStatus.DEFAULTED, Resolution.ADOPTED)


def test_the_next_body_decides_the_same_decision_in_a_new_round(database: Database) -> None:
    inst, decision_id = closed_decision(database)
    later = T0 + timedelta(days=2)
    with database.write() as session:
        number = round_in_body(session, decision_id, JSC, [("UA9", "Alpha"), ("UB9", "Beta")], later + timedelta(days=3), later)
        assert round_in_body(session, decision_id, JSC, [], later, later) is None  # only a closed decision goes up
    with database.read() as session:
        decision = load_decision(session, inst, decision_id)
        records = round_records(session, decision_id)
    assert number == 2 and decision is not None
    assert (decision.status, decision.round_number, decision.body, decision.decider_ids) == (DecisionStatus.OPEN, 2, JSC, ("UA9", "UB9"))
    assert decision.proposal == "Amend the plan" and decision.deadline == later + timedelta(days=3) and decision.votes == ()
    assert decision.message_ts is None and decision.thread_ts == "1.000"  # the new round's message comes in the same thread
    assert [(r.span.number, len(r.votes)) for r in records] == [(1, 1), (2, 0)]  # round 1's votes stay in the record
