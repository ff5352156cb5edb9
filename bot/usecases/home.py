"""The App Home tab: what is waiting for this person, gathered from every feature's section."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.services import Services
from bot.usecases import actions, meetings, milestones
from bot.views import consensus as consensus_views
from bot.views.home import HomeSection, home_view
from storage.channel_homes import partner_installations
from storage.db import Session
from storage.decisions import awaiting_vote

SectionSource = Callable[[Session, int, str, datetime], HomeSection | None]


def decisions_section(session: Session, installation_id: int, user_id: str, now: datetime) -> HomeSection | None:
    """Decisions waiting for the person's vote."""
    return consensus_views.home_section(awaiting_vote(session, installation_id, user_id))


# One callable per feature (the builder orders the sections by urgency).
SECTION_SOURCES: tuple[SectionSource, ...] = (actions.home_section, decisions_section, meetings.home_section, milestones.home_section)


def publish(services: Services, installation_id: int, user_id: str) -> None:
    """Build and publish one person's Home tab: their work in their installation's channels and in the shared
    channels whose alliance lives under the partner's installation (both companies installed the app)."""
    now = services.clock.now()
    with services.db.read() as session:
        sections = [s for where in partner_installations(session, installation_id) for s in (source(session, where, user_id, now) for source in SECTION_SOURCES)
                    if s is not None]
    services.gateway.publish_home(user_id, home_view(sections))


def complete_item(services: Services, installation_id: int, value: str | None, user_id: str, *, home_of: int | None = None) -> None:
    """Done on the Home tab: close the item (under `installation_id`, its channel's), then show the tab without it
    (`home_of`: the installation whose Home tab it is, when the item's shared channel lives under the partner's)."""
    actions.complete_clicked(services, installation_id, value, user_id, shown_in=None)
    publish(services, home_of if home_of is not None else installation_id, user_id)
