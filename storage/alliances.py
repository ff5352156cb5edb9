"""Repository for alliances: load and save a channel's setup as domain values."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.domain.alliance import Alliance, MemberMapping, Partner
from storage.models.alliances import AllianceRow, PartnerRow


def _to_domain(row: AllianceRow) -> Alliance:
    partners = tuple(Partner(p.name, p.slack_team_id, tuple(p.member_ids or ())) for p in row.partners)
    return Alliance(row.channel_id, row.name, MemberMapping(row.mapping), partners, row.time_zone)


def get_alliance(session: Session, installation_id: int, channel_id: str) -> Alliance | None:
    """The alliance of a channel, or None when it has not been set up."""
    row = session.scalar(select(AllianceRow).options(selectinload(AllianceRow.partners)).where(
        AllianceRow.installation_id == installation_id, AllianceRow.channel_id == channel_id))
    return _to_domain(row) if row else None


def save_alliance(session: Session, installation_id: int, alliance: Alliance, *, by_user: str, now: datetime) -> None:
    """Create or replace a channel's alliance setup (partners replaced as a whole)."""
    row = session.scalar(select(AllianceRow).options(selectinload(AllianceRow.partners)).where(
        AllianceRow.installation_id == installation_id, AllianceRow.channel_id == alliance.channel_id))
    if row is None:
        row = AllianceRow(installation_id=installation_id, channel_id=alliance.channel_id, created_by=by_user,
                          created_at=now, name=alliance.name, mapping=alliance.mapping.value, updated_at=now)
        session.add(row)
    row.name, row.mapping, row.updated_at = alliance.name, alliance.mapping.value, now
    row.partners.clear()
    session.flush()  # delete the old partner rows before their positions are reused
    row.partners.extend(
        PartnerRow(position=i, name=p.name, slack_team_id=p.slack_team_id, member_ids=list(p.member_ids))
        for i, p in enumerate(alliance.partners, start=1)
    )
