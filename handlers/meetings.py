"""`/meeting`: propose fair slots, vote and confirm, prefs, add, list, cancel and move; the .ics follows each change."""
from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.services import services_of
from bot.slack_edge.errors import listener, on_valid_form
from bot.slack_edge.payloads import Actor, CommandCall, state_values
from bot.usecases import actions, consensus, meeting_plans, meetings
from bot.views.ids import Action, Block, Callback, Command


@listener
def meeting_command(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """Subcommands answer privately (a cadence is announced to the channel); no text (or `propose`) opens the form."""
    ack()
    answer = meetings.command(services_of(context), context["installation_id"], CommandCall.parse(body))
    if answer is not None:
        (text, blocks), in_channel = answer
        respond(text=text, blocks=blocks, response_type="in_channel" if in_channel else "ephemeral")


@listener
def propose_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Field errors go back into the form; a valid one posts the proposal."""
    services = services_of(context)
    on_valid_form(ack, Block.MEETING_TITLE, lambda: meetings.read_propose(services, body["view"], state_values(body["view"])),
                  lambda form: meeting_plans.propose(services, context["installation_id"], form[0], Actor.from_interaction(body).user_id, form[1]))


@listener
def add_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The add form: field errors go back into it."""
    services = services_of(context)
    on_valid_form(ack, Block.MEETING_TITLE, lambda: meetings.read_add(services, body["view"], state_values(body["view"])),
                  lambda form: meetings.register_external(services, context["installation_id"], form[0], Actor.from_interaction(body).user_id,
                                                          form[1]))


@listener
def prefs_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Keep a person's hours; their Slack zone wins over a typed one."""
    services, installation_id, user_id = services_of(context), context["installation_id"], Actor.from_interaction(body).user_id
    on_valid_form(ack, Block.PREFS_START, lambda: meetings.read_prefs(services, installation_id, user_id, state_values(body["view"])),
                  lambda form: meetings.save_prefs(services, installation_id, *form))


@listener
def slot_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """"works" or "doesn't work" on a slot."""
    ack()
    action = body["actions"][0]
    meetings.vote_slot(services_of(context), context["installation_id"], action.get("value"), Actor.from_interaction(body).user_id,
                       works=action["action_id"] == Action.MEETING_WORKS)


@listener
def confirm_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The organiser fixes one option: invites, reminders and the ledger follow."""
    ack()
    meetings.confirm(services_of(context), context["installation_id"], body["actions"][0].get("value"), Actor.from_interaction(body).user_id)


@listener
def add_action_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The review prompt's "Add an action item": the actions feature's own modal, linking back to the prompt (whose
    meeting the item then names)."""
    ack()
    message_ts = (body.get("message") or {}).get("ts") or (body.get("container") or {}).get("message_ts")
    actions.open_form_from_message(services_of(context), meetings.review_channel(body), "", message_ts, body["trigger_id"])


@listener
def start_decision_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The review prompt's "Start a consensus decision": the consensus form."""
    ack()
    consensus.open_start_form(services_of(context), context["installation_id"], meetings.review_channel(body), body["trigger_id"])


def register(app: App) -> None:
    """Wire /meeting, its three forms and the buttons on proposals and review prompts."""
    app.command(Command.MEETING)(meeting_command)
    app.view(Callback.MEETING_PROPOSE)(propose_submitted)
    app.view(Callback.MEETING_ADD)(add_submitted)
    app.view(Callback.MEETING_PREFS)(prefs_submitted)
    app.action(Action.MEETING_WORKS)(slot_clicked)
    app.action(Action.MEETING_FAILS)(slot_clicked)
    app.action(Action.MEETING_CONFIRM)(confirm_clicked)
    app.action(Action.MEETING_ADD_ACTION)(add_action_clicked)
    app.action(Action.MEETING_START_DECISION)(start_decision_clicked)
