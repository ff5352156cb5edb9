"""The App Home tab: what is waiting for this person, gathered from every feature's section source."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltContext

from bot.slack_edge.errors import answer_errors
from bot.slack_edge.payloads import Actor
from bot.views import blocks as bk
from bot.views.actions import item_id_from
from bot.views.home import HomeSection, home_view
from bot.views.ids import Action
from handlers.actions import actions_home_section, complete, find
from handlers.meetings import meetings_home_section
from handlers.milestones import milestones_home_section
from storage.db import Session
from storage.decisions import awaiting_vote

if TYPE_CHECKING:
    from bot.services import Services

SectionSource = Callable[[Session, int, str, datetime], HomeSection | None]


def decisions_home_section(session: Session, installation_id: int, user_id: str, now: datetime) -> HomeSection | None:
    """Decisions waiting for the person's vote, soonest deadline first, each linked to its channel."""
    blocks = []
    for decision in awaiting_vote(session, installation_id, user_id):
        closes = (f" · closes {bk.date_token(decision.deadline.timestamp(), fallback=decision.deadline.strftime('%Y-%m-%d %H:%M UTC'))}"
                  if decision.deadline else "")
        blocks.append(bk.section(f"*{bk.escape(bk.clip(decision.proposal, 300))}*\nDecision {decision.id} in <#{decision.channel_id}>{closes}"))
    return HomeSection("Decisions waiting for your vote", blocks, urgency=90) if blocks else None


# One callable per feature (the builder orders the sections by urgency).
SECTION_SOURCES: tuple[SectionSource, ...] = (actions_home_section, decisions_home_section, meetings_home_section,
                                                milestones_home_section)


def publish_home(services: Services, installation_id: int, user_id: str) -> None:
    """Build and publish one person's Home tab."""
    now = services.clock.now()
    with services.db.read() as session:
        sections = [s for s in (source(session, installation_id, user_id, now) for source in SECTION_SOURCES) if s is not None]
    services.gateway.publish_home(user_id, home_view(sections))


def register(app: App, services: Services) -> None:
    """Attach the App Home listeners."""
    guard = answer_errors(services)

    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], context: BoltContext) -> None:
        """Publish the person's Home tab when they open it (the Messages tab needs nothing)."""
        if event.get("tab", "home") == "home":
            publish_home(services, context["installation_id"], str(event["user"]))

    @app.action(Action.ACTION_DONE_HOME)
    @guard
    def done_from_home(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """Done on the Home tab: close the item, then show the tab without it."""
        ack()
        installation_id, actor = context["installation_id"], Actor.from_interaction(body).user_id
        complete(services, installation_id, find(services, installation_id, item_id_from(body["actions"][0].get("value"))), actor)
        publish_home(services, installation_id, actor)
