"""The App Home tab: published when opened, and its Done buttons."""
from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.services import services_of
from bot.slack_edge.errors import listener
from bot.slack_edge.payloads import Actor
from bot.usecases import home
from bot.views.ids import Action


@listener
def home_opened(event: dict[str, Any], context: BoltContext) -> None:
    """Publish the person's Home tab when they open it (the Messages tab needs nothing)."""
    if event.get("tab", "home") == "home":
        home.publish(services_of(context), context["installation_id"], str(event["user"]))


@listener
def done_from_home(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Done on the Home tab: close the item, then show the tab without it."""
    ack()
    home.complete_item(services_of(context), context["installation_id"], body["actions"][0].get("value"), Actor.from_interaction(body).user_id,
                       home_of=context.get("delivered_to", context["installation_id"]))


def register(app: App) -> None:
    """Wire the Home tab's event and its Done button."""
    app.event("app_home_opened")(home_opened)
    app.action(Action.ACTION_DONE_HOME)(done_from_home)
