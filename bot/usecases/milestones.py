"""Milestones and payments: add (command or form), list with totals, achieve, move, snooze, and the nudges the scheduler sends."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from bot.domain.commands import split_command
from bot.domain.dates import add_months, local_today
from bot.domain.errors import FormErrors, UserError, present
from bot.domain.milestones import (
    Milestone,
    MilestoneDraft,
    PaymentState,
    check_achieved,
    check_form,
    check_move,
    parse_add,
    parse_offsets,
    parse_ref,
    parse_window,
)
from bot.domain.reach import is_person
from bot.domain.zones import UTC
from bot.scheduler.delivery import post_once, tell_once
from bot.scheduler.milestones import queue_next_overdue, schedule_nudges
from bot.scheduler.work import Failed, Sent
from bot.services import Services
from bot.slack_edge.payloads import CommandCall, date_field
from bot.usecases import alliances, zones
from bot.views import milestones as views
from bot.views.home import HomeSection
from bot.views.ids import Block, Command
from bot.views.metadata import ChannelRef
from storage.db import Session
from storage.due_work import ClaimedWork
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

SUBCOMMANDS = ("", "add", "list", "done", "zone", "nudges", "help")
HOME_DAYS = 90


def command(services: Services, installation_id: int, call: CommandCall) -> views.Message | None:
    """`/milestone <subcommand>`: the private answer, or None when the form opened or the addition was posted."""
    asked = split_command(call.text, SUBCOMMANDS, Command.MILESTONE)
    word, rest, now = asked.subcommand, asked.rest, services.clock.now()
    if word == "":
        # The partners to choose from: in a Slack Connect channel nobody has set up, its organisations'.
        alliance = alliances.ensure(services, installation_id, call.channel_id, call.user_id)
        services.gateway.open_view(call.trigger_id, views.add_modal(call.channel_id, [p.name for p in alliance.partners] if alliance else []))
        return None
    if word == "add":
        add(services, installation_id, call.channel_id, call.user_id,
            parse_add(rest, typist_today(services, installation_id, call.channel_id, call.user_id)))
        return None
    if word == "list":
        months = parse_window(rest)
        with services.db.read() as session:
            zone = zones.alliance_zone(session, installation_id, call.channel_id)
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
        note = alliances.set_zone(services, installation_id, call.channel_id, call.user_id, rest, f"{Command.MILESTONE} zone")
        return views.note(note) if note else None
    if word == "nudges":
        offsets = parse_offsets(rest)
        with services.db.write() as session:
            set_nudge_offsets(session, installation_id, call.channel_id, offsets, now)
            zone = zones.alliance_zone(session, installation_id, call.channel_id)
            for milestone in channel_milestones(session, installation_id, call.channel_id, until=None):
                schedule_nudges(session, installation_id, milestone, zone, now)
        return views.note("Milestones here are nudged " + ", ".join("on the day" if d == 0 else f"{d} days before" for d in offsets) + ".")
    return views.help_message()


def read_add_form(services: Services, installation_id: int, view: dict[str, Any], values: dict[str, Any], user_id: str) -> tuple[str, MilestoneDraft]:
    """The add form's channel and milestone, or `FormErrors` keyed by the form's blocks."""
    channel_id = ChannelRef.decode(view.get("private_metadata")).channel_id
    try:
        draft = check_form(values.get(Block.MILESTONE_NAME) or "", values.get(Block.MILESTONE_KIND), values.get(Block.MILESTONE_DUE),
                           values.get(Block.MILESTONE_PARTNER), values.get(Block.MILESTONE_OWNER), values.get(Block.MILESTONE_AMOUNT),
                           values.get(Block.MILESTONE_CURRENCY), values.get(Block.MILESTONE_DIRECTION),
                           typist_today(services, installation_id, channel_id, user_id))
    except FormErrors as errors:
        raise FormErrors({views.FORM_FIELDS.get(k, Block.MILESTONE_NAME): v for k, v in errors.errors.items()}) from None
    return channel_id, draft


def open_achieved(services: Services, installation_id: int, value: str | None, trigger_id: str) -> None:
    """Open the "achieved" form (the date, and for a payment whether it was invoiced or received)."""
    milestone = find(services, installation_id, views.milestone_id_from(value))
    today = channel_today(services, installation_id, milestone.channel_id)
    check_achieved(milestone, today, today)  # one already achieved is not achieved again
    services.gateway.open_view(trigger_id, views.achieved_modal(milestone, today))


def read_achieved(services: Services, installation_id: int, view: dict[str, Any], values: dict[str, Any]) -> tuple[Milestone, date, PaymentState | None]:
    """The achieved form: the milestone, when (not in the future) and the payment's state; `FormErrors` otherwise."""
    milestone = find(services, installation_id, views.milestone_id_from(view.get("private_metadata")))
    today = channel_today(services, installation_id, milestone.channel_id)
    try:
        on = check_achieved(milestone, date_field(values, Block.MILESTONE_ACHIEVED_ON) or today, today)
    except UserError as problem:
        raise FormErrors({Block.MILESTONE_ACHIEVED_ON: problem.message}) from None
    state = values.get(Block.MILESTONE_PAYMENT_STATE)
    return milestone, on, PaymentState(state) if state else None


def open_move(services: Services, installation_id: int, value: str | None, trigger_id: str) -> None:
    """Open the "move date" form."""
    services.gateway.open_view(trigger_id, views.move_modal(find(services, installation_id, views.milestone_id_from(value))))


def read_move(services: Services, installation_id: int, view: dict[str, Any], values: dict[str, Any]) -> tuple[Milestone, date, str]:
    """The move form: the milestone, its new date and the reason for the slip; `FormErrors` otherwise."""
    milestone = find(services, installation_id, views.milestone_id_from(view.get("private_metadata")))
    try:
        to_date, reason = check_move(milestone, date_field(values, Block.MILESTONE_NEW_DATE) or milestone.due, values.get(Block.MILESTONE_REASON) or "",
                                     channel_today(services, installation_id, milestone.channel_id))
    except UserError as problem:
        raise FormErrors({Block.MILESTONE_REASON if problem.field == "reason" else Block.MILESTONE_NEW_DATE: problem.message}) from None
    return milestone, to_date, reason


def move(services: Services, installation_id: int, user_id: str, milestone: Milestone, to_date: date, reason: str) -> None:
    """Move the date, keep the slip and its reason, queue the nudges for the new date, and tell the channel."""
    now = services.clock.now()
    with services.db.write() as session:
        move_milestone(session, milestone, to_date, reason, by_user=user_id, now=now)
        moved = load_milestone(session, installation_id, milestone.id)
        zone = zones.alliance_zone(session, installation_id, milestone.channel_id)
        if moved is not None:
            schedule_nudges(session, installation_id, moved, zone, now)
    if moved is not None:
        services.gateway.post_message(moved.channel_id, *views.moved_message(moved, user_id, zone))


def snooze(services: Services, installation_id: int, value: str | None) -> views.Message:
    """Stop this milestone's nudges until its date is moved; returns the private answer."""
    milestone = find(services, installation_id, views.milestone_id_from(value))
    with services.db.write() as session:
        set_snoozed(session, milestone.id, True)
        schedule_nudges(session, installation_id, load_milestone(session, installation_id, milestone.id) or milestone,
                        zones.alliance_zone(session, installation_id, milestone.channel_id), services.clock.now())
    return views.note(f"Nudges for {milestone.ref} are snoozed; moving its date starts them again.")


def add(services: Services, installation_id: int, channel_id: str, user_id: str, draft: MilestoneDraft) -> None:
    """Store the milestone, queue its nudges, and tell the channel."""
    now = services.clock.now()
    with services.db.write() as session:
        milestone_id = create_milestone(session, installation_id, channel_id, draft, by_user=user_id, now=now)
        created = load_milestone(session, installation_id, milestone_id)
        zone = zones.alliance_zone(session, installation_id, channel_id)
        if created is not None:
            schedule_nudges(session, installation_id, created, zone, now)
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
            schedule_nudges(session, installation_id, done, zones.alliance_zone(session, installation_id, done.channel_id),
                            services.clock.now())  # cancels what is left
    if first and done is not None:
        services.gateway.post_message(done.channel_id, *views.achieved_message(done, user_id))


def post_nudge(services: Services, work: ClaimedWork) -> Sent | Failed:
    """The scheduler's job: a nudge before the due date, to the channel or the owner, at most once."""
    return _post_nudge(services, work, int(work.payload["days"]))


def post_overdue_nudge(services: Services, work: ClaimedWork) -> Sent | Failed:
    """The scheduler's job: the weekly nudge while overdue; next week's is queued before this one is posted."""
    return _post_nudge(services, work, None)


def _post_nudge(services: Services, work: ClaimedWork, days: int | None) -> Sent | Failed:
    now = services.clock.now()
    with services.db.read() as session:
        milestone = load_milestone(session, work.installation_id, int(work.payload["milestone"]))
        zone = zones.alliance_zone(session, work.installation_id, milestone.channel_id) if milestone else UTC
    # Achieved, snoozed or moved since this nudge was queued: it is moot.
    if milestone is None or not milestone.is_open or milestone.snoozed or milestone.due.isoformat() != work.payload["due"]:
        return Sent({"skipped": "achieved, snoozed or moved"})
    if days is None:
        with services.db.write() as session:
            queue_next_overdue(session, work, zone, now)
    text, blocks = views.nudge_message(milestone, days, zone, local_today(now, zone))
    target = str(work.payload["target"])
    if is_person(target):
        return tell_once(services.gateway, services.db, work, target, milestone.channel_id, text, blocks, now=now)
    return post_once(services.gateway, work, target, text, blocks, now=now)


def find(services: Services, installation_id: int, milestone_id: int) -> Milestone:
    """A milestone of this installation, or say it is gone."""
    with services.db.read() as session:
        return present(load_milestone(session, installation_id, milestone_id), f"I cannot find milestone M-{milestone_id}. See `/milestone list`.")


def channel_today(services: Services, installation_id: int, channel_id: str) -> date:
    """Today in the channel's zone (its alliance's, else UTC)."""
    with services.db.read() as session:
        zone = zones.alliance_zone(session, installation_id, channel_id)
    return local_today(services.clock.now(), zone)


def typist_today(services: Services, installation_id: int, channel_id: str, user_id: str) -> date:
    """Today in the typist's zone (`bot.usecases.zones`): what the dates they type mean."""
    return local_today(services.clock.now(), zones.zone(services, installation_id, channel_id, user_id))


def home_section(session: Session, installation_id: int, user_id: str, now: datetime) -> HomeSection | None:
    """Home tab source: the open milestones a person owns, due in the next 90 days or overdue."""
    today = local_today(now, "UTC")
    mine = channel_milestones(session, installation_id, None, until=today + timedelta(days=HOME_DAYS), owner_id=user_id)
    return views.home_section(mine, "UTC", today)
