"""`/meeting`: propose fair slots, vote and confirm, prefs, add, list, cancel and move; the .ics follows each change."""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.domain.dates import local_today
from bot.domain.errors import UserError
from bot.domain.meeting_requests import (
    check_external,
    parse_add,
    read_day,
    read_hours,
    read_minutes,
    read_request,
    read_time,
    read_zone,
)
from bot.domain.meetings import CalendarForm, MeetingOccurrence, MeetingStatus, is_fixed_local_series
from bot.scheduler.meetings import post_proposal, schedule_meeting
from bot.slack_edge.errors import answer_errors
from bot.slack_edge.payloads import Actor, CommandCall, state_values
from bot.views import meetings as views
from bot.views.actions import action_item_modal
from bot.views.ids import Action, Block, Callback, Command
from bot.views.metadata import ChannelRef
from bot.scheduler.invites import send_invite
from handlers.meeting_changes import change, find, refresh, register_external, set_cadence
from storage.meetings import (
    add_pain,
    cast_slot_vote,
    channel_meetings,
    confirm_meeting,
    load_meeting,
    record_choice,
    save_working_hours,
    working_hours,
)

if TYPE_CHECKING:
    from bot.services import Services

FIELD_BLOCKS = {"title": Block.MEETING_TITLE, "duration": Block.MEETING_DURATION, "day": Block.MEETING_DAY,
                "window_start": Block.MEETING_WINDOW_START, "window_end": Block.MEETING_WINDOW_END, "recurrence": Block.MEETING_RECURRENCE,
                "count": Block.MEETING_COUNT, "prereads": Block.MEETING_PREREADS, "work_start": Block.PREFS_START,
                "work_end": Block.PREFS_END, "workdays": Block.PREFS_DAYS, "never": Block.PREFS_NEVER, "zone": Block.PREFS_ZONE}


def register(app: App, services: Services) -> None:
    """Attach the /meeting listeners."""
    guard = answer_errors(services)

    @app.command(Command.MEETING)
    @guard
    def meeting_command(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        """Subcommands answer privately; no text (or `propose`) opens the form."""
        ack()
        call = CommandCall.parse(body)
        word, _, rest = call.text.strip().partition(" ")
        word, installation_id = word.lower(), context["installation_id"]
        if word in ("", "propose"):
            # Member ids only (one call): profiles for a big channel could outlast the trigger's 3 seconds.
            members = [u for u in services.gateway.channel_member_ids(call.channel_id) if u != services.bot_user_id]
            zone = next((m.tz for m in services.directory.users(installation_id, [call.user_id]) if m.tz), None)
            today = local_today(services.clock.now(), zone).isoformat()
            services.gateway.open_view(call.trigger_id, views.propose_modal(call.channel_id, members, today))
        elif word == "prefs":
            open_prefs(services, installation_id, call.user_id, call.trigger_id)
        elif word == "add" and not rest.strip():
            zone = next((m.tz for m in services.directory.users(installation_id, [call.user_id]) if m.tz), None)
            services.gateway.open_view(call.trigger_id, views.add_modal(call.channel_id, zone, services.clock.now().date().isoformat()))
        elif word == "add":
            zone = next((m.tz for m in services.directory.users(installation_id, [call.user_id]) if m.tz), None)
            now = services.clock.now()
            register_external(services, installation_id, call.channel_id, call.user_id, parse_add(rest, local_today(now, zone), zone, now))
        elif word == "list":
            with services.db.read() as session:
                found = channel_meetings(session, installation_id, call.channel_id, services.clock.now())
            text, blocks = views.meeting_list(found, services.clock.now())
            respond(text=text, blocks=blocks, response_type="ephemeral")
        elif word in ("cancel", "move"):
            change(services, installation_id, call, word, rest)
        elif word == "cadence":
            text, blocks = set_cadence(services, installation_id, call, rest)
            respond(text=text, blocks=blocks, response_type="in_channel")
        else:
            text, blocks = views.help_message()
            respond(text=text, blocks=blocks, response_type="ephemeral")

    @app.view(Callback.MEETING_PROPOSE)
    @guard
    def propose_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """Field errors go back into the form; a valid one posts the proposal."""
        view, values = body["view"], state_values(body["view"])
        try:
            channel_id = ChannelRef.decode(view.get("private_metadata")).channel_id
            request = read_request(
                title=values.get(Block.MEETING_TITLE), participant_ids=list(values.get(Block.MEETING_PARTICIPANTS) or []),
                duration=values.get(Block.MEETING_DURATION), day=values.get(Block.MEETING_DAY),
                window_start=values.get(Block.MEETING_WINDOW_START), window_end=values.get(Block.MEETING_WINDOW_END),
                recurrence=values.get(Block.MEETING_RECURRENCE), count=values.get(Block.MEETING_COUNT),
                agenda=values.get(Block.MEETING_AGENDA), prereads=values.get(Block.MEETING_PREREADS),
                reminder_target=values.get(Block.MEETING_REMINDERS), today=services.clock.now().date())
        except UserError as problem:
            ack(response_action="errors", errors={FIELD_BLOCKS.get(problem.field or "", Block.MEETING_TITLE): problem.message})
            return
        ack()
        installation_id, organizer = context["installation_id"], Actor.from_interaction(body).user_id
        chosen = (services.directory.users(installation_id, list(request.participant_ids)) if request.participant_ids
                  else services.directory.members(installation_id, channel_id))
        people = {m.user_id for m in chosen if not m.is_bot and not m.deleted}
        order = request.participant_ids or tuple(m.user_id for m in chosen)
        request = replace(request, participant_ids=tuple(u for u in order if u in people))
        zone = next((m.tz for m in services.directory.users(installation_id, [organizer]) if m.tz), None)
        post_proposal(services, installation_id, channel_id, organizer, replace(request, zone=zone or "UTC"))

    @app.view(Callback.MEETING_ADD)
    @guard
    def add_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """The add form: field errors go back into it."""
        view, values = body["view"], state_values(body["view"])
        try:
            channel_id = ChannelRef.decode(view.get("private_metadata")).channel_id
            added = check_external(values.get(Block.MEETING_TITLE) or "", read_day(values.get(Block.MEETING_DAY)),
                                   read_time(values.get(Block.MEETING_TIME)), read_zone(values.get(Block.MEETING_ZONE)),
                                   read_minutes(values.get(Block.MEETING_DURATION)), services.clock.now())
        except UserError as problem:
            field = {"zone": Block.MEETING_ZONE, "day": Block.MEETING_DAY, "time": Block.MEETING_TIME,
                     "duration": Block.MEETING_DURATION}.get(problem.field or "")
            ack(response_action="errors", errors={field or Block.MEETING_TITLE: problem.message})
            return
        ack()
        register_external(services, context["installation_id"], channel_id, Actor.from_interaction(body).user_id, added)

    @app.view(Callback.MEETING_PREFS)
    @guard
    def prefs_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """Keep a person's hours; their Slack zone wins over a typed one."""
        values, user_id = state_values(body["view"]), Actor.from_interaction(body).user_id
        installation_id = context["installation_id"]
        slack_zone = next((m.tz for m in services.directory.users(installation_id, [user_id]) if m.tz), None)
        try:
            told = None if slack_zone else read_zone(values.get(Block.PREFS_ZONE))
            hours = read_hours(user_id, slack_zone or told or "UTC", start=values.get(Block.PREFS_START), end=values.get(Block.PREFS_END),
                               days=values.get(Block.PREFS_DAYS), never=values.get(Block.PREFS_NEVER))
        except UserError as problem:
            ack(response_action="errors", errors={FIELD_BLOCKS.get(problem.field or "", Block.PREFS_START): problem.message})
            return
        ack()
        with services.db.write() as session:
            save_working_hours(session, installation_id, hours, told, services.clock.now())

    for action_id, works in ((Action.MEETING_WORKS, True), (Action.MEETING_FAILS, False)):
        app.action(action_id)(guard(vote_listener(services, works)))

    @app.action(Action.MEETING_CONFIRM)
    @guard
    def confirm_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """The organiser fixes one option: invites, reminders and the ledger follow."""
        ack()
        ref = views.SlotRef.decode(body["actions"][0].get("value"))
        confirm(services, context["installation_id"], ref, Actor.from_interaction(body).user_id)

    @app.action(Action.MEETING_ADD_ACTION)
    @guard
    def add_action_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """The review prompt's "Add an action item": the actions feature's own modal."""
        ack()
        services.gateway.open_view(body["trigger_id"], action_item_view(review_channel(body)))

    @app.action(Action.MEETING_START_DECISION)
    @guard
    def start_decision_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """The review prompt's "Start a consensus decision": the consensus form."""
        from bot.views.consensus import start_modal

        ack()
        services.gateway.open_view(body["trigger_id"], start_modal(review_channel(body)))


def review_channel(body: dict[str, Any]) -> str:
    """The channel of the review prompt a button was clicked on."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    if not channel:
        raise UserError("Slack did not say which channel this came from; please try again.")
    return str(channel)


def action_item_view(channel_id: str) -> dict[str, Any]:
    """The action items' own "new action item" modal, for the channel of the review prompt."""
    return dict(action_item_modal(channel_id=channel_id))


def vote_listener(services: Services, works: bool) -> Any:
    """A listener for "works" or "doesn't work" on a slot."""

    def on_click(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        installation_id, ref = context["installation_id"], views.SlotRef.decode(body["actions"][0].get("value"))
        user_id = Actor.from_interaction(body).user_id
        meeting = find(services, installation_id, ref.meeting_id)
        if meeting.status is not MeetingStatus.PROPOSED:
            raise UserError("This meeting is already confirmed or cancelled.")
        if user_id not in meeting.participant_ids:
            raise UserError(f"Only the participants of *{meeting.title}* mark which slots work.")
        with services.db.write() as session:
            cast_slot_vote(session, installation_id, meeting.id, ref.slot, user_id, works, services.clock.now())
        refresh(services, installation_id, meeting.id)

    return on_click


def confirm(services: Services, installation_id: int, ref: views.SlotRef, user_id: str) -> None:
    """Fix the chosen option: occurrences, the ledger, reminders, the message and the .ics."""
    meeting = find(services, installation_id, ref.meeting_id)
    if user_id != meeting.organizer_id:
        raise UserError(f"Only <@{meeting.organizer_id}>, who proposed this meeting, can confirm a slot.")
    slots = meeting.proposal.slots
    if not 0 <= ref.slot < len(slots):
        raise UserError("This option is no longer on offer.")
    slot = slots[ref.slot]
    starts = list(slot.starts)
    trial = replace(meeting, occurrences=tuple(
        MeetingOccurrence(meeting.title, s, meeting.duration_minutes, meeting.channel_id, meeting.participant_ids, meeting.id, k)
        for k, s in enumerate(starts)))
    form = CalendarForm.RRULE if is_fixed_local_series(trial) else CalendarForm.EACH
    now = services.clock.now()
    with services.db.write() as session:
        if not confirm_meeting(session, meeting.id, starts, form):
            raise UserError("This meeting is already confirmed or cancelled.")
        add_pain(session, installation_id, meeting.channel_id, meeting.proposal.series_key(meeting.id), slot.total_pain(), now)
        record_choice(session, meeting.id, ref.slot, {k: slot.pain_of(k) for k in range(len(starts))})
        confirmed = load_meeting(session, installation_id, meeting.id)
        if confirmed is not None:
            schedule_meeting(session, installation_id, confirmed, now)
    refresh(services, installation_id, meeting.id)
    send_invite(services, installation_id, find(services, installation_id, meeting.id), "new invite")


def open_prefs(services: Services, installation_id: int, user_id: str, trigger_id: str) -> None:
    """Open the prefs form, asking for a zone only when Slack has none for the person."""
    slack_zone = next((m.tz for m in services.directory.users(installation_id, [user_id]) if m.tz), None)
    with services.db.read() as session:
        current = working_hours(session, installation_id, {user_id: slack_zone}).get(user_id)
    services.gateway.open_view(trigger_id, views.prefs_modal(current, needs_zone=slack_zone is None))



