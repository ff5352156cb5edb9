"""Meetings: what a person or the scheduler does with them (moving here from handlers/meetings.py, issue 13)."""
from __future__ import annotations

from datetime import datetime, timedelta

from bot.views import meetings as views
from bot.views.home import HomeSection
from storage.db import Session
from storage.meetings import meetings_between

HOME_DAYS, HOME_SHOWN = 14, 5


def home_section(session: Session, installation_id: int, user_id: str, now: datetime) -> HomeSection | None:
    """App Home source: the person's meetings in the next two weeks, or None."""
    found = meetings_between(session, installation_id, None, now, now + timedelta(days=HOME_DAYS), user_id)
    if not found:
        return None
    soon = any(o.starts_at - now < timedelta(days=1) for o in found)
    # On the scale of the other sections (action items 100, votes 90): a meeting today comes first.
    return HomeSection(title="Your meetings", blocks=views.home_blocks(found, HOME_SHOWN), urgency=110 if soon else 80,
                       hidden_count=max(0, len(found) - HOME_SHOWN))
