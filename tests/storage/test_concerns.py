"""The concerns register on both databases: registered at a round's close from the votes standing then, marked answered
by a revision, kept as assumptions by a qualified consensus, and part of its alliance for export, move and delete."""
from __future__ import annotations

from datetime import timedelta

from bot.domain.concerns import ConcernStatus, RaisedConcern
from bot.domain.consensus import Decision, Level, Outcome, Proposal, Vote
from bot.domain.governance import Body, BodyMember, PartyVote
from bot.usecases import concerns
from storage.concerns import concern_registers, mark_addressed, register_round
from storage.db import Database
from storage.decisions import cast_party_vote, cast_vote, create_decision, load_decision
from storage.retention import alliance_data, channel_scopes, delete_alliance
from tests.storage.helpers import T0, installation

DECIDERS = [("UA1", "Alpha"), ("UA2", "Alpha"), ("UB1", "Beta")]


def start(db: Database, *, anonymous: bool = False, body: Body | None = None, channel: str = "C1") -> tuple[int, int]:
    inst = installation(db)
    with db.write() as session:
        decision_id = create_decision(session, installation_id=inst, channel_id=channel, creator_id="UA1",
                                      proposal=Proposal("Approve the plan", anonymous=anonymous), deciders=DECIDERS,
                                      partners=["Alpha", "Beta"], now=T0, body=body)
    return inst, decision_id


def current(db: Database, inst: int, decision_id: int) -> Decision:
    with db.read() as session:
        decision = load_decision(session, inst, decision_id)
    assert decision is not None
    return decision


def votes(db: Database, inst: int, decision_id: int, *cast: Vote) -> None:
    with db.write() as session:
        decision = load_decision(session, inst, decision_id)
        assert decision is not None
        for vote in cast:
            cast_vote(session, decision, vote, T0)


def close(db: Database, inst: int, decision_id: int) -> bool:
    with db.write() as session:
        return concerns.close(session, inst, current(db, inst, decision_id), T0 + timedelta(hours=1))


def test_the_close_registers_the_concerns_standing_then_once(database: Database) -> None:
    inst, decision_id = start(database)
    votes(database, inst, decision_id, Vote("UA1", "Alpha", Level.ACCEPT, "first draft of a worry"), Vote("UB1", "Beta", Level.BLOCK, "IP scope"))
    votes(database, inst, decision_id, Vote("UA1", "Alpha", Level.ACCEPT, "Supply in Q3"),  # changed before the close
          Vote("UA2", "Alpha", Level.WONT_BLOCK, "Supply in Q3"))
    assert current(database, inst, decision_id).concerns == ()  # nothing while the round runs
    assert close(database, inst, decision_id) and not close(database, inst, decision_id)  # the second close registers nothing
    register = current(database, inst, decision_id).concerns
    assert [(c.round_raised, c.level, c.text, c.partners, c.raised_by, c.status) for c in register] == [
        (1, Level.BLOCK, "IP scope", ("Beta",), ("UB1",), ConcernStatus.OPEN),
        (1, Level.WONT_BLOCK, "Supply in Q3", ("Alpha",), ("UA1", "UA2"), ConcernStatus.OPEN),
    ]
    with database.write() as session:  # registering the same round again (a retried close) adds nothing
        register_round(session, decision_id, 1, [RaisedConcern("IP scope", Level.BLOCK, ("Beta",), ("UB1",))], (), T0)
    assert len(current(database, inst, decision_id).concerns) == 2


def test_a_revision_marks_only_the_decisions_open_concerns_it_answers(database: Database) -> None:
    inst, decision_id = start(database)
    _, other = start(database, channel="C2")
    votes(database, inst, decision_id, Vote("UB1", "Beta", Level.BLOCK, "IP scope"), Vote("UA1", "Alpha", Level.ACCEPT, "Cost"))
    votes(database, inst, other, Vote("UB1", "Beta", Level.BLOCK, "Elsewhere"))
    close(database, inst, decision_id)
    close(database, inst, other)
    ip, cost = current(database, inst, decision_id).concerns
    [elsewhere] = current(database, inst, other).concerns
    with database.write() as session:
        assert concerns.start_round(session, decision_id, "Approve the plan without the IP", [ip.id, elsewhere.id, 10**9], T0) == 2
        assert mark_addressed(session, decision_id, [ip.id], 3, T0) == 0  # answered already: round 2 keeps it
    decision = current(database, inst, decision_id)
    assert [(c.text, c.status, c.addressed_in_round) for c in decision.concerns] == [
        ("IP scope", ConcernStatus.ADDRESSED, 2), ("Cost", ConcernStatus.OPEN, None)]
    assert current(database, inst, other).concerns[0].status is ConcernStatus.OPEN  # another decision's concern is untouched
    with database.write() as session:  # a decision that moved on already: nothing is marked
        assert concerns.start_round(session, decision_id, "Again", [cost.id], T0) is None
    assert current(database, inst, decision_id).concerns[1].status is ConcernStatus.OPEN


def test_a_qualified_consensus_turns_its_concerns_and_earlier_open_ones_with_the_same_words_into_assumptions(database: Database) -> None:
    inst, decision_id = start(database)
    votes(database, inst, decision_id, Vote("UB1", "Beta", Level.BLOCK, "Cost"), Vote("UA1", "Alpha", Level.ACCEPT, "Timeline"))
    close(database, inst, decision_id)
    with database.write() as session:
        concerns.start_round(session, decision_id, "Approve the plan, cheaper", (), T0)
    votes(database, inst, decision_id, Vote("UB1", "Beta", Level.ACCEPT, "Cost"), Vote("UA1", "Alpha", Level.SUPPORT))
    close(database, inst, decision_id)
    decision = current(database, inst, decision_id)
    assert decision.outcome is Outcome.QUALIFIED
    assert [(c.round_raised, c.text, c.status) for c in decision.concerns] == [
        (1, "Cost", ConcernStatus.ASSUMPTION), (1, "Timeline", ConcernStatus.OPEN), (2, "Cost", ConcernStatus.ASSUMPTION)]


def test_an_anonymous_register_names_nobody(database: Database) -> None:
    inst, decision_id = start(database, anonymous=True)
    votes(database, inst, decision_id, Vote("UB1", "Beta", Level.BLOCK, "Know-how"), Vote("UA1", "Alpha", Level.ACCEPT, "Cost"))
    close(database, inst, decision_id)
    register = current(database, inst, decision_id).concerns
    assert {(c.text, c.partners, c.raised_by) for c in register} == {("Know-how", (), None), ("Cost", (), None)}
    with database.read() as session:
        rows = alliance_data(session, inst, "C1").tables["decision_concerns"]
    assert all(row["raised_by"] is None and row["partners"] == [] for row in rows) and len(rows) == 2
    assert not any(user in str(rows) for user in ("UA1", "UB1"))


def test_a_party_body_registers_the_parties_concerns_never_the_members_own(database: Database) -> None:
    jsc = Body("JSC", (BodyMember("UA1", "Alpha", lead=True), BodyMember("UA2", "Alpha"), BodyMember("UB1", "Beta", lead=True)))
    inst, decision_id = start(database, body=jsc)
    votes(database, inst, decision_id, Vote("UA2", "Alpha", Level.BLOCK, "too early, between us"))  # a member's own position
    with database.write() as session:
        decision = current(database, inst, decision_id)
        cast_party_vote(session, decision, PartyVote("Alpha", Level.ACCEPT, "UA1", "watch the cost"), T0)
        cast_party_vote(session, decision, PartyVote("Beta", Level.BLOCK, "UB1", "IP scope"), T0)
    close(database, inst, decision_id)
    register = current(database, inst, decision_id).concerns
    assert [(c.text, c.level, c.partners, c.raised_by) for c in register] == [
        ("IP scope", Level.BLOCK, ("Beta",), ("UB1",)), ("watch the cost", Level.ACCEPT, ("Alpha",), ("UA1",))]


def test_the_register_belongs_to_its_alliance_for_export_and_delete(database: Database) -> None:
    assert channel_scopes()["decision_concerns"].parents[0][:1] == ("decision_id",)
    inst, decision_id = start(database)
    votes(database, inst, decision_id, Vote("UB1", "Beta", Level.BLOCK, "IP scope"))
    close(database, inst, decision_id)
    with database.read() as session:
        assert alliance_data(session, inst, "C1").counts()["decision_concerns"] == 1
    with database.write() as session:
        assert delete_alliance(session, inst, "C1")["decision_concerns"] == 1
    with database.read() as session:
        assert concern_registers(session, [decision_id]) == {}
