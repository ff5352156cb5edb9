"""The App Home tab: what is waiting for this person, gathered from every feature's section."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.services import Services
from bot.usecases import actions, meetings, milestones
from bot.views import consensus as consensus_views
from bot.views.home import HomeSection, home_view
from storage.db import Session
from storage.decisions import awaiting_vote

SectionSource = Callable[[Session, int, str, datetime], HomeSection | None]


def decisions_section(session: Session, installation_id: int, user_id: str, now: datetime) -> HomeSection | None:
    """Decisions waiting for the person's vote."""
    return consensus_views.home_section(awaiting_vote(session, installation_id, user_id))


# One callable per feature (the builder orders the sections by urgency).
SECTION_SOURCES: tuple[SectionSource, ...] = (actions.home_section, decisions_section, meetings.home_section, milestones.home_section)


def publish(services: Services, installation_id: int, user_id: str) -> None:
    """Build and publish one person's Home tab."""
    now = services.clock.now()
    with services.db.read() as session:
        sections = [s for s in (source(session, installation_id, user_id, now) for source in SECTION_SOURCES) if s is not None]
    services.gateway.publish_home(user_id, home_view(sections))


def complete_item(services: Services, installation_id: int, value: str | None, user_id: str) -> None:
    """Done on the Home tab: close the item, then show the tab without it."""
    actions.complete_clicked(services, installation_id, value, user_id, shown_in=None)
    publish(services, installation_id, user_id)
