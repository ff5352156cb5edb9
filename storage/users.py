"""Repository for the cache of Slack users (home team and organisation, time zone, email when Slack shares it)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain.alliance import Member
from storage.db import Database
from storage.models.installations import SlackUserRow


def cached_members(session: Session, installation_id: int, user_ids: Iterable[str], *, now: datetime,
                   max_age: timedelta) -> dict[str, Member]:
    """Members cached more recently than `max_age`, by user id."""
    ids = list(dict.fromkeys(user_ids))
    found: dict[str, Member] = {}
    for start in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
        rows = session.scalars(select(SlackUserRow).where(
            SlackUserRow.installation_id == installation_id, SlackUserRow.user_id.in_(ids[start:start + 500]),
            SlackUserRow.fetched_at >= now - max_age))
        for row in rows:
            found[row.user_id] = Member(row.user_id, row.team_id, row.real_name or row.name, row.tz, row.is_bot, row.deleted, row.is_admin,
                                     row.email, row.enterprise_id, row.enterprise_name)
    return found


def store_members(session: Session, installation_id: int, members: Iterable[Member], *, now: datetime) -> None:
    """Insert or refresh cached members."""
    members = list(members)
    existing = {row.user_id: row for row in session.scalars(select(SlackUserRow).where(
        SlackUserRow.installation_id == installation_id, SlackUserRow.user_id.in_([m.user_id for m in members])))}
    for member in members:
        row = existing.get(member.user_id)
        if row is None:
            row = SlackUserRow(installation_id=installation_id, user_id=member.user_id)
            session.add(row)
        row.team_id, row.real_name, row.name = member.team_id, member.name, member.name
        row.tz, row.is_bot, row.deleted, row.fetched_at = member.tz, member.is_bot, member.deleted, now
        row.is_admin, row.email, row.enterprise_id = member.is_admin, member.email, member.enterprise_id
        row.enterprise_name = member.enterprise_name


def save_members(db: Database, installation_id: int, members: Iterable[Member], *, now: datetime) -> None:
    """Cache members in their own short transaction, tolerating a concurrent insert of the same user."""
    members = list(members)
    for attempt in (1, 2):
        try:
            with db.write() as session:
                store_members(session, installation_id, members, now=now)
            return
        except IntegrityError:
            # Another worker cached the same user at the same moment; the second pass updates it.
            if attempt == 2:
                raise
