"""Meetings: vote and confirm, prefs, add one held elsewhere, list, cancel, move, and the reminders and review prompt.

Everything `/meeting` and its forms and buttons do, and the scheduler's jobs for a meeting's
occurrences; planning and posting the fair options (from the form or a cadence) is
`bot.usecases.meeting_plans`, the .ics invite `bot.usecases.invites`."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot.domain.dates import example_day, local_today
from bot.domain.errors import FormErrors, UserError, present
from bot.domain.meeting_plans import pain_at
from bot.domain.meeting_requests import (
    ExternalMeeting,
    MeetingRequest,
    check_external,
    parse_add,
    read_day,
    read_hours,
    read_minutes,
    read_request,
    read_time,
    read_zone,
)
from bot.domain.meetings import (
    CalendarForm,
    Meeting,
    MeetingOccurrence,
    MeetingProposal,
    MeetingSource,
    MeetingStatus,
    Recurrence,
    WorkingHours,
    is_fixed_local_series,
    moved_start,
    new_uid,
)
from bot.domain.reach import is_person
from bot.scheduler.delivery import post_once, tell_once
from bot.scheduler.meetings import schedule_meeting, unschedule_meeting, unschedule_occurrence
from bot.scheduler.work import Failed, Sent
from bot.services import Services
from bot.slack_edge.payloads import CommandCall
from bot.usecases import zones
from bot.usecases.invites import send_invite
from bot.usecases.meeting_plans import planning_hours, refresh, set_cadence
from bot.views import meetings as views
from bot.views.home import HomeSection
from bot.views.ids import Block
from bot.views.metadata import ChannelRef
from storage.actions import items_created_between
from storage.db import Session
from storage.due_work import ClaimedWork
from storage.meetings import (
    add_pain,
    cancel_meeting,
    cancel_occurrence,
    cast_slot_vote,
    channel_meetings,
    confirm_meeting,
    create_meeting,
    load_meeting,
    meetings_between,
    move_occurrence,
    record_choice,
    save_working_hours,
    swap_occurrence_pain,
    working_hours,
)

HOME_DAYS, HOME_SHOWN = 14, 5
FIELD_BLOCKS = {"title": Block.MEETING_TITLE, "duration": Block.MEETING_DURATION, "day": Block.MEETING_DAY,
                "window_start": Block.MEETING_WINDOW_START, "window_end": Block.MEETING_WINDOW_END, "recurrence": Block.MEETING_RECURRENCE,
                "count": Block.MEETING_COUNT, "prereads": Block.MEETING_PREREADS, "work_start": Block.PREFS_START,
                "work_end": Block.PREFS_END, "workdays": Block.PREFS_DAYS, "never": Block.PREFS_NEVER, "zone": Block.PREFS_ZONE}
ADD_FIELDS = {"zone": Block.MEETING_ZONE, "day": Block.MEETING_DAY, "time": Block.MEETING_TIME, "duration": Block.MEETING_DURATION}


def command(services: Services, installation_id: int, call: CommandCall) -> tuple[views.Message, bool] | None:
    """`/meeting …`: the answer and whether the channel sees it (a cadence is announced), or None when a form
    opened or the change was posted to the channel."""
    word, _, rest = call.text.strip().partition(" ")
    word, now = word.lower(), services.clock.now()
    clue = zones.clues(services, installation_id, call.channel_id, [call.user_id])[call.user_id] if word in ("", "propose", "add") else None
    zone = clue.zone if clue else None
    if word in ("", "propose"):
        # Member ids only (one call): profiles for a big channel could outlast the trigger's 3 seconds.
        members = [u for u in services.gateway.channel_member_ids(call.channel_id) if u != services.bot_user(installation_id)]
        services.gateway.open_view(call.trigger_id, views.propose_modal(call.channel_id, members, local_today(now, zone).isoformat()))
    elif word == "prefs":
        open_prefs(services, installation_id, call.user_id, call.trigger_id)
    elif word == "add" and not rest.strip():
        services.gateway.open_view(call.trigger_id, views.add_modal(call.channel_id, zone, local_today(now, zone).isoformat()))
    elif word == "add":
        # A typed time of day is read in the typist's own zone, else the alliance's; with neither it is asked for, not taken as UTC.
        typed_in = clue.own or clue.alliance if clue else None
        register_external(services, installation_id, call.channel_id, call.user_id, parse_add(rest, local_today(now, zone), typed_in, now))
    elif word in ("cancel", "move"):
        change(services, installation_id, call, word, rest)
    elif word == "list":
        with services.db.read() as session:
            found = channel_meetings(session, installation_id, call.channel_id, now)
        return views.meeting_list(found, now), False
    elif word == "cadence":
        return set_cadence(services, installation_id, call, rest), True
    else:
        return views.help_message(), False
    return None


def _form_errors(problem: UserError, default: str, fields: dict[str, Block] = FIELD_BLOCKS) -> FormErrors:
    return FormErrors({fields.get(problem.field or "", default): problem.message})


def read_propose(services: Services, view: dict[str, Any], values: dict[str, Any]) -> tuple[str, MeetingRequest]:
    """The propose form's channel and request; `FormErrors` on the field at fault."""
    try:
        channel_id = ChannelRef.decode(view.get("private_metadata")).channel_id
        return channel_id, read_request(
            title=values.get(Block.MEETING_TITLE), participant_ids=list(values.get(Block.MEETING_PARTICIPANTS) or []),
            duration=values.get(Block.MEETING_DURATION), day=values.get(Block.MEETING_DAY),
            window_start=values.get(Block.MEETING_WINDOW_START), window_end=values.get(Block.MEETING_WINDOW_END),
            recurrence=values.get(Block.MEETING_RECURRENCE), count=values.get(Block.MEETING_COUNT),
            agenda=values.get(Block.MEETING_AGENDA), prereads=values.get(Block.MEETING_PREREADS),
            reminder_target=values.get(Block.MEETING_REMINDERS), today=services.clock.now().date())
    except UserError as problem:
        raise _form_errors(problem, Block.MEETING_TITLE) from None


def read_add(services: Services, view: dict[str, Any], values: dict[str, Any]) -> tuple[str, ExternalMeeting]:
    """The add form's channel and meeting; `FormErrors` on the field at fault."""
    try:
        channel_id = ChannelRef.decode(view.get("private_metadata")).channel_id
        return channel_id, check_external(values.get(Block.MEETING_TITLE) or "", read_day(values.get(Block.MEETING_DAY)),
                                          read_time(values.get(Block.MEETING_TIME)), read_zone(values.get(Block.MEETING_ZONE)),
                                          read_minutes(values.get(Block.MEETING_DURATION)), services.clock.now())
    except UserError as problem:
        raise _form_errors(problem, Block.MEETING_TITLE, ADD_FIELDS) from None


def read_prefs(services: Services, installation_id: int, user_id: str, values: dict[str, Any]) -> tuple[WorkingHours, str | None]:
    """A person's hours from the prefs form, and the zone they typed; their Slack zone wins over a typed one."""
    slack_zone = zones.clues(services, installation_id, None, [user_id])[user_id].slack
    try:
        told = None if slack_zone else read_zone(values.get(Block.PREFS_ZONE))
        return read_hours(user_id, slack_zone or told or "UTC", start=values.get(Block.PREFS_START), end=values.get(Block.PREFS_END),
                          days=values.get(Block.PREFS_DAYS), never=values.get(Block.PREFS_NEVER)), told
    except UserError as problem:
        raise _form_errors(problem, Block.PREFS_START) from None


def save_prefs(services: Services, installation_id: int, hours: WorkingHours, told: str | None) -> None:
    """Keep a person's hours."""
    with services.db.write() as session:
        save_working_hours(session, installation_id, hours, told, services.clock.now())


def vote_slot(services: Services, installation_id: int, value: str | None, user_id: str, works: bool) -> None:
    """A participant says a slot works for them or not (the last click counts); the proposal shows it."""
    ref = views.SlotRef.decode(value)
    meeting = find(services, installation_id, ref.meeting_id)
    if meeting.status is not MeetingStatus.PROPOSED:
        raise UserError("This meeting is already confirmed or cancelled.")
    if user_id not in meeting.participant_ids:
        raise UserError(f"Only the participants of *{meeting.title}* mark which slots work.")
    with services.db.write() as session:
        cast_slot_vote(session, installation_id, meeting.id, ref.slot, user_id, works, services.clock.now())
    refresh(services, installation_id, meeting.id)


def review_channel(body: dict[str, Any]) -> str:
    """The channel of the review prompt a button was clicked on."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    if not channel:
        raise UserError("Slack did not say which channel this came from; please try again.")
    return str(channel)


def confirm(services: Services, installation_id: int, value: str | None, user_id: str) -> None:
    """Fix the chosen option: occurrences, the ledger, reminders, the message and the .ics."""
    ref = views.SlotRef.decode(value)
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
    clues = zones.clues(services, installation_id, None, [user_id])[user_id]
    with services.db.read() as session:
        current = working_hours(session, installation_id, {user_id: clues.own}).get(user_id)
    services.gateway.open_view(trigger_id, views.prefs_modal(current, needs_zone=clues.slack is None))


def find(services: Services, installation_id: int, meeting_id: int) -> Meeting:
    """Load a meeting of this installation, or say it is gone."""
    with services.db.read() as session:
        return present(load_meeting(session, installation_id, meeting_id), "I cannot find this meeting any more.")


def register_external(services: Services, installation_id: int, channel_id: str, organizer: str, added: ExternalMeeting) -> None:
    """Register a meeting scheduled elsewhere for reminders and the review prompt (no slots, no invite)."""
    now = services.clock.now()
    members = tuple(m.user_id for m in services.directory.members(installation_id, channel_id) if not m.is_bot and not m.deleted)
    occurrence = MeetingOccurrence(added.title, added.starts_at, added.duration_minutes, channel_id, members)
    meeting = Meeting(0, channel_id, organizer, added.title, added.duration_minutes, members, Recurrence.NONE, 1, MeetingStatus.CONFIRMED,
                      MeetingSource.EXTERNAL, new_uid(), zone=added.zone, occurrences=(occurrence,), proposal=MeetingProposal(calendar_form=CalendarForm.EACH))
    with services.db.write() as session:
        meeting_id = create_meeting(session, installation_id, meeting, now)
        stored = load_meeting(session, installation_id, meeting_id)
        if stored is not None:
            schedule_meeting(session, installation_id, stored, now)
    text, blocks = views.added_message(find(services, installation_id, meeting_id))
    services.gateway.post_message(channel_id, text, blocks)


def change(services: Services, installation_id: int, call: CommandCall, word: str, rest: str) -> None:
    """`cancel <id>[.<n>]` or `move <id>.<n> <date> <time>`, organisers only; an updated .ics follows."""
    parts = rest.split()
    if not parts:
        raise UserError(f"Say which meeting: `/meeting {word} <id>.<n>`" + (" <date> <time>`." if word == "move" else "`.")
                        + " `/meeting list` shows the ids.")
    meeting_part, _, index_part = parts[0].partition(".")
    try:
        meeting_id, index = int(meeting_part), (int(index_part) - 1 if index_part else None)
    except ValueError:
        raise UserError("Meeting ids look like `12` or `12.3` (the third occurrence of meeting 12); see `/meeting list`.") from None
    meeting = find(services, installation_id, meeting_id)
    if meeting.channel_id != call.channel_id or call.user_id != meeting.organizer_id:
        raise UserError(f"Only <@{meeting.organizer_id}>, who organises *{meeting.title}*, can change it, from its channel.")
    if index is not None and not any(o.index == index and not o.cancelled for o in meeting.occurrences):
        raise UserError(f"Meeting {meeting_id} has no occurrence {index + 1} still on.")
    now = services.clock.now()
    if word == "move":
        zone = zones.zone(services, installation_id, call.channel_id, call.user_id)
        if index is None or len(parts) < 3:
            raise UserError(f"Use `/meeting move <id>.<n> <date> <time>`, e.g. `/meeting move {meeting_id}.1 "
                            f"{example_day(local_today(now, zone)).isoformat()} 15:00` (your own time zone).")
        starts = moved_start(" ".join(parts[1:-1]), parts[-1], zone, local_today(now, zone), now)
        hours = planning_hours(services, installation_id, meeting.participant_ids)
        with services.db.write() as session:
            move_occurrence(session, meeting_id, index, starts)
            swap_occurrence_pain(session, installation_id, meeting_id, index,
                                 pain_at(starts, meeting.participant_ids, hours, meeting.duration_minutes), now)
            unschedule_occurrence(session, installation_id, meeting_id, index)
            moved = load_meeting(session, installation_id, meeting_id)
            if moved is not None:
                schedule_meeting(session, installation_id, moved, now)
        after = find(services, installation_id, meeting_id)
        announce(services, after, f"occurrence {index + 1} moved to {views.occurrence_token(next(o for o in after.occurrences if o.index == index))}.")
        if after.source is not MeetingSource.EXTERNAL:  # an external meeting's invite lives in its own calendar
            send_invite(services, installation_id, after, "updated")
        return
    with services.db.write() as session:
        if index is None:
            cancel_meeting(session, meeting_id)
            unschedule_meeting(session, installation_id, meeting)
            for occurrence in meeting.occurrences:
                if not occurrence.cancelled and occurrence.starts_at > now:  # what was held stays carried
                    swap_occurrence_pain(session, installation_id, meeting_id, occurrence.index, None, now)
        else:
            cancel_occurrence(session, meeting_id, index)
            swap_occurrence_pain(session, installation_id, meeting_id, index, None, now)
            unschedule_occurrence(session, installation_id, meeting_id, index)
    after = find(services, installation_id, meeting_id)
    announce(services, after, "cancelled." if index is None else f"occurrence {index + 1} is cancelled.")
    if meeting.status is MeetingStatus.CONFIRMED and meeting.source is not MeetingSource.EXTERNAL:
        send_invite(services, installation_id, after, "cancellation", cancel=() if index is None else (index,))
    refresh(services, installation_id, meeting_id)


def announce(services: Services, meeting: Meeting, what: str) -> None:
    """Tell the channel about a change."""
    text, blocks = views.changed_message(meeting, what)
    services.gateway.post_message(meeting.channel_id, text, blocks)


def live_occurrence(services: Services, work: ClaimedWork) -> tuple[Meeting, MeetingOccurrence] | None:
    """The confirmed meeting and occurrence a piece of due work is for; None when cancelled or moved since."""
    with services.db.read() as session:
        meeting = load_meeting(session, work.installation_id, int(work.payload["meeting"]))
    if meeting is None or meeting.status is not MeetingStatus.CONFIRMED:
        return None
    found = [o for o in meeting.occurrences if o.index == work.payload["occurrence"]]
    if not found or found[0].cancelled or found[0].starts_at.isoformat() != work.payload["starts_at"]:
        return None
    return meeting, found[0]


def post_reminder(services: Services, work: ClaimedWork) -> Sent | Failed:
    """The scheduler's job: a pre-read nudge or a 24 h / 10 min reminder, to the channel or each participant, at most once."""
    live = live_occurrence(services, work)
    if live is None:
        return Sent({"skipped": "cancelled or moved"})
    meeting, occurrence = live
    target = str(work.payload["to"])
    # A DM shows the person's own clock, only when it is known: a guessed zone is not "your time".
    zone = zones.own_zones(services, work.installation_id, [target]).get(target) if is_person(target) else None
    text, blocks = views.reminder_message(meeting, occurrence, str(work.payload["reminder"]), zone)
    if is_person(target):
        return tell_once(services.gateway, services.db, work, target, meeting.channel_id, text, blocks, now=services.clock.now())
    return post_once(services.gateway, work, target, text, blocks, now=services.clock.now())


def post_review_prompt(services: Services, work: ClaimedWork) -> Sent:
    """The scheduler's job: 10 minutes before the end, the channel reviews actions and decisions (with what was captured)."""
    live = live_occurrence(services, work)
    if live is None:
        return Sent({"skipped": "cancelled or moved"})
    meeting, occurrence = live
    now = services.clock.now()
    with services.db.read() as session:
        items = items_created_between(session, work.installation_id, meeting.channel_id, occurrence.starts_at, now)
    text, blocks = views.review_prompt(meeting, occurrence, items)
    return post_once(services.gateway, work, meeting.channel_id, text, blocks, now=now)


def home_section(session: Session, installation_id: int, user_id: str, now: datetime) -> HomeSection | None:
    """App Home source: the person's meetings in the next two weeks, or None."""
    found = meetings_between(session, installation_id, None, now, now + timedelta(days=HOME_DAYS), user_id)
    if not found:
        return None
    soon = any(o.starts_at - now < timedelta(days=1) for o in found)
    # On the scale of the other sections (action items 100, votes 90): a meeting today comes first.
    return HomeSection(title="Your meetings", blocks=views.home_blocks(found, HOME_SHOWN), urgency=110 if soon else 80,
                       hidden_count=max(0, len(found) - HOME_SHOWN))
