"""`/milestone`: add (command or form), list with payment totals, done, and the nudge buttons."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.domain.commands import split_command
from bot.domain.dates import add_months, local_today
from bot.domain.errors import FormErrors, UserError
from bot.domain.milestones import (
    MilestoneDraft,
    Milestone,
    PaymentState,
    check_form,
    check_move,
    parse_add,
    parse_offsets,
    parse_ref,
    parse_window,
)
from bot.scheduler.milestones import alliance_zone, schedule_nudges
from bot.slack_edge.errors import answer_errors
from bot.slack_edge.payloads import Actor, CommandCall, state_values
from bot.views import milestones as views
from bot.views.home import HomeSection
from bot.views.ids import Action, Block, Callback, Command
from bot.views.metadata import ChannelRef
from bot.usecases.alliances import set_zone
from storage.alliances import get_alliance
from storage.db import Session
from storage.milestones import (
    channel_milestones,
    create_milestone,
    load_milestone,
    mark_achieved,
    move_milestone,
    set_nudge_offsets,
    set_payment_state,
    set_snoozed,
)

if TYPE_CHECKING:
    from bot.services import Services

SUBCOMMANDS = ("", "add", "list", "done", "zone", "nudges", "help")


def register(app: App, services: Services) -> None:
    """Attach the /milestone listeners."""
    guard = answer_errors(services)

    @app.command(Command.MILESTONE)
    @guard
    def milestone_command(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        """Route `/milestone <subcommand>`; answers are private, additions are posted in the channel."""
        ack()
        call = CommandCall.parse(body)
        installation_id = context["installation_id"]
        command = split_command(call.text, SUBCOMMANDS, Command.MILESTONE)
        if command.subcommand == "":
            with services.db.read() as session:
                alliance = get_alliance(session, installation_id, call.channel_id)
            services.gateway.open_view(call.trigger_id, views.add_modal(call.channel_id, [p.name for p in alliance.partners] if alliance else []))
            return
        if command.subcommand == "add":
            today = typist_today(services, installation_id, call.channel_id, call.user_id)
            add(services, installation_id, call.channel_id, call.user_id, parse_add(command.rest, today))
            return
        text, blocks = answer(services, installation_id, call, command.subcommand, command.rest)
        respond(text=text, blocks=blocks, response_type="ephemeral")

    @app.view(Callback.MILESTONE_ADD)
    @guard
    def add_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """The form: field errors go back into it, a valid one adds the milestone."""
        view, values = body["view"], state_values(body["view"])
        installation_id = context["installation_id"]
        try:
            channel_id = ChannelRef.decode(view.get("private_metadata")).channel_id
            draft = check_form(values.get(Block.MILESTONE_NAME) or "", values.get(Block.MILESTONE_KIND), values.get(Block.MILESTONE_DUE),
                               values.get(Block.MILESTONE_PARTNER), values.get(Block.MILESTONE_OWNER), values.get(Block.MILESTONE_AMOUNT),
                               values.get(Block.MILESTONE_CURRENCY), values.get(Block.MILESTONE_DIRECTION),
                               typist_today(services, installation_id, channel_id, Actor.from_interaction(body).user_id))
        except FormErrors as errors:
            ack(response_action="errors", errors={views.FORM_FIELDS.get(k, Block.MILESTONE_NAME): v for k, v in errors.errors.items()})
            return
        except UserError as problem:
            ack(response_action="errors", errors={Block.MILESTONE_NAME: problem.message})
            return
        ack()
        add(services, installation_id, channel_id, Actor.from_interaction(body).user_id, draft)

    @app.action(Action.MILESTONE_ACHIEVED)
    @guard
    def achieved_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """Open the "achieved" form (the date, and for a payment whether it was invoiced or received)."""
        ack()
        milestone = find(services, context["installation_id"], views.milestone_id_from(body["actions"][0].get("value")))
        if not milestone.is_open:
            raise UserError(f"{milestone.ref} was already marked achieved on {milestone.achieved_on}.")
        today = channel_today(services, context["installation_id"], milestone.channel_id)
        services.gateway.open_view(body["trigger_id"], views.achieved_modal(milestone, today))

    @app.view(Callback.MILESTONE_ACHIEVED)
    @guard
    def achieved_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """Record the date (and the payment's state); a future date goes back into the form."""
        view, values = body["view"], state_values(body["view"])
        installation_id = context["installation_id"]
        milestone_id = views.milestone_id_from(view.get("private_metadata"))
        milestone = find(services, installation_id, milestone_id)
        on = date.fromisoformat(values.get(Block.MILESTONE_ACHIEVED_ON) or channel_today(services, installation_id, milestone.channel_id).isoformat())
        if on > channel_today(services, installation_id, milestone.channel_id):
            ack(response_action="errors", errors={Block.MILESTONE_ACHIEVED_ON: "It cannot be achieved in the future."})
            return
        ack()
        state = values.get(Block.MILESTONE_PAYMENT_STATE)
        achieve(services, installation_id, milestone, Actor.from_interaction(body).user_id, on, PaymentState(state) if state else None)

    @app.action(Action.MILESTONE_MOVE)
    @guard
    def move_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """Open the "move date" form."""
        ack()
        milestone = find(services, context["installation_id"], views.milestone_id_from(body["actions"][0].get("value")))
        services.gateway.open_view(body["trigger_id"], views.move_modal(milestone))

    @app.view(Callback.MILESTONE_MOVE)
    @guard
    def move_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """Move the date, keep the slip and its reason, and queue the nudges for the new date."""
        view, values = body["view"], state_values(body["view"])
        installation_id = context["installation_id"]
        milestone = find(services, installation_id, views.milestone_id_from(view.get("private_metadata")))
        raw = values.get(Block.MILESTONE_NEW_DATE)
        try:
            to_date, reason = check_move(milestone, date.fromisoformat(raw) if raw else milestone.due, values.get(Block.MILESTONE_REASON) or "",
                                         channel_today(services, installation_id, milestone.channel_id))
        except UserError as problem:
            ack(response_action="errors", errors={Block.MILESTONE_REASON if problem.field == "reason" else Block.MILESTONE_NEW_DATE: problem.message})
            return
        ack()
        user = Actor.from_interaction(body).user_id
        now = services.clock.now()
        with services.db.write() as session:
            move_milestone(session, milestone, to_date, reason, by_user=user, now=now)
            moved = load_milestone(session, installation_id, milestone.id)
            if moved is not None:
                schedule_nudges(session, installation_id, moved, now)
            zone = alliance_zone(session, installation_id, milestone.channel_id)
        if moved is not None:
            services.gateway.post_message(moved.channel_id, *views.moved_message(moved, user, zone))

    @app.action(Action.MILESTONE_SNOOZE)
    @guard
    def snooze_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        """Stop this milestone's nudges until its date is moved."""
        ack()
        installation_id = context["installation_id"]
        milestone = find(services, installation_id, views.milestone_id_from(body["actions"][0].get("value")))
        with services.db.write() as session:
            set_snoozed(session, milestone.id, True)
            schedule_nudges(session, installation_id, load_milestone(session, installation_id, milestone.id) or milestone, services.clock.now())
        text, blocks = views.note(f"Nudges for {milestone.ref} are snoozed; moving its date starts them again.")
        respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)


def answer(services: Services, installation_id: int, call: CommandCall, word: str, rest: str) -> views.Message:
    """The private answers: list, done, zone, nudges and help."""
    now = services.clock.now()
    if word == "list":
        months = parse_window(rest)
        with services.db.read() as session:
            zone = alliance_zone(session, installation_id, call.channel_id)
            today = local_today(now, zone)
            found = channel_milestones(session, installation_id, call.channel_id, until=add_months(today, months) if months else None)
        return views.milestone_list(found, months, zone, today)
    if word == "done":
        milestone = find(services, installation_id, parse_ref(rest))
        if milestone.channel_id != call.channel_id or not milestone.is_open:
            raise UserError(f"{milestone.ref} is not an open milestone of this channel (see `/milestone list`).")
        achieve(services, installation_id, milestone, call.user_id, channel_today(services, installation_id, call.channel_id), None)
        return views.note(f"{milestone.ref} is marked achieved.")
    if word == "zone":
        return views.note(set_zone(services, installation_id, call.channel_id, rest, f"{Command.MILESTONE} zone"))
    if word == "nudges":
        offsets = parse_offsets(rest)
        with services.db.write() as session:
            set_nudge_offsets(session, installation_id, call.channel_id, offsets, now)
            for milestone in channel_milestones(session, installation_id, call.channel_id, until=None):
                schedule_nudges(session, installation_id, milestone, now)
        return views.note("Milestones here are nudged " + ", ".join("on the day" if d == 0 else f"{d} days before" for d in offsets) + ".")
    return views.help_message()


def milestones_home_section(session: Session, installation_id: int, user_id: str, now: datetime) -> HomeSection | None:
    """Home tab source: the open milestones a person owns, due in the next 90 days or overdue."""
    today = local_today(now, "UTC")
    mine = channel_milestones(session, installation_id, None, until=today + timedelta(days=90), owner_id=user_id)
    return views.home_section(mine, "UTC", today)


def channel_today(services: Services, installation_id: int, channel_id: str) -> date:
    """Today in the alliance's zone."""
    with services.db.read() as session:
        zone = alliance_zone(session, installation_id, channel_id)
    return local_today(services.clock.now(), zone)


def typist_today(services: Services, installation_id: int, channel_id: str, user_id: str) -> date:
    """Today where the person typing is (Slack's zone for them, else the alliance's): what their dates mean."""
    zone = next((m.tz for m in services.directory.users(installation_id, [user_id]) if m.tz), None)
    return local_today(services.clock.now(), zone) if zone else channel_today(services, installation_id, channel_id)


def find(services: Services, installation_id: int, milestone_id: int) -> Milestone:
    """A milestone of this installation, or say it is gone."""
    with services.db.read() as session:
        milestone = load_milestone(session, installation_id, milestone_id)
    if milestone is None:
        raise UserError(f"I cannot find milestone M-{milestone_id}. See `/milestone list`.")
    return milestone


def add(services: Services, installation_id: int, channel_id: str, user_id: str, draft: MilestoneDraft) -> None:
    """Store the milestone, queue its nudges, and tell the channel."""
    now = services.clock.now()
    with services.db.write() as session:
        milestone_id = create_milestone(session, installation_id, channel_id, draft, by_user=user_id, now=now)
        created = load_milestone(session, installation_id, milestone_id)
        if created is not None:
            schedule_nudges(session, installation_id, created, now)
        zone = alliance_zone(session, installation_id, channel_id)
    if created is not None:
        services.gateway.post_message(channel_id, *views.added_message(created, zone, local_today(now, zone)))


def achieve(services: Services, installation_id: int, milestone: Milestone, user_id: str, on: date, state: PaymentState | None) -> None:
    """Record the achievement (once), stop its nudges, and tell the channel."""
    with services.db.write() as session:
        first = mark_achieved(session, milestone.id, on)
        if state is not None:
            set_payment_state(session, milestone.id, state)
        done = load_milestone(session, installation_id, milestone.id)
        if done is not None:
            schedule_nudges(session, installation_id, done, services.clock.now())  # cancels what is left
    if first and done is not None:
        services.gateway.post_message(done.channel_id, *views.achieved_message(done, user_id))
