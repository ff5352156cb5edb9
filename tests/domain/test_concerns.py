"""The concerns register's rules: which votes' concerns it keeps, how a round's concerns merge, what a later round shows."""
from __future__ import annotations

from bot.domain.concerns import (
    Concern,
    ConcernStatus,
    RaisedConcern,
    carried_into,
    counted_votes,
    initial_status,
    open_concerns,
    raised,
)
from bot.domain.consensus import ANONYMOUS, Level, Vote
from bot.domain.governance import Body, BodyMember, DecisionRule, PartyVote

DECIDERS = ("UA1", "UA2", "UB1")


def test_identical_concerns_of_a_round_merge_with_the_strongest_level_and_everyone_who_raised_them() -> None:
    votes = [Vote("UA1", "Alpha", Level.ACCEPT, "Supply in Q3"), Vote("UB1", "Beta", Level.BLOCK, "Supply in Q3"),
             Vote("UA2", "Alpha", Level.WONT_BLOCK, "  IP scope "), Vote("UA3", "Alpha", Level.SUPPORT, None)]
    assert raised(votes, anonymous=False) == (
        RaisedConcern("Supply in Q3", Level.BLOCK, ("Alpha", "Beta"), ("UA1", "UB1")),
        RaisedConcern("IP scope", Level.WONT_BLOCK, ("Alpha",), ("UA2",)),
    )


def test_an_anonymous_round_registers_neither_people_nor_partners() -> None:
    votes = [Vote(ANONYMOUS, "Beta", Level.BLOCK, "Know-how"), Vote(ANONYMOUS, "Alpha", Level.ACCEPT, "Cost"),
             Vote(ANONYMOUS, "Alpha", Level.ACCEPT, "Cost")]
    assert raised(votes, anonymous=True) == (RaisedConcern("Know-how", Level.BLOCK, (), None), RaisedConcern("Cost", Level.ACCEPT, (), None))


def test_only_the_deciders_votes_count_and_in_a_party_body_only_the_parties_votes() -> None:
    members = [Vote("UA1", "Alpha", Level.SUPPORT), Vote("UA2", "Alpha", Level.BLOCK, "too early"), Vote("UX", None, Level.BLOCK, "x")]
    assert [v.voter_id for v in counted_votes(members, DECIDERS)] == ["UA1", "UA2"]
    jsc = Body("JSC", (BodyMember("UA1", "Alpha", lead=True), BodyMember("UA2", "Alpha"), BodyMember("UB1", "Beta", lead=True)),
               rule=DecisionRule.PARTY_UNANIMOUS)
    parties = [PartyVote("Alpha", Level.ACCEPT, "UA1", "watch the cost"), PartyVote("Beta", Level.BLOCK, "UA2", "not the lead")]
    counted = counted_votes(members, DECIDERS, body=jsc, party_votes=parties)
    assert counted == [Vote("UA1", "Alpha", Level.ACCEPT, "watch the cost")]  # the member's own block is Alpha's business
    assert raised(counted, anonymous=False) == (RaisedConcern("watch the cost", Level.ACCEPT, ("Alpha",), ("UA1",)),)


def test_a_qualified_consensus_keeps_its_concerns_as_assumptions() -> None:
    concern = RaisedConcern("Cost", Level.ACCEPT)
    assert initial_status(concern, ("Cost",)) is ConcernStatus.ASSUMPTION and initial_status(concern, ()) is ConcernStatus.OPEN


def concern(id_: int, round_: int, level: Level, status: ConcernStatus = ConcernStatus.OPEN, answered_in: int | None = None) -> Concern:
    return Concern(id_, round_, f"concern {id_}", level, ("Alpha",), ("UA1",), status, answered_in)


def test_a_later_round_shows_what_it_answers_and_what_is_still_open_with_the_last_rounds_blocks_first() -> None:
    register = (concern(1, 1, Level.ACCEPT, ConcernStatus.ADDRESSED, 2), concern(2, 1, Level.BLOCK), concern(3, 2, Level.ACCEPT),
                concern(4, 2, Level.BLOCK, ConcernStatus.ADDRESSED, 3), concern(5, 1, Level.WONT_BLOCK, ConcernStatus.ASSUMPTION),
                concern(6, 2, Level.BLOCK), concern(7, 3, Level.BLOCK))
    three = carried_into(register, 3)
    assert [c.id for c in three.answers] == [4] and [c.id for c in three.still_open] == [2, 6, 3]
    assert [(answered, c.id) for answered, c in three.ranked(3)] == [(True, 4), (False, 6), (False, 2), (False, 3)]
    two = carried_into(register, 2)
    assert [c.id for c in two.answers] == [1] and [c.id for c in two.still_open] == [2]  # 2 is open now; round 2's own come later
    assert [c.id for c in open_concerns(register)] == [2, 6, 7, 3]
