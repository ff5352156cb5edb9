"""`/alliance`: show and set up the channel's alliance; keep member profiles fresh."""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.domain.alliance import (
    MemberMapping,
    PartnerDraft,
    TeamSeen,
    build_alliance,
    require_bot_in_channel,
    roster,
    teams_seen,
)
from bot.domain.commands import split_command
from bot.domain.errors import FormErrors, UserError
from bot.slack_edge.directory import member_from_user
from bot.slack_edge.errors import answer_errors, form_or_errors
from bot.slack_edge.payloads import Actor, CommandCall, list_field, state_values, text_field
from bot.views import alliance as views
from bot.views.ids import Block, Callback, Command, partner_block
from bot.views.metadata import ChannelRef
from handlers.milestones import set_zone
from storage.alliances import get_alliance, save_alliance

if TYPE_CHECKING:
    from bot.services import Services

SUBCOMMANDS = ("", "setup", "zone", "help")


def register(app: App, services: Services) -> None:
    """Attach the /alliance listeners."""
    guard = answer_errors(services)

    @app.command(Command.ALLIANCE)
    @guard
    def alliance_command(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        """Route /alliance [setup|zone|help]; the answer comes after the ack."""
        ack()
        call = CommandCall.parse(body)
        parsed = split_command(call.text, SUBCOMMANDS, Command.ALLIANCE)
        sub = parsed.subcommand
        if sub == "zone":
            text, blocks = views.zone_message(set_zone(services, context["installation_id"], call.channel_id, parsed.rest,
                                                       f"{Command.ALLIANCE} zone"))
            respond(text=text, blocks=blocks, response_type="ephemeral")
        elif sub == "help":
            text, blocks = views.help_message()
            respond(text=text, blocks=blocks, response_type="ephemeral")
        elif sub == "setup":
            open_setup(services, context["installation_id"], call)
        else:
            text, blocks = summary(services, context["installation_id"], call.channel_id)
            respond(text=text, blocks=blocks, response_type="ephemeral")

    @app.view(Callback.ALLIANCE_SETUP)
    @guard
    def setup_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """Check the form; field errors go back into the modal, a valid setup is saved and announced."""
        view = body["view"]
        ref = form_or_errors(ack, Block.ALLIANCE_NAME, lambda: ChannelRef.decode(view.get("private_metadata")))
        if ref is None:
            return
        actor = Actor.from_interaction(body)
        values = state_values(view)
        drafts = [PartnerDraft(text_field(values, partner_block(n, "name")), text_field(values, partner_block(n, "team")) or None,
                               list_field(values, partner_block(n, "members"))) for n in range(1, 5)]
        chosen = text_field(values, Block.ALLIANCE_MAPPING) or MemberMapping.SLACK_TEAM.value
        if chosen not in {option.value for option in MemberMapping}:
            ack(response_action="errors", errors={Block.ALLIANCE_MAPPING: "Choose one of the options."})
            return
        mapping = MemberMapping(chosen)
        try:
            alliance = build_alliance(ref.channel_id, text_field(values, Block.ALLIANCE_NAME), mapping, drafts)
        except FormErrors as errors:
            ack(response_action="errors", errors={views.field_block(k): v for k, v in errors.errors.items()})
            return
        installation_id = context["installation_id"]
        with services.db.write() as session:
            save_alliance(session, installation_id, alliance, by_user=actor.user_id, now=services.clock.now())
        ack()
        members = services.directory.members(installation_id, ref.channel_id)
        names = team_names(services, teams_seen(members))
        text, blocks = views.saved_message(alliance, roster(alliance, members), names, actor.user_id)
        services.gateway.post_message(ref.channel_id, text, blocks)

    @app.event("user_change")
    @guard
    def user_changed(event: dict[str, Any], context: BoltContext) -> None:
        """People travel and change time zones: refresh the cached profile."""
        services.directory.remember(context["installation_id"], [member_from_user(event["user"])])


def open_setup(services: Services, installation_id: int, call: CommandCall) -> None:
    """Open the form at once (trigger ids expire in 3 s), then fill it in once members are known."""
    ref = ChannelRef(call.channel_id)
    opened = services.gateway.open_view(call.trigger_id, views.loading_modal(ref))
    members = services.directory.members(installation_id, call.channel_id)
    try:
        require_bot_in_channel(members, services.bot_user_id)
    except UserError as problem:
        services.gateway.update_view(opened["id"], views.problem_modal(ref, problem.message))
        raise
    with services.db.read() as session:
        current = get_alliance(session, installation_id, call.channel_id)
    teams = teams_seen(members)
    names = team_names(services, teams)
    teams = [replace(t, name=names.get(t.team_id)) for t in teams]
    services.gateway.update_view(opened["id"], views.setup_modal(ref, current, teams, members), opened.get("hash"))


def summary(services: Services, installation_id: int, channel_id: str) -> tuple[str, list[dict[str, Any]]]:
    """The channel's alliance with its members grouped by partner."""
    with services.db.read() as session:
        alliance = get_alliance(session, installation_id, channel_id)
    if alliance is None:
        return views.summary_message(None, None, {})
    members = services.directory.members(installation_id, channel_id)
    return views.summary_message(alliance, roster(alliance, members), team_names(services, teams_seen(members)))


def team_names(services: Services, teams: list[TeamSeen]) -> dict[str, str]:
    """Names of the Slack teams seen (team.info; another org's team may stay unnamed)."""
    names: dict[str, str] = {}
    for team in teams:
        name = services.gateway.team_name(team.team_id)
        if name:
            names[team.team_id] = name
    return names
