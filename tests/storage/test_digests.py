"""What a channel's digest gathers: decisions, health, reviews, milestones, and other features' items through their seams."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.domain.consensus import Outcome, Proposal
from bot.domain.milestones import MilestoneDraft
from storage.db import Database
from storage.decisions import close_decision, create_decision, record_assumptions, start_round
from storage.digests import DigestSources, gather
from storage.milestones import create_milestone
from tests.storage.helpers import T0, installation

CHANNEL, OTHER = "C0ALLIANCE", "C0OTHER"


@dataclass(frozen=True)
class Item:
    ref: str
    text: str
    owner_ids: tuple[str, ...]
    due: date | None


@dataclass(frozen=True)
class Report:
    overdue: list[Item]
    due_soon: list[Item]


@dataclass(frozen=True)
class Meeting:
    title: str
    starts_at: datetime
    duration_minutes: int


def decide(db: Database, inst: int, channel: str, text: str, opened: datetime, closed: datetime | None, rounds: int = 1) -> int:
    with db.write() as session:
        decision_id = create_decision(session, installation_id=inst, channel_id=channel, creator_id="UMARIA", proposal=Proposal(text),
                                      deciders=[("UMARIA", "Alpha"), ("UKENJI", "Beta")], partners=["Alpha", "Beta"], now=opened)
        for n in range(rounds - 1):
            close_decision(session, decision_id, Outcome.NO_CONSENSUS, opened + timedelta(minutes=n + 1))
            start_round(session, decision_id, f"{text} v{n + 2}", opened + timedelta(hours=n + 1))
        if closed:
            close_decision(session, decision_id, Outcome.FULL, closed)
    return decision_id


def test_the_digest_gathers_its_sections_for_one_channel_only(database: Database) -> None:
    inst = installation(database)
    since = T0 - timedelta(days=7)
    decide(database, inst, CHANNEL, "Open question", T0 - timedelta(days=2), None)
    decide(database, inst, CHANNEL, "Decided this week", T0 - timedelta(days=5), T0 - timedelta(days=1), rounds=2)
    decide(database, inst, CHANNEL, "Decided last month", T0 - timedelta(days=40), T0 - timedelta(days=30))
    decide(database, inst, OTHER, "Another channel's", T0 - timedelta(days=2), None)
    reviewed = decide(database, inst, CHANNEL, "Reviewed soon", T0 - timedelta(days=60), T0 - timedelta(days=59))
    with database.write() as session:
        record_assumptions(session, reviewed, ["Supply holds"], T0 + timedelta(days=3))
        create_milestone(session, inst, CHANNEL, MilestoneDraft("IND filing", T0.date() + timedelta(days=30)), by_user="U", now=T0)
        create_milestone(session, inst, CHANNEL, MilestoneDraft("Far away", T0.date() + timedelta(days=200)), by_user="U", now=T0)
    sources = DigestSources(
        actions=lambda session, inst_id, channel, now, days: Report([Item("A-1", "Send CMC data", ("ULEE",), T0.date() - timedelta(days=1))], []),
        meetings=lambda session, inst_id, channel, start, end: [Meeting("JSC", T0 + timedelta(days=2), 60)])
    with database.read() as session:
        digest = gather(session, inst, CHANNEL, now=T0, since=since, zone="UTC", sources=sources)
    assert [(d.proposal, d.not_voted) for d in digest.waiting] == [("Open question", ("UMARIA", "UKENJI"))]
    assert [(d.proposal, d.outcome) for d in digest.made] == [("Decided this week v2", "Full consensus")]
    assert [(r.proposal, r.assumptions) for r in digest.reviews] == [("Reviewed soon", ("Supply holds",))]
    assert [m.name for m in digest.milestones] == ["IND filing"]
    assert [a.ref for a in digest.overdue_actions] == ["A-1"] and [m.title for m in digest.meetings] == ["JSC"]
    assert (digest.health.closed, digest.health.average_rounds) == (3, 4 / 3)


def test_without_other_features_their_sections_stay_empty(database: Database) -> None:
    inst = installation(database)
    with database.read() as session:
        digest = gather(session, inst, CHANNEL, now=T0, since=T0 - timedelta(days=7), zone="UTC", sources=DigestSources(None, None))
    assert digest.is_empty
