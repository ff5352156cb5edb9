"""The concerns register (issue 19 point 4): every concern raised with an Accept, Won't block or Block is a tracked item,
open until a later round answers it or a qualified consensus keeps it as an assumption to monitor.

A round's concerns are registered when the round closes, from the votes that counted: so a vote changed before the
close leaves nothing stale behind. In a one-vote-per-party body they are the parties' concerns (cast by their
leads); the members' own positions are their company's business and never enter the register. An anonymous
decision's concerns carry neither a person nor a partner (a partner with one voter would name them).
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.agreement import ANONYMOUS, Level, Vote
from bot.domain.governance import Body, DecisionRule, PartyVote, party_votes_as_votes


class ConcernStatus(StrEnum):
    """Where a concern stands."""

    OPEN = "open"
    ADDRESSED = "addressed"  # a later round's proposal answers it (its creator said so)
    ASSUMPTION = "assumption"  # a qualified consensus accepted it as an assumption to monitor


# Strongest first: a concern several voters raised keeps the strongest level it came with.
STRENGTH = {Level.BLOCK: 0, Level.WONT_BLOCK: 1, Level.ACCEPT: 2, Level.SUPPORT: 3}


@dataclass(frozen=True)
class RaisedConcern:
    """A concern as its round's close registers it: identical texts of one round merged into one."""

    text: str
    level: Level
    partners: tuple[str, ...] = ()  # who raised it, by partner; empty in an anonymous decision
    raised_by: tuple[str, ...] | None = None  # None in an anonymous decision: never a person next to a concern


@dataclass(frozen=True)
class Concern:
    """A concern in the register."""

    id: int
    round_raised: int
    text: str
    level: Level
    partners: tuple[str, ...]
    raised_by: tuple[str, ...] | None
    status: ConcernStatus
    addressed_in_round: int | None = None

    @property
    def is_open(self) -> bool:
        """Nothing answers it yet."""
        return self.status is ConcernStatus.OPEN


def counted_votes(votes: Sequence[Vote], deciders: Sequence[str], *, body: Body | None = None,
                  party_votes: Sequence[PartyVote] = ()) -> list[Vote]:
    """The votes whose concerns the register keeps: a one-vote-per-party body's party votes (its leads' only), else
    the deciders' own votes (anonymous votes were checked against the deciders when they were cast)."""
    if body is not None and body.rule is DecisionRule.PARTY_UNANIMOUS:
        return party_votes_as_votes(body, party_votes)
    allowed = set(deciders)
    return [v for v in votes if v.voter_id in allowed or v.voter_id == ANONYMOUS]


def raised(votes: Sequence[Vote], *, anonymous: bool) -> tuple[RaisedConcern, ...]:
    """A round's concerns from its counted votes, identical texts merged (strongest level, every partner and person
    who raised it), strongest first and then by text, so the order says nothing of who voted when."""
    merged: dict[str, RaisedConcern] = {}
    for vote in votes:
        text = (vote.concern or "").strip()
        if not text or vote.level is Level.SUPPORT:
            continue
        partners = () if anonymous or vote.partner is None else (vote.partner,)
        people = None if anonymous else (vote.voter_id,)
        known = merged.get(text)
        if known is None:
            merged[text] = RaisedConcern(text, vote.level, partners, people)
            continue
        level = vote.level if STRENGTH[vote.level] < STRENGTH[known.level] else known.level
        merged[text] = RaisedConcern(text, level, tuple(dict.fromkeys((*known.partners, *partners))),
                                     None if anonymous else tuple(dict.fromkeys((*(known.raised_by or ()), *(people or ())))))
    return tuple(sorted(merged.values(), key=lambda c: (STRENGTH[c.level], c.text)))


def initial_status(concern: RaisedConcern, assumptions: Collection[str]) -> ConcernStatus:
    """A concern a qualified consensus turned into an assumption to monitor is one from the start; any other is open."""
    return ConcernStatus.ASSUMPTION if concern.text in assumptions else ConcernStatus.OPEN


@dataclass(frozen=True)
class Carried:
    """What a round's message says of the earlier rounds' concerns: those it answers and those still open."""

    answers: tuple[Concern, ...]
    still_open: tuple[Concern, ...]

    def ranked(self, round_number: int) -> tuple[tuple[bool, Concern], ...]:
        """(answered?, concern), the previous round's blocks first: they are always shown, whatever else must give way."""
        everything = [(True, c) for c in self.answers] + [(False, c) for c in self.still_open]
        return tuple(sorted(everything, key=lambda item: not blocked_round_before(item[1], round_number)))


def blocked_round_before(concern: Concern, round_number: int) -> bool:
    """A concern that blocked the round before `round_number`."""
    return concern.level is Level.BLOCK and concern.round_raised == round_number - 1


def carried_into(concerns: Sequence[Concern], round_number: int) -> Carried:
    """The concerns round `round_number` marked answered, and those of earlier rounds still open; strongest first."""
    def order(c: Concern) -> tuple[int, int, int]:
        return STRENGTH[c.level], c.round_raised, c.id
    answers = sorted((c for c in concerns if c.status is ConcernStatus.ADDRESSED and c.addressed_in_round == round_number), key=order)
    still_open = sorted((c for c in concerns if c.is_open and c.round_raised < round_number), key=order)
    return Carried(tuple(answers), tuple(still_open))


def open_concerns(concerns: Sequence[Concern]) -> tuple[Concern, ...]:
    """The concerns a revision may answer, strongest and oldest first."""
    return tuple(sorted((c for c in concerns if c.is_open), key=lambda c: (STRENGTH[c.level], c.round_raised, c.id)))
