"""What an anonymous decision may show, and when: the one disclosure rule (threat model: docs/anonymity.md)."""
from __future__ import annotations

from dataclasses import dataclass

from bot.domain.consensus import Decision, Tally

# Anonymous counts per partner are shown only when every partner that voted has at least this
# many votes; smaller groups would let anyone who knows who voted deduce single votes.
MIN_ANONYMOUS_GROUP = 3


@dataclass(frozen=True)
class Disclosure:
    """What of a round's votes may be shown: level counts overall, level counts per partner, concerns.

    How many of each partner have voted (participation) is always shown; it says nothing of levels."""

    levels: bool
    by_partner: bool
    concerns: bool


def sealed(anonymous: bool, *, running: bool) -> bool:
    """Whether a round's levels are sealed: an anonymous round that is still running. While it runs,
    any level count, concern or number derived from them (a governance load of concerns) that
    changes right after someone votes would tell anyone who saw it before and after what they chose."""
    return anonymous and running


def disclosure(counted: Tally, *, anonymous: bool, running: bool) -> Disclosure:
    """What may be shown of a round counted as `counted`.

    Named votes: everything. Anonymous votes: nothing of levels while the round runs (see `sealed`);
    once it has ended, the concerns (they carry the outcome), the counts overall only when at least
    MIN_ANONYMOUS_GROUP votes were cast (one or two votes would be told one by one), and the counts
    per partner only when every partner that voted has that many (a partner with one decider, or
    overall minus the other partners, would reveal single votes)."""
    if not anonymous:
        return Disclosure(levels=True, by_partner=True, concerns=True)
    if sealed(anonymous, running=running):
        return Disclosure(levels=False, by_partner=False, concerns=False)
    enough = counted.overall.total == 0 or counted.overall.total >= MIN_ANONYMOUS_GROUP
    per_partner = all(group.total == 0 or group.total >= MIN_ANONYMOUS_GROUP for group in counted.by_partner)
    return Disclosure(levels=enough, by_partner=enough and per_partner, concerns=True)


def sealed_now(decision: Decision) -> bool:
    """An open anonymous decision: nothing of its current round's levels may be shown yet."""
    return sealed(decision.anonymous, running=decision.is_open)


def shown_now(decision: Decision) -> Disclosure:
    """What of the decision's current round may be shown (see `disclosure`)."""
    return disclosure(decision.tally(), anonymous=decision.anonymous, running=decision.is_open)
