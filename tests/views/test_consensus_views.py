"""Every decision message, form and list is valid Block Kit, in every state and at every size."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.domain.consensus import Decision, DecisionStatus, Level, Outcome, RoundSpan, Vote
from bot.slack_edge.blockkit import check_message, check_view
from bot.views import consensus as views

T0 = datetime(2026, 11, 23, 9, tzinfo=timezone.utc)
PARTNERS = ("Alpha <b>", "Beta")


def decision(n_deciders: int = 4, status: str = "open", outcome: Outcome | None = None, rounds: int = 1,
             votes: tuple[Vote, ...] = (), proposal: str = "Move the Phase 2 start to Q3") -> Decision:
    deciders = tuple((f"U{i}", PARTNERS[i % 2]) for i in range(n_deciders))
    spans = tuple(RoundSpan(i + 1, T0 + timedelta(days=3 * i), T0 + timedelta(days=3 * i + 2) if status == "closed" or i < rounds - 1 else None)
                  for i in range(rounds))
    return Decision(7, "C1", "U0", DecisionStatus(status), outcome, "1.1", "1.1", PARTNERS, deciders, rounds, proposal, spans, votes)


VOTES = (Vote("U0", PARTNERS[0], Level.SUPPORT), Vote("U1", "Beta", Level.BLOCK, "IP <terms> & scope"), Vote("U2", PARTNERS[0], Level.ACCEPT, "cost"))


@pytest.mark.parametrize("d", [
    decision(), decision(votes=VOTES), decision(400, votes=VOTES), decision(rounds=3),
    decision(status="closed", outcome=Outcome.NO_CONSENSUS, votes=VOTES),
    decision(status="closed", outcome=Outcome.QUALIFIED, votes=(Vote("U0", PARTNERS[0], Level.ACCEPT, "c" * 2000),)),
    decision(status="closed", outcome=Outcome.NO_DECISION), decision(proposal="x" * 2500),
])
def test_decision_messages_are_valid(d: Decision) -> None:
    text, blocks = views.decision_message(d, T0 + timedelta(days=7))
    check_message(text, blocks)
    assert "<terms>" not in str(blocks) and "<b>" not in str(blocks)  # user text is escaped


def test_round_cost_and_buttons_follow_the_state() -> None:
    _, blocks = views.decision_message(decision(rounds=2), T0 + timedelta(days=4))
    assert "Round 2 since <!date^" in str(blocks) and "4 days 0 h since round 1 began" in str(blocks)
    _, open_blocks = views.decision_message(decision(), T0)
    labels = [e["text"]["text"] for b in open_blocks if b["type"] == "actions" for e in b["elements"]]
    assert labels == ["Support", "Accept", "Won't block", "Block", "Remind non-voters", "Close decision"]
    _, closed = views.decision_message(decision(status="closed", outcome=Outcome.NO_CONSENSUS, votes=VOTES), T0)
    assert [e["text"]["text"] for b in closed if b["type"] == "actions" for e in b["elements"]] == ["Revise proposal"]


@pytest.mark.parametrize("level", [Level.ACCEPT, Level.WONT_BLOCK, Level.BLOCK])
def test_concern_and_revision_forms_are_valid(level: Level) -> None:
    form = views.concern_modal(decision(proposal="p" * 2500), level)
    check_view(form)
    assert views.level_from_metadata(form["private_metadata"]) is level
    check_view(views.revise_modal(decision(status="closed", outcome=Outcome.NO_CONSENSUS, votes=VOTES)))


@pytest.mark.parametrize("count", [0, 1, 60])
def test_lists_and_logs_stay_within_limits(count: int) -> None:
    open_ones = [decision(votes=VOTES) for _ in range(count)]
    closed = [decision(status="closed", outcome=Outcome.FULL, rounds=2) for _ in range(count)]
    check_message(*views.decision_list(open_ones))
    check_message(*views.decision_log(closed))


def test_stale_button_values_are_a_clear_error() -> None:
    assert views.decision_id_from(views.button_value(12)) == 12
    with pytest.raises(Exception, match="out of date"):
        views.decision_id_from('{"v": 0}')


def test_assumption_forms_and_review_messages_are_valid() -> None:
    from dataclasses import replace

    full = decision(status="closed", outcome=Outcome.QUALIFIED, votes=(Vote("U0", PARTNERS[0], Level.ACCEPT, "FX <rate>"),))
    check_view(views.assumptions_modal(full))
    recorded = replace(full, assumptions=tuple(f"assumption {i} " + "a" * 400 for i in range(20)), review_at=T0 + timedelta(days=90))
    check_message(*views.decision_message(recorded, T0))
    check_message(*views.review_message(recorded))
