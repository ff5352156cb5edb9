"""Votes under concurrency: a uniqueness guarantee per decider and round, exact counts, nothing lost."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from bot.domain.consensus import Level, Proposal, Vote
from storage.db import Database
from storage.decisions import awaiting_vote, cast_vote, channel_decisions, create_decision, load_decision, load_decisions
from storage.models.decisions import AnonymousTallyRow, BallotRow, RoundRow, VoteRow
from tests.storage.helpers import T0, installation

VOTERS = [(f"UA{i:02d}", "Alpha") for i in range(15)] + [(f"UB{i:02d}", "Beta") for i in range(15)]


def start(db: Database, anonymous: bool) -> tuple[int, int]:
    inst = installation(db)
    with db.write() as session:
        decision_id = create_decision(session, installation_id=inst, channel_id="C1", creator_id="UA00",
                                      proposal=Proposal("Approve the budget", anonymous=anonymous), deciders=VOTERS,
                                      partners=["Alpha", "Beta"], now=T0)
    return inst, decision_id


def click(db: Database, inst: int, decision_id: int, voter: tuple[str, str], level: Level) -> str:
    with db.write() as session:
        decision = load_decision(session, inst, decision_id)
        assert decision is not None
        return cast_vote(session, decision, Vote(voter[0], voter[1], level, "why" if level is Level.BLOCK else None), T0)


@pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonymous"])
def test_many_voters_at_once_lose_nothing(database: Database, anonymous: bool) -> None:
    inst, decision_id = start(database, anonymous)
    # Every voter clicks Support, then (or at the same time) changes to Block: 60 clicks on 12 threads.
    clicks = [(v, Level.SUPPORT) for v in VOTERS] + [(v, Level.BLOCK) for v in VOTERS]
    with ThreadPoolExecutor(12) as pool:
        results = list(pool.map(lambda c: click(database, inst, decision_id, *c), clicks))
    with database.read() as session:
        decision = load_decision(session, inst, decision_id)
    assert decision is not None and decision.load is not None
    if anonymous:
        # The first click of each voter counts; the second is refused as final, whichever came first.
        assert sorted(results).count("new") == 30 and results.count("final") == 30
        assert sorted(decision.ballots) == sorted(v for v, _ in VOTERS)
        assert decision.tally().overall.total == 30 and len(decision.votes) == 30
        assert (decision.load.votes, decision.load.vote_changes) == (30, 0)
    else:
        assert results.count("new") == 30 and results.count("changed") + results.count("unchanged") == 30
        assert sorted(v.voter_id for v in decision.votes) == sorted(v for v, _ in VOTERS)
        assert (decision.load.votes, decision.load.vote_changes) == (30, results.count("changed"))
    assert decision.tally().not_voted == ()


def test_the_database_refuses_a_second_vote_or_ballot_per_round(database: Database) -> None:
    inst, decision_id = start(database, anonymous=False)
    click(database, inst, decision_id, VOTERS[0], Level.SUPPORT)
    with database.read() as session:
        round_id = session.scalar(select(VoteRow.round_id))
    with database.write() as session:
        session.add(BallotRow(round_id=round_id, voter_id="UX"))
    duplicates = (VoteRow(round_id=round_id, voter_id=VOTERS[0][0], partner="Alpha", level="block", changes=0, updated_at=T0),
                  BallotRow(round_id=round_id, voter_id="UX"))
    for row in duplicates:
        with pytest.raises(IntegrityError):
            with database.write() as session:
                session.add(row)
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(VoteRow)) == 1
        assert session.scalar(select(func.count()).select_from(BallotRow)) == 1


@pytest.mark.parametrize("anonymous", [False, True], ids=["named", "anonymous"])
def test_a_vote_owed_disappears_once_cast_and_lists_load_in_order(database: Database, anonymous: bool) -> None:
    inst, first = start(database, anonymous)
    with database.write() as session:
        second = create_decision(session, installation_id=inst, channel_id="C1", creator_id="UA00",
                                 proposal=Proposal("Approve the plan", anonymous=anonymous), deciders=VOTERS,
                                 partners=["Alpha", "Beta"], now=T0)
    click(database, inst, first, VOTERS[1], Level.SUPPORT)
    with database.read() as session:
        assert [d.id for d in awaiting_vote(session, inst, VOTERS[1][0])] == [second]
        assert [d.id for d in awaiting_vote(session, inst, VOTERS[2][0])] == [first, second]
        assert [d.id for d in load_decisions(session, inst, [second, 999, first])] == [second, first]
        assert load_decisions(session, inst + 1, [first]) == []  # another workspace's ids find nothing
        listed = channel_decisions(session, inst, "C1", open_ones=True)
    assert [d.id for d in listed] == [first, second] and listed[0].voted_ids == (VOTERS[1][0],)


def test_an_anonymous_vote_leaves_no_trace_of_the_cell_it_counted(database: Database) -> None:
    # Two decisions with the same history but for the level of the last vote.
    worlds = {last: start(database, anonymous=True) for last in (Level.SUPPORT, Level.BLOCK)}
    for last, (inst, decision_id) in worlds.items():
        for voter, level, concern in ((VOTERS[0], Level.ACCEPT, "zeta: supply"), (VOTERS[1], Level.ACCEPT, "alpha: cost"),
                                      (VOTERS[15], last, "why" if last is Level.BLOCK else None)):
            with database.write() as session:
                decision = load_decision(session, inst, decision_id)
                assert decision is not None
                assert cast_vote(session, decision, Vote(voter[0], voter[1], level, concern), T0) == "new"
    places = []
    with database.read() as session:
        for last, (inst, decision_id) in worlds.items():
            decision = load_decision(session, inst, decision_id)
            assert decision is not None and decision.tally().overall.count(Level.ACCEPT) == 2
            round_id = session.scalar(select(RoundRow.id).where(RoundRow.decision_id == decision_id))
            cells = {(c.partner, c.level): (c.count, c.concerns)
                     for c in session.scalars(select(AnonymousTallyRow).where(AnonymousTallyRow.round_id == round_id))}
            assert cells[("Alpha", "accept")] == (2, ["alpha: cost", "zeta: supply"])
            assert cells[("Beta", last.value)] == (1, ["why"] if last is Level.BLOCK else [])
            if session.get_bind().dialect.name != "postgresql":
                continue
            # Every cell of the round was rewritten by the last vote's transaction, as its ballot was:
            # xmin links that ballot to all cells alike, and the cells' physical order (ctid) is the
            # same whichever cell was counted.
            xmins = set(session.scalars(text("SELECT xmin::text FROM anonymous_tallies WHERE round_id = :r"), {"r": round_id}))
            ballot = session.scalar(text("SELECT xmin::text FROM ballots WHERE round_id = :r AND voter_id = :v"),
                                    {"r": round_id, "v": VOTERS[15][0]})
            assert xmins == {ballot}
            places.append(session.execute(text("SELECT partner, level FROM anonymous_tallies WHERE round_id = :r ORDER BY ctid"),
                                          {"r": round_id}).all())
    assert not places or places[0] == places[1]


def test_a_failed_statement_does_not_carry_its_parameters_into_the_log(database: Database) -> None:
    with pytest.raises(IntegrityError) as failed:
        with database.write() as session:
            session.add(BallotRow(round_id=987654, voter_id="USECRETVOTER"))  # no such round
    assert "USECRETVOTER" not in str(failed.value) and "hidden" in str(failed.value)
