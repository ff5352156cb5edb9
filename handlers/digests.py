"""`/digest`: preview the channel digest privately, or set when it is posted."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.domain.digest import parse_schedule, previous_firing
from bot.scheduler.digests import schedule_digest
from bot.scheduler.milestones import alliance_zone
from bot.slack_edge.errors import answer_errors
from bot.slack_edge.payloads import CommandCall
from bot.views import digest as views
from bot.views.ids import Command
from storage.digests import digest_rule, gather, set_digest_rule

if TYPE_CHECKING:
    from bot.services import Services


def register(app: App, services: Services) -> None:
    """Attach the /digest listener."""
    guard = answer_errors(services)

    @app.command(Command.DIGEST)
    @guard
    def digest_command(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        """`/digest` previews; `weekly …`, `daily …` and `off` set the schedule; `help` explains."""
        ack()
        call = CommandCall.parse(body)
        installation_id, text, now = context["installation_id"], call.text.strip(), services.clock.now()
        if text.lower() == "help":
            message = views.help_message()
        elif text == "":
            with services.db.read() as session:
                rule, _ = digest_rule(session, installation_id, call.channel_id)
                zone = alliance_zone(session, installation_id, call.channel_id)
                digest = gather(session, installation_id, call.channel_id, now=now, since=previous_firing(rule, now), zone=zone)
            message = views.digest_message(digest, rule, preview=True)
        else:
            with services.db.read() as session:
                zone = alliance_zone(session, installation_id, call.channel_id)
            rule = parse_schedule(text, zone)
            with services.db.write() as session:
                version = set_digest_rule(session, installation_id, call.channel_id, rule, now)
                schedule_digest(session, installation_id, call.channel_id, rule, version, now)
            message = views.schedule_note(rule)
        respond(text=message[0], blocks=message[1], response_type="ephemeral")
