"""`/alliance`: show and set up the channel's alliance; keep member profiles fresh."""
from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.services import services_of
from bot.slack_edge.directory import member_from_user
from bot.slack_edge.errors import listener, on_valid_form
from bot.slack_edge.payloads import Actor, CommandCall, state_values
from bot.usecases import alliances
from bot.views.ids import Action, Block, Callback, Command
from bot.views.metadata import ChannelRef


@listener
def alliance_command(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """Route /alliance [setup|zone|help]; the answer comes after the ack."""
    ack()
    answer = alliances.command(services_of(context), context["installation_id"], CommandCall.parse(body))
    if answer is not None:
        respond(text=answer[0], blocks=answer[1], response_type="ephemeral")


@listener
def setup_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Check the form; field errors go back into the modal, a valid setup is saved and announced."""
    view = body["view"]
    on_valid_form(ack, Block.ALLIANCE_NAME, lambda: alliances.read_setup(view, state_values(view)),
                  lambda alliance: alliances.save_setup(services_of(context), context["installation_id"], Actor.from_interaction(body).user_id,
                                                        alliance))


@listener
def setup_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """"Set up the alliance" / "Edit the alliance": the setup form by a click, for people who cannot run `/alliance setup`."""
    ack()
    alliances.open_setup(services_of(context), context["installation_id"], ChannelRef.decode(body["actions"][0].get("value")).channel_id,
                         body["trigger_id"])


@listener
def user_changed(event: dict[str, Any], context: BoltContext) -> None:
    """People travel and change time zones: refresh the cached profile."""
    services_of(context).directory.remember(context["installation_id"], [member_from_user(event["user"])])


def register(app: App) -> None:
    """Wire /alliance, its setup form (and the buttons that open it) and profile changes."""
    app.command(Command.ALLIANCE)(alliance_command)
    app.action(Action.ALLIANCE_EDIT)(setup_clicked)
    app.view(Callback.ALLIANCE_SETUP)(setup_submitted)
    app.event("user_change")(user_changed)
