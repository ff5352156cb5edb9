"""Repository for milestones, their slips, and the per-channel nudge settings; never commits."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.domain.milestones import DEFAULT_OFFSETS, Direction, Kind, Milestone, MilestoneDraft, Payment, PaymentState, Slip
from storage.models.alliances import AllianceRow
from storage.models.milestones import ChannelScheduleRow, MilestoneRow, MilestoneSlipRow


def _to_domain(row: MilestoneRow, slips: list[MilestoneSlipRow]) -> Milestone:
    payment = (Payment(Decimal(row.amount), str(row.currency), Direction(row.direction))
               if row.amount and row.currency and row.direction else None)
    return Milestone(
        id=row.id, channel_id=row.channel_id, name=row.name, kind=Kind(row.kind), due=row.due_date, created_by=row.created_by,
        payment=payment, partner=row.partner, owner_id=row.owner_id, achieved_on=row.achieved_on,
        payment_state=PaymentState(row.payment_state) if row.payment_state else None, snoozed=row.snoozed,
        slips=tuple(Slip(s.from_date, s.to_date, s.reason, s.by_user, s.at) for s in slips),
    )


def create_milestone(session: Session, installation_id: int, channel_id: str, draft: MilestoneDraft, *, by_user: str, now: datetime) -> int:
    """Add a milestone; returns its id."""
    payment = draft.payment
    row = MilestoneRow(installation_id=installation_id, channel_id=channel_id, name=draft.name, kind=draft.kind.value, due_date=draft.due,
                       partner=draft.partner, owner_id=draft.owner_id, amount=str(payment.amount) if payment else None,
                       currency=payment.currency if payment else None, direction=payment.direction.value if payment else None,
                       snoozed=False, created_by=by_user, created_at=now)
    session.add(row)
    session.flush()
    return row.id


def load_milestone(session: Session, installation_id: int, milestone_id: int) -> Milestone | None:
    """One milestone of this installation (never another workspace's), with its slips."""
    row = session.scalar(select(MilestoneRow).where(MilestoneRow.id == milestone_id, MilestoneRow.installation_id == installation_id))
    if row is None:
        return None
    slips = list(session.scalars(select(MilestoneSlipRow).where(MilestoneSlipRow.milestone_id == row.id).order_by(MilestoneSlipRow.id)))
    return _to_domain(row, slips)


def channel_milestones(session: Session, installation_id: int, channel_id: str | None, *, until: date | None,
                       open_only: bool = True, owner_id: str | None = None) -> list[Milestone]:
    """A channel's (or, with `owner_id`, a person's) milestones due up to `until` (None: all), soonest first."""
    query = select(MilestoneRow).where(MilestoneRow.installation_id == installation_id)
    if channel_id is not None:
        query = query.where(MilestoneRow.channel_id == channel_id)
    if owner_id is not None:
        query = query.where(MilestoneRow.owner_id == owner_id)
    if until is not None:
        query = query.where(MilestoneRow.due_date <= until)
    if open_only:
        query = query.where(MilestoneRow.achieved_on.is_(None))
    rows = list(session.scalars(query.order_by(MilestoneRow.due_date, MilestoneRow.id)))
    slips: dict[int, list[MilestoneSlipRow]] = {}
    if rows:
        for slip in session.scalars(select(MilestoneSlipRow).where(MilestoneSlipRow.milestone_id.in_([r.id for r in rows]))
                                    .order_by(MilestoneSlipRow.id)):
            slips.setdefault(slip.milestone_id, []).append(slip)
    return [_to_domain(r, slips.get(r.id, [])) for r in rows]


def mark_achieved(session: Session, milestone_id: int, on: date) -> bool:
    """Record the day it was achieved; False when it already was (a second click)."""
    result = session.execute(update(MilestoneRow).where(MilestoneRow.id == milestone_id, MilestoneRow.achieved_on.is_(None))
                             .values(achieved_on=on))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def set_payment_state(session: Session, milestone_id: int, state: PaymentState) -> None:
    """Whether an achieved milestone's payment was invoiced or received."""
    session.execute(update(MilestoneRow).where(MilestoneRow.id == milestone_id).values(payment_state=state.value))


def move_milestone(session: Session, milestone: Milestone, to_date: date, reason: str, *, by_user: str, now: datetime) -> None:
    """Give it a new due date and keep the slip; a move also ends a snooze."""
    session.execute(update(MilestoneRow).where(MilestoneRow.id == milestone.id).values(due_date=to_date, snoozed=False))
    session.add(MilestoneSlipRow(milestone_id=milestone.id, from_date=milestone.due, to_date=to_date, reason=reason, by_user=by_user, at=now))


def set_snoozed(session: Session, milestone_id: int, snoozed: bool) -> None:
    """Stop (or restart) the nudges of one milestone."""
    session.execute(update(MilestoneRow).where(MilestoneRow.id == milestone_id).values(snoozed=snoozed))


def channel_schedule(session: Session, installation_id: int, channel_id: str, now: datetime) -> ChannelScheduleRow:
    """The channel's settings row, created on first use (inside the caller's transaction)."""
    row = session.scalar(select(ChannelScheduleRow).where(ChannelScheduleRow.installation_id == installation_id,
                                                          ChannelScheduleRow.channel_id == channel_id))
    if row is None:
        row = ChannelScheduleRow(installation_id=installation_id, channel_id=channel_id, digest_version=0, updated_at=now)
        session.add(row)
        session.flush()
    return row


def nudge_offsets(session: Session, installation_id: int, channel_id: str) -> tuple[int, ...]:
    """The channel's nudge offsets in days (30, 7, 1 and the day itself unless changed)."""
    offsets = session.scalar(select(ChannelScheduleRow.nudge_offsets).where(
        ChannelScheduleRow.installation_id == installation_id, ChannelScheduleRow.channel_id == channel_id))
    return tuple(offsets) if offsets else DEFAULT_OFFSETS


def set_nudge_offsets(session: Session, installation_id: int, channel_id: str, offsets: tuple[int, ...], now: datetime) -> None:
    """Change the channel's nudge offsets."""
    row = channel_schedule(session, installation_id, channel_id, now)
    row.nudge_offsets, row.updated_at = list(offsets), now


def set_alliance_zone(session: Session, installation_id: int, channel_id: str, zone: str) -> bool:
    """Set the alliance's time zone (nudges, digests and reviews are read in it); False without an alliance."""
    result = session.execute(update(AllianceRow).where(AllianceRow.installation_id == installation_id,
                                                       AllianceRow.channel_id == channel_id).values(time_zone=zone))
    return bool(result.rowcount)  # type: ignore[attr-defined]
