"""The rules of consensus that every way of deciding shares: levels of agreement, votes, tallies per partner company
and the verdict. `bot.domain.consensus` (decisions and their rounds) and `bot.domain.governance` (bodies) build on it."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.errors import UserError

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
