"""Decisions in a governance body: the start form's decision type, a party's positions and the lead's party vote."""
from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.domain.errors import UserError
from bot.services import services_of
from bot.slack_edge.errors import form_or_errors, listener
from bot.slack_edge.payloads import Actor, state_values
from bot.usecases import body_decisions
from bot.views import consensus as views
from bot.views.ids import Action, Block, Callback


@listener
def type_chosen(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """A decision type chosen in the start form: the form is redrawn with its fields and defaults."""
    ack()
    body_decisions.type_chosen(services_of(context), context["installation_id"], body.get("view"), body["actions"][0].get("selected_option"))


@listener
def positions_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """A member of the body sees their own party's positions, privately."""
    ack()
    text, blocks = body_decisions.positions(services_of(context), context["installation_id"],
                                            views.decision_id_from(body["actions"][0].get("value")), Actor.from_interaction(body).user_id)
    respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)


@listener
def cast_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """A party's lead opens the form to cast the party's vote. (`respond`: a refusal reaches the person through the
    click's response_url, also where the bot is not in the channel.)"""
    ack()
    body_decisions.open_cast(services_of(context), context["installation_id"], views.decision_id_from(body["actions"][0].get("value")),
                             Actor.from_interaction(body).user_id, body["trigger_id"])


@listener
def cast_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The party's vote, stored before the form closes; a refusal goes back into the form."""
    services, installation_id, view = services_of(context), context["installation_id"], body["view"]
    form = form_or_errors(ack, Block.PARTY_LEVEL, lambda: body_decisions.read_cast(view, state_values(view)))
    if form is None:
        return
    decision_id, partner, level, concern = form
    try:
        body_decisions.store_party_vote(services, installation_id, decision_id, Actor.from_interaction(body).user_id, partner, level, concern)
    except UserError as refusal:
        ack(response_action="errors", errors={Block.PARTY_LEVEL: refusal.message})
        return
    ack()
    body_decisions.show(services, installation_id, decision_id)


def register(app: App) -> None:
    """Wire the start form's type choice, the party buttons and the lead's form."""
    app.action(Action.DECISION_TYPE)(type_chosen)
    app.action(Action.PARTY_POSITIONS)(positions_clicked)
    app.action(Action.CAST_PARTY_VOTE)(cast_clicked)
    app.view(Callback.CAST_PARTY_VOTE)(cast_submitted)
