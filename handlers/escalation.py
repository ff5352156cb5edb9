"""Timed escalation in Slack: the deciding party's vote, asked for when the top body's window ended without it."""
from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.services import services_of
from bot.slack_edge.errors import listener
from bot.slack_edge.payloads import Actor
from bot.usecases import escalation
from bot.views import consensus as views
from bot.views.ids import Action


@listener
def deciding_vote_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """"Adopt the proposal" or "Keep the status quo" by the deciding party's lead: recorded, the ask replaced by what was
    cast (a refusal reaches the clicker alone, through the click's response_url)."""
    ack()
    action = body["actions"][0]
    text, blocks = escalation.cast_deciding_vote(services_of(context), context["installation_id"], views.decision_id_from(action.get("value")),
                                                 Actor.from_interaction(body).user_id, adopt=action.get("action_id") == Action.DECIDING_ADOPT)
    respond(text=text, blocks=blocks, replace_original=True)


def register(app: App) -> None:
    """Wire the deciding vote's two buttons."""
    app.action(Action.DECIDING_ADOPT)(deciding_vote_clicked)
    app.action(Action.DECIDING_KEEP)(deciding_vote_clicked)
