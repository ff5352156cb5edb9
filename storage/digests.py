"""Repository for channel digests: the schedule, and gathering what a digest shows; never commits.

Action items and meetings come from their features' repositories through `DigestSources`, so a
test can gather a digest without them.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.domain.consensus import DecisionStatus
from bot.domain.dates import local_today
from bot.domain.digest import (
    ACTION_HORIZON_DAYS,
    HEALTH_WINDOW,
    MILESTONE_HORIZON,
    OUTCOME_LABELS,
    AssumptionReview,
    ClosedSpan,
    Digest,
    MadeDecision,
    WaitingDecision,
    health,
    rule_from,
)
from bot.domain.recurrence import Rule
from storage.actions import overdue_and_due_soon
from storage.decisions import channel_decisions
from storage.meetings import meetings_between
from storage.milestones import channel_milestones, channel_schedule
from storage.models.decisions import DecisionRow, RoundRow
from storage.models.milestones import ChannelScheduleRow

ActionsSource = Callable[..., Any]  # (session, installation_id, channel_id, now, days=7) -> DueReport(overdue, due_soon)
MeetingsSource = Callable[..., Sequence[Any]]  # (session, installation_id, channel_id, start, end) -> [MeetingOccurrence]


@dataclass(frozen=True)
class DigestSources:
    """Where action items and meetings come from (other features' storage functions)."""

    actions: ActionsSource | None = overdue_and_due_soon
    meetings: MeetingsSource | None = meetings_between


DEFAULT_SOURCES = DigestSources()


def digest_rule(session: Session, installation_id: int, channel_id: str) -> tuple[Rule | None, int]:
    """The channel's digest schedule (None when off) and its version."""
    row = session.scalar(select(ChannelScheduleRow).where(ChannelScheduleRow.installation_id == installation_id,
                                                          ChannelScheduleRow.channel_id == channel_id))
    if row is None:
        return None, 0
    return rule_from(row.digest_every, row.digest_weekday, row.digest_at, row.digest_zone), row.digest_version


def set_digest_rule(session: Session, installation_id: int, channel_id: str, rule: Rule | None, now: datetime) -> int:
    """Store the schedule (None: off); returns the new version, which makes older firings stale."""
    row = channel_schedule(session, installation_id, channel_id, now)
    every = None if rule is None else ("weekly" if hasattr(rule, "weekday") else "daily")
    row.digest_every, row.digest_weekday = every, getattr(rule, "weekday", None)
    row.digest_at = rule.at.strftime("%H:%M") if rule else None
    row.digest_zone = rule.zone if rule else None
    row.digest_version, row.updated_at = row.digest_version + 1, now
    return row.digest_version


def gather(session: Session, installation_id: int, channel_id: str, *, now: datetime, since: datetime, zone: str,
           sources: DigestSources = DEFAULT_SOURCES) -> Digest:
    """Everything the channel's digest shows at `now`; "made" means closed after `since`."""
    # As both partners may see them: in a one-vote-per-party body, the parties' leads are who is awaited.
    waiting = tuple(WaitingDecision(d.id, d.proposal, d.tally().not_voted, d.deadline, d.anonymous, len(d.decider_ids))
                    for d in (o.shared() for o in channel_decisions(session, installation_id, channel_id, open_ones=True, limit=100)))
    closed = session.execute(select(DecisionRow.id, DecisionRow.outcome, DecisionRow.created_at, DecisionRow.closed_at, RoundRow.proposal,
                                    func.count(RoundRow.id).over(partition_by=DecisionRow.id), RoundRow.number)
                             .join(RoundRow, RoundRow.decision_id == DecisionRow.id)
                             .where(DecisionRow.installation_id == installation_id, DecisionRow.channel_id == channel_id,
                                    DecisionRow.status == DecisionStatus.CLOSED, DecisionRow.closed_at >= now - HEALTH_WINDOW)
                             .order_by(DecisionRow.closed_at, RoundRow.number)).all()
    latest = {row[0]: row for row in closed}  # the last round of each (ordered by round number)
    made = tuple(MadeDecision(r[0], r[4], OUTCOME_LABELS.get(r[1] or "", "Closed")) for r in latest.values() if r[3] and since < r[3] <= now)
    spans = [ClosedSpan(int(r[5]), r[2], r[3]) for r in latest.values() if r[3]]
    reviews = tuple(AssumptionReview(row.id, "", row.review_at, tuple(row.assumptions or ())) for row in session.scalars(
        select(DecisionRow).where(DecisionRow.installation_id == installation_id, DecisionRow.channel_id == channel_id,
                                  DecisionRow.review_at.is_not(None), DecisionRow.review_at <= now + timedelta(days=ACTION_HORIZON_DAYS),
                                  DecisionRow.review_at > since).order_by(DecisionRow.review_at)) if row.review_at is not None)
    if reviews:
        proposals = dict(session.execute(select(RoundRow.decision_id, RoundRow.proposal).where(
            RoundRow.decision_id.in_([r.decision_id for r in reviews])).order_by(RoundRow.number)).all())
        reviews = tuple(AssumptionReview(r.decision_id, proposals.get(r.decision_id, ""), r.review_at, r.assumptions) for r in reviews)
    today = local_today(now, zone)
    milestones = tuple(channel_milestones(session, installation_id, channel_id, until=today + MILESTONE_HORIZON))
    overdue: tuple[Any, ...] = ()
    due_soon: tuple[Any, ...] = ()
    if sources.actions is not None:
        report = sources.actions(session, installation_id, channel_id, now, ACTION_HORIZON_DAYS)
        overdue, due_soon = tuple(report.overdue), tuple(report.due_soon)
    meetings: tuple[Any, ...] = ()
    if sources.meetings is not None:
        meetings = tuple(sources.meetings(session, installation_id, channel_id, now, now + timedelta(days=7)))
    return Digest(channel_id, now, zone, waiting=waiting, made=made, overdue_actions=overdue, due_soon_actions=due_soon,
                  milestones=milestones, meetings=meetings, reviews=reviews, health=health(spans, now))
