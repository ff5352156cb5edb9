"""A channel's alliance: show it, set it up (which partner each member speaks for), set its time zone, keep its panel,
and the one place every feature gets it from (`ensure`, `require`): in a Slack Connect channel nobody has set up,
the alliance its people's organisations imply."""
from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import holidays

from bot.domain.alliance import (
    Alliance,
    Member,
    MemberMapping,
    PartnerDraft,
    TeamSeen,
    build_alliance,
    implied_alliance,
    organisation_names,
    organisation_of,
    partner_organisations,
    require_bot_in_channel,
    roster,
    teams_seen,
)
from bot.domain.commands import split_command
from bot.domain.errors import FormErrors, UserError, present
from bot.domain.reach import Readiness
from bot.domain.recurrence import parse_zone
from bot.scheduler.alliances import mapped_note_posted, schedule_mapped_note
from bot.scheduler.delivery import EVENT_TYPE, LOOK_BACK
from bot.scheduler.milestones import schedule_nudges
from bot.scheduler.work import Sent
from bot.services import Services
from bot.slack_edge.gateway import SlackCallError
from bot.slack_edge.payloads import CommandCall, list_field, text_field
from bot.usecases import feeds, governance
from bot.views import alliance as views
from bot.views import panel as panel_views
from bot.views.ids import Block, Command, partner_block
from bot.views.metadata import ChannelRef
from storage.alliances import add_alliance, get_alliance, save_alliance
from storage.due_work import ClaimedWork
from storage.installations import installed_organisations
from storage.milestones import channel_milestones, set_alliance_zone
from storage.panels import claim_post, forget_post, panel_ts, record_post
from storage.private_routes import known_routes

logger = logging.getLogger(__name__)
SUBCOMMANDS = ("", "setup", "zone", "panel", "feed", "bodies", "body", "help")
PARTNER_FIELDS = 4  # the setup form has room for four partners


def command(services: Services, installation_id: int, call: CommandCall) -> views.Message | None:
    """`/alliance [setup|zone|help]`: the private answer, or None when a form was opened (or the way to set up shown) instead."""
    parsed = split_command(call.text, SUBCOMMANDS, Command.ALLIANCE)
    if parsed.subcommand == "zone":
        note = set_zone(services, installation_id, call.channel_id, call.user_id, parsed.rest, f"{Command.ALLIANCE} zone")
        return views.zone_message(note) if note else None
    if parsed.subcommand == "help":
        return views.help_message()
    if parsed.subcommand in ("bodies", "body"):
        if parsed.subcommand == "body" and parsed.rest.strip().lower() != "add":
            raise UserError(f"Use `{Command.ALLIANCE} bodies` to see the governance bodies, `{Command.ALLIANCE} body add` to add one.")
        if require(services, installation_id, call.channel_id, call.user_id, "so that its bodies seat its partners") is None:
            return None
        if parsed.subcommand == "bodies":
            return governance.list_bodies(services, installation_id, call.channel_id)
        governance.open_form(services, installation_id, call.channel_id, call.trigger_id)
        return None
    if parsed.subcommand == "feed":
        if require(services, installation_id, call.channel_id, call.user_id, "so that it has a calendar feed") is None:
            return None
        return feeds.command(services, installation_id, call.channel_id, call.user_id, parsed.rest)
    if parsed.subcommand == "panel":
        if require(services, installation_id, call.channel_id, call.user_id, "so that the panel can show its partners") is None:
            return None
        return views.zone_message(show_panel(services, installation_id, call.channel_id))
    if parsed.subcommand == "setup":
        open_setup(services, installation_id, call.channel_id, call.trigger_id)
        return None
    return summary(services, installation_id, call.channel_id)


def summary(services: Services, installation_id: int, channel_id: str) -> views.Message:
    """The channel's alliance with its members grouped by partner."""
    with services.db.read() as session:
        alliance = get_alliance(session, installation_id, channel_id)
    if alliance is None:
        return views.not_set_up_message(ChannelRef(channel_id))
    members = services.directory.members(installation_id, channel_id)
    grouped = roster(alliance, members)
    with services.db.read() as session:
        installed = installed_organisations(session, with_tokens=services.vault is not None)
        routes = known_routes(session, installation_id, [m.user_id for m in members])
    # The readiness check: per partner, whether their organisation installed the app and how private messages reach them.
    ready = {partner.name: Readiness.of([m.user_id for m in group], any(organisation_of(m) in installed or m.team_id in installed
                                                                         for m in group), routes)
             for partner, group in grouped.by_partner}
    return views.summary_message(alliance, grouped, team_names(services, teams_seen(members), members), ready)


def ensure(services: Services, installation_id: int, channel_id: str, user_id: str) -> Alliance | None:
    """The channel's alliance. In a Slack Connect channel nobody has set up, the one its people's organisations
    imply (`implied_alliance`), stored once however many ask at the same moment, and announced once in the
    channel with a button to edit it. None when everyone there comes from one organisation."""
    with services.db.read() as session:
        found = get_alliance(session, installation_id, channel_id)
    if found is not None:
        return found
    members = services.directory.members(installation_id, channel_id)
    implied = _implied(services, installation_id, channel_id, members)
    if implied is None:
        return None
    with services.db.write() as session:
        created = add_alliance(session, installation_id, implied, by_user=user_id, now=services.clock.now())
        # Ours, or the one a concurrent request stored a moment ago.
        alliance = present(get_alliance(session, installation_id, channel_id), "This channel's alliance was just removed; please try again.")
        # Said in the channel at once; queued too, so that a failed post is made later (once) rather than never.
        note = schedule_mapped_note(session, installation_id, channel_id, services.clock.now()) if created else None
    if note is not None:
        announce_mapping(services, installation_id, alliance, members, note)
        with services.db.write() as session:
            mapped_note_posted(session, installation_id, channel_id)
    return alliance


def announce_mapping(services: Services, installation_id: int, alliance: Alliance, members: list[Member], key: str) -> str:
    """Post how the implied alliance mapped the channel's people (marked with `key`, so a retry finds it), then the
    panel: every feature by clicks, for the partner's people too. Returns the note's ts."""
    text, blocks = views.mapped_message(ChannelRef(alliance.channel_id), alliance, roster(alliance, members))
    ts = services.gateway.post_message(alliance.channel_id, text, blocks, metadata={"event_type": EVENT_TYPE, "event_payload": {"key": key}})
    show_panel(services, installation_id, alliance.channel_id)
    return ts


def post_mapped_due(services: Services, work: ClaimedWork) -> Sent:
    """The mapping note the request that set the alliance up could not post: posted once (an earlier try's message,
    found by its key, counts), with the panel."""
    channel_id, now = str(work.payload["channel"]), services.clock.now()
    with services.db.read() as session:
        alliance = get_alliance(session, work.installation_id, channel_id)
    if alliance is None:
        return Sent({"skipped": "the alliance is gone"})
    found = services.gateway.find_marked_message(channel_id, EVENT_TYPE, work.key, oldest=now - LOOK_BACK)
    if found:
        show_panel(services, work.installation_id, channel_id)
        return Sent({"channel": channel_id, "ts": found, "reconciled": True})
    members = services.directory.members(work.installation_id, channel_id)
    return Sent({"channel": channel_id, "ts": announce_mapping(services, work.installation_id, alliance, members, work.key)})


def require(services: Services, installation_id: int, channel_id: str, user_id: str, why: str, typed: str | None = None) -> Alliance | None:
    """The channel's alliance (`ensure`); None when it needs setting up by hand, after showing the person, privately,
    `why` it is needed and a button to the setup form (people of a partner company cannot run `/alliance setup`),
    with what they `typed` to use again."""
    alliance = ensure(services, installation_id, channel_id, user_id)
    if alliance is None:
        text, blocks = views.setup_needed_message(ChannelRef(channel_id), why, typed)
        services.gateway.post_ephemeral(channel_id, user_id, text, blocks)
    return alliance


def _implied(services: Services, installation_id: int, channel_id: str, members: list[Member]) -> Alliance | None:
    """The alliance the channel's people imply, its partners named by Slack where it will say."""
    host = _host(services, installation_id, members)
    return implied_alliance(channel_id, members, team_names(services, partner_organisations(members, host), members), host)


def _host(services: Services, installation_id: int, members: list[Member]) -> str | None:
    """The organisation that installed the app (its bot's), whose partner comes first."""
    bot_user = services.bot_user(installation_id)
    return next((organisation_of(m) for m in members if m.user_id == bot_user), None)


def open_setup(services: Services, installation_id: int, channel_id: str, trigger_id: str) -> None:
    """Open the form at once (trigger ids expire in 3 s), then fill it in once members are known: with the
    current setup, else the one the channel's organisations imply, else the organisations seen."""
    ref = ChannelRef(channel_id)
    opened = services.gateway.open_view(trigger_id, views.loading_modal(ref))
    members = services.directory.members(installation_id, channel_id)
    try:
        require_bot_in_channel(members, services.bot_user(installation_id))
    except UserError as problem:
        services.gateway.update_view(opened["id"], views.problem_modal(ref, problem.message))
        raise
    with services.db.read() as session:
        current = get_alliance(session, installation_id, channel_id)
    teams = teams_seen(members)
    names = team_names(services, teams, members)
    teams = [replace(t, name=names.get(t.team_id)) for t in teams]
    current = current or implied_alliance(channel_id, members, names, _host(services, installation_id, members))
    services.gateway.update_view(opened["id"], views.setup_modal(ref, current, teams, members), opened.get("hash"))


def read_setup(view: dict[str, Any], values: dict[str, Any]) -> Alliance:
    """The alliance the setup form describes; `FormErrors` keyed by the form's blocks when it is not one."""
    ref = ChannelRef.decode(view.get("private_metadata"))
    drafts = [PartnerDraft(text_field(values, partner_block(n, "name")), text_field(values, partner_block(n, "team")) or None,
                           list_field(values, partner_block(n, "members")), text_field(values, partner_block(n, "country")))
              for n in range(1, PARTNER_FIELDS + 1)]
    chosen = text_field(values, Block.ALLIANCE_MAPPING) or MemberMapping.SLACK_TEAM.value
    if chosen not in {option.value for option in MemberMapping}:
        raise FormErrors({Block.ALLIANCE_MAPPING: "Choose one of the options."})
    try:
        # The countries whose public holidays the holidays library (a maintained calendar) knows.
        return build_alliance(ref.channel_id, text_field(values, Block.ALLIANCE_NAME), MemberMapping(chosen), drafts,
                              set(holidays.list_supported_countries()))
    except FormErrors as errors:
        raise FormErrors({views.field_block(k): v for k, v in errors.errors.items()}) from None


def save_setup(services: Services, installation_id: int, user_id: str, alliance: Alliance) -> None:
    """Store the alliance, then announce it in its channel with who speaks for which partner, and keep its panel."""
    with services.db.write() as session:
        save_alliance(session, installation_id, alliance, by_user=user_id, now=services.clock.now())
    members = services.directory.members(installation_id, alliance.channel_id)
    text, blocks = views.saved_message(alliance, roster(alliance, members), team_names(services, teams_seen(members), members), user_id)
    services.gateway.post_message(alliance.channel_id, text, blocks)
    # The panel makes every feature reachable by clicks, for the partner's people too (a new one, or brought up to date).
    show_panel(services, installation_id, alliance.channel_id)


def set_zone(services: Services, installation_id: int, channel_id: str, user_id: str, text: str, usage: str) -> str | None:
    """Set the alliance's time zone (`/alliance zone`, `/milestone zone`) and move the milestones' nudges to it;
    None when the alliance must be set up first (the person has been shown how)."""
    try:
        zone = parse_zone(text) if text else ""
    except ValueError as error:
        raise UserError(str(error)) from None
    if not zone:
        raise UserError(f"Give a zone, e.g. `{usage} Europe/Zurich`.")
    if require(services, installation_id, channel_id, user_id, "so that it has a time zone") is None:
        return None
    with services.db.write() as session:
        if not set_alliance_zone(session, installation_id, channel_id, zone):
            raise UserError("This channel's alliance was just removed; set it up again.")
        for milestone in channel_milestones(session, installation_id, channel_id, until=None):
            schedule_nudges(session, installation_id, milestone, zone, services.clock.now())
    return f"The alliance's time zone is now {zone}: milestone nudges, digests and assumption reviews follow it."


def team_names(services: Services, teams: list[TeamSeen], members: list[Member]) -> dict[str, str]:
    """Names of the Slack organisations seen: an Enterprise Grid organisation's as users.info gave it with its people,
    a workspace's from team.info (another company's may stay unnamed)."""
    names: dict[str, str] = {}
    known = organisation_names(members)
    for team in teams:
        name = known.get(team.team_id) or services.gateway.team_name(team.team_id)
        if name:
            names[team.team_id] = name
    return names


# Slack's answers to chat.update that mean the panel message is no longer there to update.
PANEL_GONE = frozenset({"message_not_found", "cant_update_message"})


def show_panel(services: Services, installation_id: int, channel_id: str) -> str:
    """Post the channel's panel and pin it, or bring the one already there up to date; never a second one.
    Returns what to tell the person who asked."""
    with services.db.read() as session:
        alliance = get_alliance(session, installation_id, channel_id)
        ts = panel_ts(session, installation_id, channel_id)
    if alliance is None:
        raise UserError(f"Set up this channel's alliance first with `{Command.ALLIANCE} setup`; the panel shows its partners.")
    text, blocks = panel_views.panel_message(alliance)
    now = services.clock.now()
    if ts:
        try:
            services.gateway.update_message(channel_id, ts, text, blocks)
            return "The panel pinned in this channel is up to date."
        except SlackCallError as error:
            if error.error not in PANEL_GONE:
                raise
        with services.db.write() as session:  # deleted in Slack: post it again, once
            claimed = forget_post(session, installation_id, channel_id, ts, now)
    else:
        with services.db.write() as session:
            claimed = claim_post(session, installation_id, channel_id, now)
    if not claimed:
        return "The panel is being posted in this channel right now."
    ts = services.gateway.post_message(channel_id, text, blocks)
    with services.db.write() as session:
        record_post(session, installation_id, channel_id, ts)
    try:
        services.gateway.pin(channel_id, ts)
    except SlackCallError as error:  # posted but not pinned (e.g. the workspace restricts pins): still usable
        logger.warning("could not pin the panel in %s: %s", channel_id, error.error)
    return "The panel is posted and pinned in this channel: everyone, from every partner company, can use its buttons."


def refresh_panel(services: Services, installation_id: int, channel_id: str) -> None:
    """After the alliance changed: bring a posted panel up to date (a channel without one is left alone)."""
    with services.db.read() as session:
        posted = panel_ts(session, installation_id, channel_id)
    if posted:
        show_panel(services, installation_id, channel_id)
