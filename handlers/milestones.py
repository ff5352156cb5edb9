"""`/milestone`: add (command or form), list with payment totals, done, and the nudge buttons."""
from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.services import services_of
from bot.slack_edge.errors import listener, on_valid_form
from bot.slack_edge.payloads import Actor, CommandCall, state_values
from bot.usecases import milestones
from bot.views.ids import Action, Block, Callback, Command


@listener
def milestone_command(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """Route `/milestone <subcommand>`; answers are private, additions are posted in the channel."""
    ack()
    answer = milestones.command(services_of(context), context["installation_id"], CommandCall.parse(body))
    if answer is not None:
        respond(text=answer[0], blocks=answer[1], response_type="ephemeral")


@listener
def add_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The form: field errors go back into it, a valid one adds the milestone."""
    services, installation_id, user = services_of(context), context["installation_id"], Actor.from_interaction(body).user_id
    on_valid_form(ack, Block.MILESTONE_NAME,
                  lambda: milestones.read_add_form(services, installation_id, body["view"], state_values(body["view"]), user),
                  lambda form: milestones.add(services, installation_id, form[0], user, form[1]))


@listener
def achieved_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Open the "achieved" form (the date, and for a payment whether it was invoiced or received)."""
    ack()
    milestones.open_achieved(services_of(context), context["installation_id"], body["actions"][0].get("value"), body["trigger_id"])


@listener
def achieved_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Record the date (and the payment's state); a future date goes back into the form."""
    services, installation_id = services_of(context), context["installation_id"]
    on_valid_form(ack, Block.MILESTONE_ACHIEVED_ON,
                  lambda: milestones.read_achieved(services, installation_id, body["view"], state_values(body["view"])),
                  lambda form: milestones.achieve(services, installation_id, form[0], Actor.from_interaction(body).user_id, *form[1:]))


@listener
def move_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Open the "move date" form."""
    ack()
    milestones.open_move(services_of(context), context["installation_id"], body["actions"][0].get("value"), body["trigger_id"])


@listener
def move_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Move the date, keep the slip and its reason, and queue the nudges for the new date."""
    services, installation_id = services_of(context), context["installation_id"]
    on_valid_form(ack, Block.MILESTONE_NEW_DATE,
                  lambda: milestones.read_move(services, installation_id, body["view"], state_values(body["view"])),
                  lambda form: milestones.move(services, installation_id, Actor.from_interaction(body).user_id, *form))


@listener
def snooze_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """Stop this milestone's nudges until its date is moved."""
    ack()
    text, blocks = milestones.snooze(services_of(context), context["installation_id"], body["actions"][0].get("value"))
    respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)


def register(app: App) -> None:
    """Wire /milestone, its three forms and the nudge buttons."""
    app.command(Command.MILESTONE)(milestone_command)
    app.view(Callback.MILESTONE_ADD)(add_submitted)
    app.action(Action.MILESTONE_ACHIEVED)(achieved_clicked)
    app.view(Callback.MILESTONE_ACHIEVED)(achieved_submitted)
    app.action(Action.MILESTONE_MOVE)(move_clicked)
    app.view(Callback.MILESTONE_MOVE)(move_submitted)
    app.action(Action.MILESTONE_SNOOZE)(snooze_clicked)
