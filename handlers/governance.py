"""Governance bodies: the list's "Add a body" button and the body form (`/alliance bodies` is routed by handlers/alliances.py)."""
from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.services import services_of
from bot.slack_edge.errors import listener, on_valid_form
from bot.slack_edge.payloads import Actor, state_values
from bot.usecases import alliances, governance
from bot.views import governance as views
from bot.views.ids import Action, Callback
from bot.views.metadata import ChannelRef


@listener
def add_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """"Add a body": the form, by a click (people of a partner company have no `/alliance body add`)."""
    ack()
    services, channel_id = services_of(context), ChannelRef.decode(body["actions"][0].get("value")).channel_id
    actor = Actor.from_interaction(body)
    if alliances.require(services, context["installation_id"], channel_id, actor.user_id, "so that its bodies seat its partners") is None:
        return
    governance.open_form(services, context["installation_id"], channel_id, body["trigger_id"])


@listener
def body_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Check the form; field errors go back into it, a valid body is saved and shown in the channel."""
    view, services = body["view"], services_of(context)
    on_valid_form(ack, views.NAME, lambda: governance.read_form(services, context["installation_id"], view, state_values(view)),
                  lambda found: governance.save(services, context["installation_id"], found[0], Actor.from_interaction(body).user_id,
                                                found[1], found[2]))


@listener
def edit_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """A body's "Edit": the form, prefilled (by a click, for either partner's people)."""
    ack()
    channel_id, name = views.editing(body["actions"][0].get("value"))
    governance.open_form(services_of(context), context["installation_id"], channel_id, body["trigger_id"], changing=name)


def register(app: App) -> None:
    """Wire the body form and its button."""
    app.action(Action.GOVERNANCE_ADD_BODY)(add_clicked)
    app.view(Callback.GOVERNANCE_BODY)(body_submitted)
    app.action(Action.GOVERNANCE_EDIT_BODY)(edit_clicked)
