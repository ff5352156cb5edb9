"""The alliance panel's buttons: the click form of each command, for everyone in the channel."""
from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.services import services_of
from bot.slack_edge.errors import listener
from bot.slack_edge.payloads import Actor
from bot.usecases import panel


@listener
def panel_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """Ack, then answer as the button's command would, privately; a form opens where the command opens one."""
    ack()
    actor, action = Actor.from_interaction(body), body["actions"][0]
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    answer = panel.clicked(services_of(context), context["installation_id"], str(action["action_id"]), str(channel), actor.user_id,
                           actor.team_id, str(body.get("trigger_id") or ""))
    if answer is not None:
        respond(text=answer[0], blocks=answer[1], response_type="ephemeral", replace_original=False)


def register(app: App) -> None:
    """Wire every panel button to its listener."""
    for action_id in panel.COMMANDS:
        app.action(action_id)(panel_clicked)
