"""`/digest`: preview the channel digest privately, or set when it is posted."""
from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.services import services_of
from bot.slack_edge.errors import listener
from bot.slack_edge.payloads import CommandCall
from bot.usecases import digests
from bot.views.ids import Command


@listener
def digest_command(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """`/digest` previews; `weekly …`, `daily …` and `off` set the schedule; `help` explains."""
    ack()
    call = CommandCall.parse(body)
    text, blocks = digests.command(services_of(context), context["installation_id"], call.channel_id, call.text)
    respond(text=text, blocks=blocks, response_type="ephemeral")


def register(app: App) -> None:
    """Wire /digest to its listener."""
    app.command(Command.DIGEST)(digest_command)
