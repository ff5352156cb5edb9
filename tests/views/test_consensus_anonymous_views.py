"""Anonymous decisions on the message and in the log: valid Block Kit, and nothing that singles out a vote."""
from __future__ import annotations

import dataclasses

import pytest

from bot.domain.consensus import ANONYMOUS, Decision, GovernanceLoad, Level, Outcome, Vote
from bot.domain.disclosure import shown_now
from bot.slack_edge.blockkit import check_message
from bot.views import consensus as views
from tests.views.test_consensus_views import PARTNERS, T0, decision


def anonymous(status: str = "open", per_partner: int = 1, n_deciders: int = 8) -> Decision:
    votes = tuple(Vote(ANONYMOUS, partner, level, "why" if level is Level.BLOCK else None)
                  for partner in PARTNERS for level in (Level.SUPPORT, Level.BLOCK, Level.ACCEPT)[:per_partner])
    base = decision(n_deciders, status=status, outcome=Outcome.NO_CONSENSUS if status == "closed" else None, votes=votes)
    return dataclasses.replace(base, anonymous=True, ballots=tuple(u for u, _ in base.deciders[:len(votes)]))


def test_open_anonymous_decisions_show_who_may_still_vote_only_as_a_count() -> None:
    text, blocks = views.decision_message(anonymous(per_partner=2), T0)
    check_message(text, blocks)
    shown = str(blocks)
    assert "Not voted yet: 4 of 8" in shown and "<@U5>" not in shown and "Support 1" not in shown and "why" not in shown
    assert "(2/4 voted)" in shown  # how far each partner has got is fine to show


@pytest.mark.parametrize(("per_partner", "overall", "by_partner"), [(1, False, False), (2, True, False), (3, True, True)])
def test_counts_only_when_no_single_vote_can_be_deduced(per_partner: int, overall: bool, by_partner: bool) -> None:
    d = anonymous("closed", per_partner)
    text, blocks = views.decision_message(d, T0)
    check_message(text, blocks)
    shown = str(blocks)
    assert ("*All partners*: Support 2" in shown) is overall  # two votes in all would be told one by one
    assert ("fewer than 3 votes would reveal single votes" in shown) is not (overall and by_partner)
    assert (f"*Beta* ({per_partner}/4 voted): Support 1" in shown) is by_partner
    assert (shown_now(d).levels, shown_now(d).by_partner) == (overall, by_partner)


@pytest.mark.parametrize("level", list(Level))
def test_an_open_anonymous_message_is_the_same_whatever_the_last_vote_was(level: Level) -> None:
    # The message changes right after a vote; only its participation may change with it.
    before = anonymous(per_partner=2)
    reference = dataclasses.replace(before, votes=(*before.votes, Vote(ANONYMOUS, "Beta", Level.SUPPORT)),
                                    ballots=(*before.ballots, "U7"))
    voted = dataclasses.replace(reference, votes=(*before.votes, Vote(ANONYMOUS, "Beta", level, "a concern" if level is not Level.SUPPORT else None)))
    assert views.decision_message(voted, T0) == views.decision_message(reference, T0)
    assert views.decision_message(voted, T0) != views.decision_message(before, T0)  # the participation did change


def test_the_log_shows_the_governance_load() -> None:
    closed = dataclasses.replace(decision(status="closed", outcome=Outcome.FULL, rounds=2), load=GovernanceLoad(12, 3, 4, 1, 16))
    text, blocks = views.decision_log([closed] * 3)
    check_message(text, blocks)
    assert "Governance load: *36 interactions* (12 votes, 3 changes, 4 concerns, 1 revisions, 16 reminders)" in str(blocks)
    assert views.decision_log([decision(status="closed", outcome=Outcome.FULL)])[1][1]["text"]["text"].count("Governance") == 0


def test_the_new_decision_form_offers_anonymous_voting() -> None:
    form = views.start_modal("C1")
    voting = next(b for b in form["blocks"] if b.get("block_id") == "voting")
    assert [o["value"] for o in voting["element"]["options"]] == ["named", "anonymous"]
    assert voting["element"]["initial_option"]["value"] == "named"
