"""Consensus decisions: their rounds, votes and outcome (the rules themselves, from levels to the verdict, are in
`bot.domain.agreement` and named here too), and the checks on starting, voting, closing and revising."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.agreement import ANONYMOUS as ANONYMOUS
from bot.domain.agreement import CONCERN_MAX as CONCERN_MAX
from bot.domain.agreement import LABELS as LABELS
from bot.domain.agreement import Level as Level
from bot.domain.agreement import Outcome as Outcome
from bot.domain.agreement import PartnerTally as PartnerTally
from bot.domain.agreement import Tally as Tally
from bot.domain.agreement import Verdict as Verdict
from bot.domain.agreement import Vote as Vote
from bot.domain.agreement import check_vote as check_vote
from bot.domain.agreement import everyone_voted as everyone_voted
from bot.domain.agreement import tally as tally
from bot.domain.agreement import verdict as verdict
from bot.domain.concerns import Concern, counted_votes
from bot.domain.errors import FormErrors, UserError
from bot.domain.governance import Body, DecisionRule, PartyVote, body_verdict, party_votes_as_votes


class DecisionStatus(StrEnum):
    """Whether votes can still change."""

    OPEN = "open"
    CLOSED = "closed"


class VoteResult(StrEnum):
    """What casting a vote did to the stored round."""

    NEW = "new"  # the decider's first vote in this round
    CHANGED = "changed"  # a different level or concern than before
    UNCHANGED = "unchanged"  # a repeated click
    FINAL = "final"  # anonymous: a second vote, refused (nothing links a ballot to its level)

    @property
    def counts(self) -> bool:
        """Whether the vote changed the round (and so the governance load)."""
        return self in (VoteResult.NEW, VoteResult.CHANGED)


@dataclass(frozen=True)
class RoundSpan:
    """When a round started and (if it did) ended."""

    number: int
    started_at: datetime
    ended_at: datetime | None = None


@dataclass(frozen=True)
class RoundRecord:
    """A past or current round for the log and the export: its span, proposal and votes."""

    span: RoundSpan
    proposal: str
    votes: tuple[Vote, ...]
    party_votes: tuple[PartyVote, ...] = ()  # in a one-vote-per-party body: the parties' votes, cast by their leads


def elapsed(rounds: Sequence[RoundSpan], now: datetime) -> timedelta:
    """The time the decision has taken so far, over all its rounds: the cost of each round is visible."""
    if not rounds:
        return timedelta(0)
    last = rounds[-1]
    return (last.ended_at or now) - rounds[0].started_at


@dataclass(frozen=True)
class GovernanceLoad:
    """How many interactions a decision took: teams learn to need fewer by seeing the number."""

    votes: int = 0
    vote_changes: int = 0
    concerns: int = 0
    revisions: int = 0
    reminders: int = 0

    @property
    def total(self) -> int:
        """All interactions together."""
        return self.votes + self.vote_changes + self.concerns + self.revisions + self.reminders


@dataclass(frozen=True)
class Decision:
    """A decision as it stands: its current round, the votes in it, and how it ended if it did."""

    id: int
    channel_id: str
    creator_id: str
    status: DecisionStatus
    outcome: Outcome | None
    message_ts: str | None
    thread_ts: str | None
    partners: tuple[str, ...]
    deciders: tuple[tuple[str, str | None], ...]  # (user id, partner they speak for)
    round_number: int
    proposal: str
    rounds: tuple[RoundSpan, ...]
    votes: tuple[Vote, ...]
    deadline: datetime | None = None
    auto_close: bool = False
    background: str | None = None
    preread_url: str | None = None
    assumptions: tuple[str, ...] = ()
    review_at: datetime | None = None
    anonymous: bool = False
    ballots: tuple[str, ...] = ()  # anonymous mode: who voted in the current round, never with what
    load: GovernanceLoad | None = None
    created_at: datetime | None = None
    closed_at: datetime | None = None
    # A decision in a governance body: the body as it stood when the decision started, the decision's type, and (in a
    # one-vote-per-party body) the parties' votes; `votes` are then the members' own positions.
    body: Body | None = None
    decision_type: str | None = None
    party_votes: tuple[PartyVote, ...] = ()
    ended_by_default: bool = False  # its dispute ended in the top body's default: decided, never revised
    concerns: tuple[Concern, ...] = ()  # the concerns register (bot.domain.concerns), once a round has closed

    @property
    def by_party(self) -> bool:
        """Each party casts one vote through its lead; members' positions are seen only by their own company."""
        return self.body is not None and self.body.rule is DecisionRule.PARTY_UNANIMOUS

    @property
    def revisable(self) -> bool:
        """A round that ended without consensus may be followed by a revised one; in a body, also one that ended without
        a quorum (its dispute is settled if the next round resolves it within the window)."""
        return not self.is_open and not self.ended_by_default and (
            self.outcome is Outcome.NO_CONSENSUS or (self.outcome is Outcome.NO_DECISION and self.body is not None))

    def shared(self) -> Decision:
        """The decision as both companies may see it. In a one-vote-per-party body the parties' votes stand in for the
        votes (each as its lead's) and the leads for the deciders: the members' own positions stay with their company.
        Every surface both partners see (the channel's message, lists, the log, digests, exports) renders this."""
        if not self.by_party or self.body is None:
            return self
        leads = tuple((lead, p) for p in self.partners if (lead := self.body.lead_of(p)) is not None)
        return replace(self, deciders=leads, votes=tuple(party_votes_as_votes(self.body, self.party_votes)), ballots=())

    def positions_of(self, partner: str) -> tuple[Vote, ...]:
        """A party's members' own positions in the current round: for that party's people only."""
        return tuple(v for v in self.votes if v.partner == partner)

    def party_vote(self, partner: str) -> PartyVote | None:
        """The party's vote in the current round, if its lead cast it."""
        return next((v for v in self.party_votes if v.partner == partner), None)

    @property
    def decider_ids(self) -> tuple[str, ...]:
        """Who decides, in the order they are shown."""
        return tuple(user for user, _ in self.deciders)

    def partner_of(self, user_id: str) -> str | None:
        """The partner a decider speaks for (fixed when the decision started)."""
        return dict(self.deciders).get(user_id)

    @property
    def voted_ids(self) -> tuple[str, ...]:
        """Who has voted in the current round (in anonymous mode, from the ballots)."""
        return self.ballots if self.anonymous else tuple(v.voter_id for v in self.votes)

    def not_voted_by_partner(self) -> tuple[tuple[str | None, tuple[str, ...]], ...]:
        """Who has not voted in the current round, grouped by the partner they speak for (the
        alliance's order, then anyone not mapped to a partner); partners with nobody left are omitted."""
        voted = set(self.voted_ids)
        groups: dict[str | None, list[str]] = {partner: [] for partner in (*self.partners, None)}
        for user, partner in self.deciders:
            if user not in voted:
                groups.setdefault(partner, []).append(user)
        return tuple((partner, tuple(users)) for partner, users in groups.items() if users)

    def everyone_voted(self) -> bool:
        """True when every decider has voted in the current round (in a one-vote-per-party body: every party)."""
        if self.by_party:
            return bool(self.partners) and all(self.party_vote(p) is not None for p in self.partners)
        voted = set(self.voted_ids)
        return bool(self.deciders) and all(d in voted for d in self.decider_ids)

    @property
    def is_open(self) -> bool:
        """Votes can still change."""
        return self.status is DecisionStatus.OPEN

    def closes_itself(self) -> bool:
        """An auto-close decision closes once every decider has voted (the one auto-close rule)."""
        return self.is_open and self.auto_close and self.everyone_voted()

    def tally(self) -> Tally:
        """Counts of the current round."""
        return tally(self.votes, self.decider_ids, self.partners, self.voted_ids)

    def verdict(self) -> Verdict:
        """The outcome so far, or as it closed (by its body's rule and quorum, in a body)."""
        return self._verdict(closed=not self.is_open)

    def closing_verdict(self) -> Verdict:
        """The outcome if it closed now."""
        return self._verdict(closed=True)

    def _verdict(self, *, closed: bool) -> Verdict:
        if self.body is not None:
            return body_verdict(self.body, member_votes=self.votes, party_votes=self.party_votes, closed=closed)
        return verdict(self.votes, self.decider_ids, self.partners, closed=closed)


def check_can_vote(decision: Decision, user_id: str) -> str | None:
    """The voter's partner; refuses votes on closed decisions and from people who do not decide."""
    if not decision.is_open:
        raise UserError("This decision is closed; votes can no longer change.")
    if user_id not in decision.decider_ids:
        raise UserError("You are not one of the deciders of this decision, so your vote would not count. The person who started it chose who decides.")
    if decision.anonymous and user_id in decision.ballots:
        raise UserError(ANONYMOUS_FINAL)
    return decision.partner_of(user_id)


ANONYMOUS_FINAL = ("You have already voted. Votes in an anonymous decision are final: nothing links your ballot to your level, "
                   "so there is nothing a change could be applied to.")


def check_can_close(decision: Decision, user_id: str, *, is_admin: bool = False) -> None:
    """Only the person who started a decision (or a workspace admin) closes it."""
    if not decision.is_open:
        raise UserError("This decision is already closed.")
    if user_id != decision.creator_id and not is_admin:
        raise UserError(f"Only <@{decision.creator_id}>, who started this decision, can close it.")


def check_proposal(text: str) -> str:
    """A proposal must say what is being decided."""
    proposal = text.strip()
    if not proposal:
        raise UserError("Say what is being decided, e.g. `/consensus Move the Phase 2 start to Q3`.")
    if len(proposal) > 2500:
        raise UserError("Keep the proposal under 2,500 characters; link longer background as a pre-read.")
    return proposal


def check_can_revise(decision: Decision, user_id: str, *, is_admin: bool = False) -> None:
    """A revised proposal goes to a new round only after no consensus, and only by its creator (or a workspace admin)."""
    if user_id != decision.creator_id and not is_admin:
        raise UserError(f"Only <@{decision.creator_id}>, who started this decision, can revise the proposal.")
    if decision.ended_by_default:
        raise UserError("The dispute over this decision ended in the top body's default, so it is decided: a revision would "
                        "reopen it behind the agreement's back. To take the matter up again, start a new decision.")
    if not decision.revisable:
        raise UserError("A proposal is revised after a round ends without consensus"
                        + (" or, in a body, without a quorum." if decision.body is not None else "."))


def concerns_raised(decision: Decision) -> tuple[str, ...]:
    """Every concern of the current round, blocks first: what a revision must answer. In a one-vote-per-party body,
    the parties' concerns: the members' own are their company's business."""
    counted = counted_votes(decision.votes, decision.decider_ids, body=decision.body, party_votes=decision.party_votes)
    ordered = sorted(counted, key=lambda v: v.level is not Level.BLOCK)
    return tuple(dict.fromkeys(f"{LABELS[v.level]}: {v.concern}" for v in ordered if v.concern))


@dataclass(frozen=True)
class Proposal:
    """What the person starting a decision asked for."""

    text: str
    background: str | None = None
    preread_url: str | None = None
    deadline: datetime | None = None
    auto_close: bool = False
    deciders: tuple[str, ...] = ()  # empty: the channel's members (in a body: its members)
    anonymous: bool = False
    body: str | None = None  # the governance body that decides, by name
    decision_type: str | None = None  # its template's key (bot.domain.decision_types)


def check_start(proposal: Proposal, now: datetime) -> Proposal:
    """Validate a new decision's form; errors name the field to fix."""
    errors: dict[str, str] = {}
    try:
        check_proposal(proposal.text)
    except UserError as problem:
        errors["proposal"] = problem.message
    if proposal.preread_url and not proposal.preread_url.startswith(("https://", "http://")):
        errors["preread"] = "Give the pre-read as a link starting with https://"
    if proposal.deadline is not None:
        if proposal.deadline <= now + timedelta(minutes=10):
            errors["deadline"] = "Pick a deadline at least 10 minutes from now."
        elif proposal.deadline > now + timedelta(days=366):
            errors["deadline"] = "Pick a deadline within a year."
    if proposal.body and proposal.anonymous:
        errors["voting"] = "A body's decision is not anonymous: each party's vote is cast openly by its lead, as the agreement has it."
    if errors:
        raise FormErrors(errors)
    return Proposal(proposal.text.strip(), (proposal.background or "").strip() or None, (proposal.preread_url or "").strip() or None,
                    proposal.deadline, proposal.auto_close, proposal.deciders, proposal.anonymous, proposal.body, proposal.decision_type)


def check_can_nudge(decision: Decision, user_id: str) -> tuple[str, ...]:
    """Who the creator's "Remind non-voters" reaches; only the creator, only while open."""
    if user_id != decision.creator_id:
        raise UserError(f"Only <@{decision.creator_id}>, who started this decision, can remind the non-voters.")
    if not decision.is_open:
        raise UserError("This decision is closed.")
    waiting = decision.tally().not_voted
    if not waiting:
        raise UserError("Everyone has voted already.")
    return waiting


def check_can_cast_party_vote(decision: Decision, user_id: str) -> str:
    """The party whose vote `user_id` casts: only its lead, only while the decision is open."""
    if not decision.is_open:
        raise UserError("This decision is closed; votes can no longer change.")
    body = decision.body
    if body is None or not decision.by_party:
        raise UserError("In this decision everyone votes for themselves: there is no party vote to cast.")
    partner = body.partner_of(user_id)
    if partner is None or body.lead_of(partner) != user_id:
        leads = ", ".join(f"<@{lead}> for {p}" for p in decision.partners if (lead := body.lead_of(p)))
        raise UserError(f"Only each party's lead in the {body.name} casts the party's vote ({leads}). "
                        "Give your own position with the buttons: your lead sees it.")
    return partner
