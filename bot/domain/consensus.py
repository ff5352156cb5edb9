"""Consensus decisions: levels of agreement, tallies per partner company, and the outcome rules."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.errors import FormErrors, UserError

CONCERN_MAX = 2000
# In anonymous mode a vote carries no voter: the store keeps who voted (a ballot) apart from the levels.
ANONYMOUS = ""


class Level(StrEnum):
    """How far a voter agrees; consensus is not yes/no."""

    SUPPORT = "support"  # an unqualified yes
    ACCEPT = "accept"  # can live with it
    WONT_BLOCK = "wont_block"  # does not fully agree, will not block
    BLOCK = "block"

    @property
    def label(self) -> str:
        """How the level is shown to people."""
        return LABELS[self]

    @property
    def qualified(self) -> bool:
        """Agreement with a reservation (its concern becomes an assumption to watch)."""
        return self in (Level.ACCEPT, Level.WONT_BLOCK)


LABELS = {Level.SUPPORT: "Support", Level.ACCEPT: "Accept", Level.WONT_BLOCK: "Won't block", Level.BLOCK: "Block"}


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


class Outcome(StrEnum):
    """Where a decision stands or how it ended."""

    OPEN = "open"
    FULL = "full_consensus"
    QUALIFIED = "qualified_consensus"
    NO_CONSENSUS = "no_consensus"
    NO_DECISION = "no_decision"  # nobody voted: the status quo stands


@dataclass(frozen=True)
class Vote:
    """One decider's current vote in a round; `partner` is the company they speak for."""

    voter_id: str
    partner: str | None
    level: Level
    concern: str | None = None


@dataclass(frozen=True)
class PartnerTally:
    """Counts per level for one partner company (None: voters no partner claims)."""

    partner: str | None
    counts: tuple[tuple[Level, int], ...]

    @property
    def total(self) -> int:
        """How many of this partner's deciders voted."""
        return sum(n for _, n in self.counts)

    def count(self, level: Level) -> int:
        """Votes at `level`."""
        return dict(self.counts)[level]


@dataclass(frozen=True)
class Tally:
    """Counts per level overall and per partner, and who has not voted yet."""

    overall: PartnerTally
    by_partner: tuple[PartnerTally, ...]
    not_voted: tuple[str, ...]


@dataclass(frozen=True)
class Verdict:
    """The outcome with what explains it: awaited partners, blockers, concerns to watch."""

    outcome: Outcome
    awaiting: tuple[str, ...] = ()
    blocking_concerns: tuple[str, ...] = ()
    assumptions: tuple[str, ...] = ()


def check_vote(level: Level, concern: str | None) -> str | None:
    """Validate a vote's concern: a block must say which interest is not addressed."""
    text = (concern or "").strip()
    if level is Level.BLOCK and not text:
        raise UserError("A block needs the concern behind it: which interest of yours does the proposal not address?", field="concern")
    if len(text) > CONCERN_MAX:
        raise UserError(f"Keep the concern under {CONCERN_MAX} characters.", field="concern")
    if level is Level.SUPPORT:
        return None
    return text or None


def _counts(votes: Iterable[Vote]) -> tuple[tuple[Level, int], ...]:
    levels = [v.level for v in votes]
    return tuple((level, levels.count(level)) for level in Level)


def _counted(votes: Sequence[Vote], deciders: Sequence[str]) -> list[Vote]:
    """Deciders' votes; anonymous votes were checked against the deciders when they were cast."""
    allowed = set(deciders)
    return [v for v in votes if v.voter_id in allowed or v.voter_id == ANONYMOUS]


def tally(votes: Sequence[Vote], deciders: Sequence[str], partners: Sequence[str], voted_ids: Sequence[str] | None = None) -> Tally:
    """Count the votes of deciders only, overall and for each partner in the alliance's order.

    `voted_ids` says who voted when the votes carry no voter (anonymous mode)."""
    counted = _counted(votes, deciders)
    voted = set(voted_ids) if voted_ids is not None else {v.voter_id for v in counted}
    groups: list[PartnerTally] = [PartnerTally(p, _counts(v for v in counted if v.partner == p)) for p in partners]
    unmapped = [v for v in counted if v.partner not in partners]
    if unmapped:
        groups.append(PartnerTally(None, _counts(unmapped)))
    return Tally(PartnerTally(None, _counts(counted)), tuple(groups), tuple(d for d in deciders if d not in voted))


def verdict(votes: Sequence[Vote], deciders: Sequence[str], partners: Sequence[str], *, closed: bool) -> Verdict:
    """Apply the consensus rules.

    Any block means no consensus. At the close: no votes at all is no decision (status quo); a
    partner none of whose people voted means no consensus (that partner is awaited); all
    support is full consensus; otherwise qualified consensus, whose concerns become the
    assumptions to monitor. While open, only a block already decides.
    """
    counted = _counted(votes, deciders)
    blocks = tuple(v.concern or "" for v in counted if v.level is Level.BLOCK)
    if blocks:
        return Verdict(Outcome.NO_CONSENSUS, blocking_concerns=blocks)
    if not closed:
        return Verdict(Outcome.OPEN)
    if not counted:
        return Verdict(Outcome.NO_DECISION)
    voted_partners = {v.partner for v in counted}
    awaiting = tuple(p for p in partners if p not in voted_partners)
    if awaiting:
        return Verdict(Outcome.NO_CONSENSUS, awaiting=awaiting)
    if all(v.level is Level.SUPPORT for v in counted):
        return Verdict(Outcome.FULL)
    assumptions = tuple(dict.fromkeys(v.concern for v in counted if v.level.qualified and v.concern))
    return Verdict(Outcome.QUALIFIED, assumptions=assumptions)


def everyone_voted(votes: Sequence[Vote], deciders: Sequence[str]) -> bool:
    """True when every decider has a vote (an auto-close decision then closes)."""
    voted = {v.voter_id for v in votes}
    return bool(deciders) and all(d in voted for d in deciders)


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
        """True when every decider has voted in the current round."""
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
        """The outcome so far, or as it closed."""
        return verdict(self.votes, self.decider_ids, self.partners, closed=not self.is_open)

    def closing_verdict(self) -> Verdict:
        """The outcome if it closed now."""
        return verdict(self.votes, self.decider_ids, self.partners, closed=True)


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
    if decision.is_open or decision.outcome is not Outcome.NO_CONSENSUS:
        raise UserError("A proposal is revised after a round ends without consensus.")


def concerns_raised(decision: Decision) -> tuple[str, ...]:
    """Every concern of the current round, blocks first: what a revision must answer."""
    ordered = sorted(decision.votes, key=lambda v: v.level is not Level.BLOCK)
    return tuple(dict.fromkeys(f"{LABELS[v.level]}: {v.concern}" for v in ordered if v.concern))


@dataclass(frozen=True)
class Proposal:
    """What the person starting a decision asked for."""

    text: str
    background: str | None = None
    preread_url: str | None = None
    deadline: datetime | None = None
    auto_close: bool = False
    deciders: tuple[str, ...] = ()  # empty: the channel's members
    anonymous: bool = False


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
    if errors:
        raise FormErrors(errors)
    return Proposal(proposal.text.strip(), (proposal.background or "").strip() or None, (proposal.preread_url or "").strip() or None,
                    proposal.deadline, proposal.auto_close, proposal.deciders, proposal.anonymous)


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
