"""`/action`, the "Create action item" message shortcut, and the buttons on an item."""
from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.domain.actions import CAPTURE_REACTION
from bot.services import services_of
from bot.slack_edge.errors import listener, on_valid_form
from bot.slack_edge.payloads import Actor, CommandCall, state_values
from bot.usecases import actions
from bot.views import actions as views
from bot.views.ids import Action, Block, Callback, Command


@listener
def action_command(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """`/action <text> [@owner] [by <date>]` captures; `list [mine]`, `done <id>` and `help` answer privately."""
    ack()
    answer = actions.command(services_of(context), context["installation_id"], CommandCall.parse(body))
    if answer is not None:
        respond(text=answer[0], blocks=answer[1], response_type="ephemeral")


@listener
def from_message(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """"Create action item" on a message: the form, prefilled with the message and a link back to it."""
    ack()
    message = body.get("message") or {}
    actions.open_form_from_message(services_of(context), body["channel"]["id"], str(message.get("text") or ""),
                                   str(body.get("message_ts") or message.get("ts")), body["trigger_id"])


@listener
def reaction_added(event: dict[str, Any], context: BoltContext) -> None:
    """A :memo: reaction on a channel's message captures it (anyone can react, partner companies' people included)."""
    item = event.get("item") or {}
    if event.get("reaction") != CAPTURE_REACTION or item.get("type") != "message" or not event.get("user"):
        return
    actions.capture_from_reaction(services_of(context), context["installation_id"], str(item.get("channel")), str(item.get("ts")),
                                  str(event["user"]))


@listener
def form_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Field errors go back into the form; a valid one posts the item."""
    services, installation_id, view, creator = services_of(context), context["installation_id"], body["view"], Actor.from_interaction(body).user_id

    def capture(form: actions.FormCapture) -> None:
        # A view submission names no channel; this lets the error boundary answer in the form's
        # channel (or by DM when the bot is not in it) if posting the item fails.
        body.setdefault("channel", {"id": form.channel_id})
        actions.capture_form(services, installation_id, creator, form)

    on_valid_form(ack, Block.ACTION_TEXT, lambda: actions.read_form(services, installation_id, view, state_values(view), creator), capture)


@listener
def done_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """Done on the item's message or in a reminder DM (which then shows the item as done)."""
    ack()
    shown = actions.complete_clicked(services_of(context), context["installation_id"], body["actions"][0].get("value"),
                                     Actor.from_interaction(body).user_id, (body.get("container") or {}).get("channel_id"))
    if shown is not None:
        respond(text=shown[0], blocks=shown[1], replace_original=True)


@listener
def snooze_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """Snooze a day or a week: the due date and its reminders move."""
    ack()
    action = body["actions"][0]
    answer = actions.snooze(services_of(context), context["installation_id"], action.get("value"), Actor.from_interaction(body).user_id,
                            views.SNOOZE_ACTIONS[action["action_id"]])
    respond(text=answer, response_type="ephemeral", replace_original=False)


@listener
def menu_chosen(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """Done, Snooze or Reassign from the menu of an item in the person's private list (`/action list mine`, the panel)."""
    ack()
    chosen = (body["actions"][0].get("selected_option") or {}).get("value")
    answer = actions.menu_chosen(services_of(context), context["installation_id"], chosen, Actor.from_interaction(body).user_id,
                                 str(body.get("trigger_id") or ""))
    if answer is not None:
        respond(text=answer, response_type="ephemeral", replace_original=False)


@listener
def reassign_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Open the form to choose new owners."""
    ack()
    actions.open_reassign(services_of(context), context["installation_id"], body["actions"][0].get("value"), body["trigger_id"])


@listener
def reassign_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Move ownership and the reminders; tell each new owner. A bot or unknown person goes back into the form."""
    services, installation_id, actor = services_of(context), context["installation_id"], Actor.from_interaction(body).user_id
    on_valid_form(ack, Block.ACTION_OWNERS,
                  lambda: actions.read_reassign(services, installation_id, body["view"], state_values(body["view"]), actor),
                  lambda change: actions.reassign_to(services, installation_id, actor, change))


def register(app: App) -> None:
    """Wire /action, the message shortcut, the capture and reassign forms and the item's buttons."""
    app.command(Command.ACTION)(action_command)
    app.shortcut(Callback.ACTION_SHORTCUT)(from_message)
    app.event("reaction_added")(reaction_added)
    app.view(Callback.NEW_ACTION_ITEM)(form_submitted)
    app.action(Action.ACTION_DONE)(done_clicked)
    for action_id in views.SNOOZE_ACTIONS:
        app.action(action_id)(snooze_clicked)
    app.action(Action.ACTION_REASSIGN)(reassign_clicked)
    app.action(Action.ACTION_MENU)(menu_chosen)
    app.view(Callback.REASSIGN_ACTION)(reassign_submitted)
