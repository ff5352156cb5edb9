"""Timed escalation (issue 19): a body decision that ends unresolved becomes a dispute of its body, which has a window of
business days to settle it; unresolved, it goes up the ladder, and at the top the body's fallback decides.

Pure: which move a closed round or a window's end makes, how long a window runs, and what a fallback gives. The shell
stores the dispute, schedules the window's reminder and end as due work, and tells the channel.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.agreement import Level, Outcome
from bot.domain.business_days import Holidays, business_days_between, no_holidays, reminder_before, window_end
from bot.domain.consensus import RoundRecord
from bot.domain.errors import UserError
from bot.domain.governance import Body, DecisionRule, Fallback, party_votes_as_votes

UNRESOLVED = (Outcome.NO_CONSENSUS, Outcome.NO_DECISION)
RESOLVED = (Outcome.FULL, Outcome.QUALIFIED)
DETAIL_MAX = 500


class DisputeStatus(StrEnum):
    """Where a dispute stands: live in the body it started in (`open`) or in one it went up to (`escalated`), or ended."""

    OPEN = "open"
    ESCALATED = "escalated"
    SETTLED = "settled"  # a round resolved it within a window
    DEFAULTED = "defaulted"  # the top body's window ended unresolved: its fallback applied
    AWAITING_PARTY = "awaiting_party"  # the fallback gives a party the deciding vote, which it has not cast yet

    @property
    def live(self) -> bool:
        """Whether a window is running."""
        return self in (DisputeStatus.OPEN, DisputeStatus.ESCALATED)


class StepKind(StrEnum):
    """What happened to a dispute; each is kept once per body."""

    OPENED = "opened"
    REMINDED = "reminded"
    ESCALATED = "escalated"
    SETTLED = "settled"
    DEFAULTED = "defaulted"
    ASKED = "asked"  # the deciding party's lead is asked for its deciding vote


class Resolution(StrEnum):
    """How a fallback ended a dispute."""

    STATUS_QUO = "status_quo"
    ADOPTED = "adopted"  # the deciding party's vote carries the proposal
    REJECTED = "rejected"  # the deciding party's vote is a block: the status quo stands


@dataclass(frozen=True)
class Step:
    """One step of a dispute: in which body, in which round of the decision, when, over how many business days."""

    kind: StepKind
    body: str
    round: int
    at: datetime
    business_days: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class Dispute:
    """A body decision's dispute: the body it is with now, that body's window, and its steps so far."""

    id: int
    decision_id: int
    body: str
    status: DisputeStatus
    opened_at: datetime  # when the current body's window opened
    window_ends_at: datetime
    steps: tuple[Step, ...] = ()
    resolution: Resolution | None = None

    @property
    def live(self) -> bool:
        """Whether a window is running."""
        return self.status.live

    @property
    def decided(self) -> bool:
        """Whether the top body's default ended it, or will once the deciding party casts its vote: no revision then."""
        return self.status in (DisputeStatus.DEFAULTED, DisputeStatus.AWAITING_PARTY)

    @property
    def started_at(self) -> datetime:
        """When the dispute first opened (in the first body)."""
        return self.steps[0].at if self.steps else self.opened_at

    def bodies(self) -> tuple[str, ...]:
        """The bodies it has been with, in order."""
        return tuple(dict.fromkeys(s.body for s in self.steps if s.kind in (StepKind.OPENED, StepKind.ESCALATED))) or (self.body,)

    def body_since_round(self) -> int:
        """The first round of the decision the current body decided (1 if it was the first body)."""
        return next((s.round for s in reversed(self.steps) if s.kind is StepKind.ESCALATED and s.body == self.body), 1)


@dataclass(frozen=True)
class Window:
    """A body's window of business days: when it opened and ends, and when its members are reminded (None: no business
    day between the opening and the last day)."""

    opened_at: datetime
    ends_at: datetime
    days: int
    remind_at: datetime | None


def window(body: Body, opened_at: datetime, zone: str, is_holiday: Holidays = no_holidays) -> Window:
    """The body's window opened at `opened_at`: its business days counted in the alliance's zone, skipping weekends and
    every partner's public holidays; the reminder is dropped when it would not fall inside the window."""
    ends = window_end(opened_at, body.window_days, zone, is_holiday)
    remind = reminder_before(ends, zone, is_holiday) if ends > opened_at else None
    return Window(opened_at, ends, body.window_days, remind if remind is not None and opened_at < remind < ends else None)


class Move(StrEnum):
    """What a closed round does to its decision's dispute."""

    NOTHING = "nothing"
    OPEN = "open"  # unresolved, and no dispute yet: the body's window starts
    SETTLE = "settle"  # a round in the dispute's body resolved it within the window
    KEEP = "keep"  # a revised round failed again: the same window keeps running


def after_round(dispute: Dispute | None, body: Body | None, outcome: Outcome | None, closed_at: datetime) -> Move:
    """The move a closed round of a body decision makes. A round that closes when (or after) the window ended is the
    window end's to judge, not the round's."""
    if body is None or outcome is None:
        return Move.NOTHING
    if dispute is None:
        return Move.OPEN if outcome in UNRESOLVED else Move.NOTHING
    if not dispute.live or dispute.body != body.name or closed_at >= dispute.window_ends_at:
        return Move.NOTHING
    return Move.SETTLE if outcome in RESOLVED else Move.KEEP


def next_body(current: Body, bodies: Mapping[str, Body], dispute: Dispute) -> Body | None:
    """Where an unresolved dispute goes when the current body's window ends: the body it escalates to, as the alliance
    has it now; None at the top (also when that body is gone, or the ladder was edited into a loop since)."""
    if current.escalates_to is None:
        return None
    found = bodies.get(current.escalates_to)
    if found is None or found.name in dispute.bodies():
        return None
    return found


@dataclass(frozen=True)
class Default:
    """What the top body's fallback gave: the status quo, or the deciding party's vote, with the clause it rests on."""

    resolution: Resolution
    party: str | None = None
    level: Level | None = None
    clause: str = ""

    @property
    def awaiting(self) -> bool:
        """A party has the deciding vote and stated no position: its lead is asked for it."""
        return self.party is not None and self.level is None

    def describe(self) -> str:
        """The default in a line, for the record and the log."""
        clause = f" under {self.clause}" if self.clause else ""
        if self.party is None:
            return f"the status quo stands{clause}"
        if self.level is None:
            return f"{self.party} has the deciding vote{clause} and has not cast it: its lead is asked to"
        carried = "the proposal is adopted" if self.resolution is Resolution.ADOPTED else "the status quo stands"
        return f"{self.party}'s vote decides{clause}: {self.level.label}, so {carried}"[:DETAIL_MAX]


def apply_default(body: Body, decision_type: str | None, position: Level | None) -> Default:
    """The top body's fallback for a decision of this type: the status quo, unless a party has the deciding vote on it,
    in which case that party's position (None: it stated none) adopts the proposal or, as a block, keeps the status quo."""
    fallback = body.fallback
    clause = fallback.clause if fallback is not None else ""
    party = fallback.deciding_party(decision_type or "") if fallback is not None else None
    if party is None or position is None:
        return Default(Resolution.STATUS_QUO, party, None, clause)
    return Default(Resolution.REJECTED if position is Level.BLOCK else Resolution.ADOPTED, party, position, clause)


def party_position(body: Body, party: str, rounds: Sequence[RoundRecord]) -> Level | None:
    """The last position `party` stated in these rounds (the latest first). In a one-vote-per-party body, only the vote its
    lead cast for it (its members' own positions, the lead's included, stay with their company); in a body of members,
    its lead's vote, or for a party without a lead in the body, the least agreeing of its members who voted."""
    lead = body.lead_of(party)
    for record in reversed(rounds):
        cast = [v for v in party_votes_as_votes(body, record.party_votes) if v.partner == party]
        if cast:
            return cast[-1].level
        if body.rule is DecisionRule.PARTY_UNANIMOUS:
            continue
        if lead is not None:
            own = next((v for v in record.votes if v.voter_id == lead), None)
            if own is not None:
                return own.level
            continue
        members = {m.user_id for m in body.members if m.partner == party}
        levels = [v.level for v in record.votes if v.voter_id in members]
        if levels:
            return max(levels, key=list(Level).index)
    return None


def days_between(start: datetime, end: datetime, zone: str, is_holiday: Holidays = no_holidays) -> int:
    """Business days after `start`'s day up to the one `end` falls in, in the alliance's zone (what a step took, or what is
    left of a window): a window's end, midnight local, belongs to the day before it."""
    return business_days_between(start, end - timedelta(microseconds=1), zone, is_holiday) if end > start else 0


def deciding_vote(fallback: Fallback, party: str, adopt: bool) -> Default:
    """The deciding party's vote, cast after the window ended: it adopts the proposal, or keeps the status quo."""
    return Default(Resolution.ADOPTED if adopt else Resolution.REJECTED, party, Level.SUPPORT if adopt else Level.BLOCK, fallback.clause)


def check_deciding_voter(body: Body, party: str, user_id: str) -> None:
    """Only the deciding party's lead in the top body casts its deciding vote (in a body without leads, any of its
    members there)."""
    lead = body.lead_of(party)
    allowed = {lead} if lead else {m.user_id for m in body.members if m.partner == party}
    if user_id not in allowed:
        who = f"<@{lead}>, {party}'s lead in the {body.name}" if lead else f"{party}'s members of the {body.name}"
        raise UserError(f"The deciding vote is {party}'s under the agreement: only {who} can cast it.")
