"""Governance as alliance agreements write it: bodies (JSC, JDC, …), their decision rule, quorum and escalation ladder.

Pure: the rules of issue 19, with no Slack, database or clock. A body decides by one of three rules:

- *one vote per party, unanimous* (the JSC default in alliance agreements: "the representatives of
  each Party collectively having one vote"; "all decisions shall require unanimous approval"): each
  partner's lead casts the party's vote after the party's members settled it among themselves;
- *consensus of all members*: the consensus rules of `bot.domain.consensus` over every member;
- *majority of members*: at the close, more than half of the members voted anything but Block
  (a block is then outvoted, and its concern is kept to monitor).

Quorum: *each party represented* ("the presence of at least one representative of each Party shall
constitute a quorum"; a party is represented when its vote, or one of its members', is cast), or
*a majority of members*. A body escalates an unresolved dispute to another after its window of
business days; the body at the top has a fallback: the status quo, or one party decides named types
of decision.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.agreement import Level, Outcome, Verdict, Vote, verdict
from bot.domain.errors import FormErrors

NAME_MAX = 40


class DecisionRule(StrEnum):
    """How a body decides."""

    PARTY_UNANIMOUS = "party_unanimous"  # one vote per party, all parties agree
    MEMBERS_CONSENSUS = "members_consensus"  # the consensus rules over every member
    MEMBERS_MAJORITY = "members_majority"  # more than half of the members agree


class QuorumRule(StrEnum):
    """When a body may decide at all."""

    EACH_PARTY = "each_party"  # at least one representative of each party
    MAJORITY_OF_MEMBERS = "majority_of_members"


class FallbackKind(StrEnum):
    """What applies when the top body's window ends unresolved."""

    STATUS_QUO = "status_quo"
    PARTY_DECIDES = "party_decides"  # one party has the deciding vote on named types of decision


@dataclass(frozen=True)
class BodyMember:
    """A member of a body, for one partner; `lead` casts the party's vote in a one-vote-per-party body."""

    user_id: str
    partner: str
    lead: bool = False


@dataclass(frozen=True)
class Fallback:
    """The top body's default: the status quo, or `party`'s vote on `decision_types` (all types when empty), with the
    agreement's clause it rests on."""

    kind: FallbackKind = FallbackKind.STATUS_QUO
    party: str | None = None
    decision_types: tuple[str, ...] = ()
    clause: str = ""

    def deciding_party(self, decision_type: str) -> str | None:
        """The party whose vote decides a decision of this type when the window ends, if any."""
        if self.kind is FallbackKind.PARTY_DECIDES and (not self.decision_types or decision_type in self.decision_types):
            return self.party
        return None


@dataclass(frozen=True)
class Body:
    """A governance body of an alliance."""

    name: str
    members: tuple[BodyMember, ...]
    rule: DecisionRule = DecisionRule.PARTY_UNANIMOUS
    quorum: QuorumRule = QuorumRule.EACH_PARTY
    window_days: int = 15  # business days a dispute stays with this body before it goes up; 0: at once
    escalates_to: str | None = None
    fallback: Fallback | None = None

    def member_ids(self) -> tuple[str, ...]:
        """Every member, in order."""
        return tuple(m.user_id for m in self.members)

    def partner_of(self, user_id: str) -> str | None:
        """The partner a member sits for (None: not a member)."""
        return next((m.partner for m in self.members if m.user_id == user_id), None)

    def lead_of(self, partner: str) -> str | None:
        """Who casts `partner`'s vote."""
        return next((m.user_id for m in self.members if m.partner == partner and m.lead), None)


@dataclass(frozen=True)
class PartyVote:
    """A party's vote in a one-vote-per-party body, cast by its lead, with the party's concern."""

    partner: str
    level: Level
    cast_by: str
    concern: str | None = None


def check_body(body: Body, partners: Sequence[str]) -> Body:
    """The body, or `FormErrors` naming what is wrong with it, field by field."""
    errors: dict[str, str] = {}
    name = " ".join(body.name.split())
    if not name or len(name) > NAME_MAX:
        errors["name"] = f"Give the body a name of at most {NAME_MAX} characters, e.g. JSC or JDC."
    strangers = sorted({m.partner for m in body.members} - set(partners))
    missing = [p for p in partners if not any(m.partner == p for m in body.members)]
    if strangers:
        errors["members"] = f"{', '.join(strangers)} {'is' if len(strangers) == 1 else 'are'} not a partner of this alliance."
    elif missing:
        errors["members"] = f"Every partner sits on the body: add members for {', '.join(missing)}."
    elif body.rule is DecisionRule.PARTY_UNANIMOUS:
        wrong = [p for p in partners if sum(1 for m in body.members if m.partner == p and m.lead) != 1]
        if wrong:
            errors["leads"] = f"Choose exactly one lead (who casts the party's vote) for {', '.join(wrong)}."
    if len({m.user_id for m in body.members}) != len(body.members):
        errors["members"] = "A person sits on a body once, for one partner."
    if not 0 <= body.window_days <= 365:
        errors["window"] = "The resolution window is 0 to 365 business days (0: a dispute goes up at once)."
    if body.escalates_to is None and body.fallback is None:
        errors["fallback"] = "The top body needs a default for when its window ends: the status quo, or a party decides."
    if body.fallback is not None and body.fallback.kind is FallbackKind.PARTY_DECIDES and body.fallback.party not in partners:
        errors["fallback"] = "Choose which partner decides when the window ends."
    if errors:
        raise FormErrors(errors)
    return Body(name, body.members, body.rule, body.quorum, body.window_days, body.escalates_to, body.fallback)


def ladder(bodies: Mapping[str, Body], start: str) -> tuple[Body, ...]:
    """The escalation path from `start` to the top; `FormErrors` for an unknown body or a loop."""
    path: list[Body] = []
    name: str | None = start
    while name is not None:
        body = bodies.get(name)
        if body is None:
            raise FormErrors({"escalates_to": f"There is no body called {name}."})
        if any(b.name == name for b in path):
            raise FormErrors({"escalates_to": "The escalation path would go round in a circle: " +
                              " → ".join([*(b.name for b in path), name]) + "."})
        path.append(body)
        name = body.escalates_to
    return tuple(path)


def quorum_met(body: Body, voters: Sequence[str]) -> bool:
    """Whether the members who voted (or the leads who cast a party's vote) make the body's quorum."""
    members = set(body.member_ids())
    present = {v for v in voters if v in members}
    if body.quorum is QuorumRule.EACH_PARTY:
        return {body.partner_of(v) for v in present} >= {m.partner for m in body.members}
    return len(present) * 2 > len(members)


def party_votes_as_votes(body: Body, cast: Sequence[PartyVote]) -> list[Vote]:
    """Each party's vote as one vote by its lead (a vote from someone who is not the party's lead does not count)."""
    return [Vote(v.cast_by, v.partner, v.level, v.concern) for v in cast if body.lead_of(v.partner) == v.cast_by]


def body_verdict(body: Body, *, member_votes: Sequence[Vote] = (), party_votes: Sequence[PartyVote] = (), closed: bool) -> Verdict:
    """The outcome by the body's rule. A body without quorum at the close has decided nothing (its partners who are
    not represented are awaited)."""
    partners = list(dict.fromkeys(m.partner for m in body.members))
    if body.rule is DecisionRule.PARTY_UNANIMOUS:
        votes = party_votes_as_votes(body, party_votes)
        leads = [lead for p in partners if (lead := body.lead_of(p)) is not None]
        found = verdict(votes, leads, partners, closed=closed)
        voters = [v.voter_id for v in votes]
    elif body.rule is DecisionRule.MEMBERS_CONSENSUS:
        members = body.member_ids()
        votes = [v for v in member_votes if v.voter_id in members]
        voters = [v.voter_id for v in votes]
        found = verdict(votes, members, partners, closed=closed)
    else:
        members = body.member_ids()
        votes = [v for v in member_votes if v.voter_id in members]
        voters = [v.voter_id for v in votes]
        found = _majority(votes, len(members), closed=closed)
    if closed and not quorum_met(body, voters) and found.outcome in (Outcome.FULL, Outcome.QUALIFIED):
        present = {body.partner_of(v) for v in voters}
        return Verdict(Outcome.NO_DECISION, awaiting=tuple(p for p in partners if p not in present))
    return found


def _majority(votes: Sequence[Vote], members: int, *, closed: bool) -> Verdict:
    """More than half of the members agree (anything but Block) at the close; only the close decides."""
    if not closed:
        return Verdict(Outcome.OPEN)
    if not votes:
        return Verdict(Outcome.NO_DECISION)
    agreeing = [v for v in votes if v.level is not Level.BLOCK]
    if len(agreeing) * 2 <= members:
        return Verdict(Outcome.NO_CONSENSUS, blocking_concerns=tuple(v.concern or "" for v in votes if v.level is Level.BLOCK))
    if len(agreeing) == len(votes) and all(v.level is Level.SUPPORT for v in votes):
        return Verdict(Outcome.FULL)
    return Verdict(Outcome.QUALIFIED, assumptions=tuple(dict.fromkeys(v.concern for v in votes if v.concern)))
