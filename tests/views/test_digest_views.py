"""The digest message stays within Slack's limits, however much there is to say."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from bot.domain.digest import Digest, Health, MadeDecision, WaitingDecision
from bot.domain.milestones import Kind, Milestone
from bot.slack_edge.blockkit import check_message
from bot.views.digest import digest_message

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)


def test_long_sections_are_cut_with_a_count_and_short_ones_kept() -> None:
    waiting = tuple(WaitingDecision(n, f"Proposal {n}", ("U1", "U2")) for n in range(80))
    milestones = tuple(Milestone(n, "C", f"Milestone {n}", Kind.CLINICAL, date(2027, 3, 2) + timedelta(days=n), "U") for n in range(60))
    digest = Digest("C", NOW, "UTC", waiting=waiting, made=(MadeDecision(900, "Keep", "Full consensus"),), milestones=milestones,
                    health=Health(4, 1.5, timedelta(days=3)))
    text, blocks = digest_message(digest)
    check_message(text, blocks)
    assert len(blocks) <= 50
    rendered = str(blocks)
    assert "…and" in rendered and "Keep" in rendered and "4 decisions closed" in rendered and "1.5 rounds" in rendered


def test_an_empty_digest_says_so_and_leaves_sections_out() -> None:
    text, blocks = digest_message(Digest("C", NOW, "UTC"))
    assert "nothing new" in text and "Milestones" not in str(blocks)


def test_an_anonymous_decision_shows_how_many_have_not_voted_not_who() -> None:
    waiting = (WaitingDecision(1, "Named", ("U1", "U2"), deciders=3), WaitingDecision(2, "Secret", ("U3", "U4"), anonymous=True, deciders=5))
    text, blocks = digest_message(Digest("C", NOW, "UTC", waiting=waiting))
    check_message(text, blocks)
    rendered = str(blocks)
    assert "<@U1>" in rendered and "<@U3>" not in rendered and "not voted: 2 of 5 (anonymous)" in rendered
