"""Repository for installations (the workspaces the bot serves)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models.installations import InstallationRow, InstallationTokenRow, SlackUserRow


def ensure_installation(session: Session, *, enterprise_id: str | None, team_id: str | None, team_name: str,
                        bot_user_id: str, now: datetime) -> int:
    """Record (or refresh) an installation and return its id."""
    # Insert-if-absent in one statement: several workers start at once and record the same workspace.
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(InstallationRow).values(
        enterprise_id=enterprise_id or "", team_id=team_id or "", team_name=team_name, bot_user_id=bot_user_id, installed_at=now,
    ).on_conflict_do_nothing(index_elements=["enterprise_id", "team_id"]))
    row = session.scalar(select(InstallationRow).where(
        InstallationRow.enterprise_id == (enterprise_id or ""), InstallationRow.team_id == (team_id or "")))
    assert row is not None
    row.team_name, row.bot_user_id = team_name, bot_user_id
    return row.id


def find_installation(session: Session, *, enterprise_id: str | None, team_id: str | None) -> int | None:
    """The installation a request belongs to: the team's own, else an org-wide one."""
    for team in (team_id or "", ""):
        found = session.scalar(select(InstallationRow.id).where(
            InstallationRow.enterprise_id == (enterprise_id or ""), InstallationRow.team_id == team))
        if found is not None:
            return found
    return None


def installed_organisations(session: Session, *, with_tokens: bool) -> set[str]:
    """The Slack workspaces and Enterprise Grid organisations that installed the app (in this deployment). With
    `with_tokens` (OAuth mode) only those that still have a bot token: an uninstall keeps the row, not the token."""
    query = select(InstallationRow.team_id, InstallationRow.enterprise_id)
    if with_tokens:
        query = query.join(InstallationTokenRow, InstallationTokenRow.installation_id == InstallationRow.id)
    rows = session.execute(query).all()
    return {value for row in rows for value in row if value}


def installation_bot_user(session: Session, installation_id: int) -> str | None:
    """The bot user of an installation (each workspace has its own)."""
    return session.scalar(select(InstallationRow.bot_user_id).where(InstallationRow.id == installation_id))


def own_installation(session: Session, installation_id: int, user_id: str) -> int | None:
    """The installation of the person's own organisation, when it is another one than `installation_id` and can
    speak (has a bot token): a partner's person in a shared channel whose company installed the app too. Their
    workspace (or, for an org-wide install, their Enterprise Grid organisation) is read from the member cache."""
    person = session.execute(select(SlackUserRow.team_id, SlackUserRow.enterprise_id).where(
        SlackUserRow.installation_id == installation_id, SlackUserRow.user_id == user_id)).first()
    if person is None or not person.team_id:
        return None
    found = find_installation(session, enterprise_id=person.enterprise_id, team_id=person.team_id)
    if found is None and person.enterprise_id:
        found = find_installation(session, enterprise_id=None, team_id=person.team_id)
    if found is None or found == installation_id or session.get(InstallationTokenRow, found) is None:
        return None
    return found


def installation_name(session: Session, installation_id: int) -> str:
    """The workspace's name as Slack gave it at install time ("" if unknown)."""
    return session.scalar(select(InstallationRow.team_name).where(InstallationRow.id == installation_id)) or ""
