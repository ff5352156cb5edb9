"""Repository for alliances: load and save a channel's setup as domain values."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.domain.alliance import Alliance, MemberMapping, Partner
from storage.db import insert_if_absent
from storage.models.alliances import AllianceRow, PartnerRow


def _to_domain(row: AllianceRow) -> Alliance:
    partners = tuple(Partner(p.name, p.slack_team_id, tuple(p.member_ids or ()), p.country) for p in row.partners)
    return Alliance(row.channel_id, row.name, MemberMapping(row.mapping), partners, row.time_zone)


def get_alliance(session: Session, installation_id: int, channel_id: str) -> Alliance | None:
    """The alliance of a channel, or None when it has not been set up."""
    row = session.scalar(select(AllianceRow).options(selectinload(AllianceRow.partners)).where(
        AllianceRow.installation_id == installation_id, AllianceRow.channel_id == channel_id))
    return _to_domain(row) if row else None


def _insert(session: Session, installation_id: int, alliance: Alliance, by_user: str, now: datetime) -> int | None:
    """The new alliance row's id, or None when the channel has one (the unique constraint decides, so two
    transactions that both found none cannot both insert, on SQLite or PostgreSQL)."""
    inserted: int | None = insert_if_absent(session, AllianceRow, {
        "installation_id": installation_id, "channel_id": alliance.channel_id, "name": alliance.name, "mapping": alliance.mapping.value,
        "time_zone": alliance.time_zone, "created_by": by_user, "created_at": now, "updated_at": now}, AllianceRow.id)
    return inserted


def _partner_rows(alliance: Alliance) -> list[PartnerRow]:
    return [PartnerRow(position=i, name=p.name, slack_team_id=p.slack_team_id, member_ids=list(p.member_ids), country=p.country)
            for i, p in enumerate(alliance.partners, start=1)]


def add_alliance(session: Session, installation_id: int, alliance: Alliance, *, by_user: str, now: datetime) -> bool:
    """Store a channel's first alliance; False, storing nothing, when it already has one (also when a
    concurrent transaction has just stored it)."""
    alliance_id = _insert(session, installation_id, alliance, by_user, now)
    if alliance_id is None:
        return False
    for partner in _partner_rows(alliance):
        partner.alliance_id = alliance_id
        session.add(partner)
    session.flush()
    return True


def save_alliance(session: Session, installation_id: int, alliance: Alliance, *, by_user: str, now: datetime) -> None:
    """Create or replace a channel's alliance setup (partners replaced as a whole; its time zone kept)."""
    if add_alliance(session, installation_id, alliance, by_user=by_user, now=now):
        return
    # Locked, so that two setups saved at once replace the partners one after the other.
    row = session.scalars(select(AllianceRow).options(selectinload(AllianceRow.partners)).where(
        AllianceRow.installation_id == installation_id, AllianceRow.channel_id == alliance.channel_id).with_for_update()).one()
    row.name, row.mapping, row.updated_at = alliance.name, alliance.mapping.value, now
    row.partners.clear()
    session.flush()  # delete the old partner rows before their positions are reused
    row.partners.extend(_partner_rows(alliance))
