"""What `/meeting` does beyond its listeners: find and refresh meetings, invites, add, cancel, move, cadences."""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bot.domain.dates import example_day, local_today
from bot.domain.errors import UserError
from bot.domain.mentions import check_known
from bot.domain.meeting_plans import pain_at
from bot.domain.meeting_requests import Cadence, ExternalMeeting, parse_cadence
from bot.domain.meetings import CalendarForm, Meeting, MeetingOccurrence, MeetingProposal, MeetingSource, MeetingStatus, Recurrence, WorkingHours, moved_start, new_uid
from bot.scheduler.invites import send_invite
from bot.scheduler.meetings import schedule_cadence, schedule_meeting, unschedule_meeting, unschedule_occurrence
from bot.slack_edge.payloads import CommandCall
from bot.views import meetings as views
from storage.meetings import (
    cancel_meeting,
    cancel_occurrence,
    create_meeting,
    load_meeting,
    move_occurrence,
    save_cadence,
    swap_occurrence_pain,
    slot_votes,
    working_hours,
)

if TYPE_CHECKING:
    from bot.services import Services


def find(services: Services, installation_id: int, meeting_id: int) -> Meeting:
    """Load a meeting of this installation, or say it is gone."""
    with services.db.read() as session:
        meeting = load_meeting(session, installation_id, meeting_id)
    if meeting is None:
        raise UserError("I cannot find this meeting any more.")
    return meeting


def zones_hours(services: Services, installation_id: int, user_ids: tuple[str, ...]) -> dict[str, WorkingHours]:
    """Each person's hours in their zone: Slack's, else the one they gave in `/meeting prefs`; unknown people are left out."""
    slack = {m.user_id: m.tz for m in services.directory.users(installation_id, list(user_ids))}
    with services.db.read() as session:
        return working_hours(session, installation_id, {u: slack.get(u) for u in user_ids})


def zones_of(services: Services, installation_id: int, user_ids: tuple[str, ...]) -> dict[str, str]:
    """Each person's zone (see zones_hours)."""
    return {u: h.tz for u, h in zones_hours(services, installation_id, user_ids).items()}


def refresh(services: Services, installation_id: int, meeting_id: int) -> None:
    """Show the proposal's latest votes (bursts coalesce)."""
    meeting = find(services, installation_id, meeting_id)
    if not meeting.message_ts:
        return

    def build() -> tuple[str, list[dict[str, Any]]]:
        current = find(services, installation_id, meeting_id)
        zones = zones_of(services, installation_id, current.participant_ids)
        if current.status is MeetingStatus.PROPOSED:
            with services.db.read() as session:
                votes = slot_votes(session, meeting_id)
            return views.proposal_message(current, zones, votes)
        return views.confirmed_message(current, zones)

    services.coalescer.request(meeting.channel_id, meeting.message_ts, build)


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
        zone = next((m.tz for m in services.directory.users(installation_id, [call.user_id]) if m.tz), meeting.zone)
        if index is None or len(parts) < 3:
            raise UserError(f"Use `/meeting move <id>.<n> <date> <time>`, e.g. `/meeting move {meeting_id}.1 "
                            f"{example_day(local_today(now, zone)).isoformat()} 15:00` (your own time zone).")
        starts = moved_start(" ".join(parts[1:-1]), parts[-1], zone, local_today(now, zone), now)
        hours = zones_hours(services, installation_id, meeting.participant_ids)
        with services.db.write() as session:
            move_occurrence(session, meeting_id, index, starts)
            swap_occurrence_pain(session, installation_id, meeting_id, index,
                                 pain_at(starts, meeting.participant_ids, hours, meeting.duration_minutes), now)
            unschedule_occurrence(session, installation_id, meeting_id, index)
            moved = load_meeting(session, installation_id, meeting_id)
            if moved is not None:
                schedule_meeting(session, installation_id, moved, now)
        after = find(services, installation_id, meeting_id)
        announce(services, after, f"occurrence {index + 1} moved to {views.occurrence_token([o for o in after.occurrences if o.index == index][0])}.")
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


def set_cadence(services: Services, installation_id: int, call: CommandCall, text: str) -> tuple[str, list[dict[str, Any]]]:
    """`/meeting cadence`: the scheduler proposes each next occurrence ahead of time, planned from the ledger."""
    now = services.clock.now()
    zone = next((m.tz for m in services.directory.users(installation_id, [call.user_id]) if m.tz), None)
    title, recurrence, first, lead, people = parse_cadence(text, local_today(now, zone))
    check_known(people, services.directory.users(installation_id, list(people)))
    if not people:
        people = tuple(m.user_id for m in services.directory.members(installation_id, call.channel_id) if not m.is_bot and not m.deleted)
    cadence = Cadence(0, call.channel_id, call.user_id, title, recurrence, people, first, lead_days=lead)
    with services.db.write() as session:
        cadence_id = save_cadence(session, installation_id, cadence, now)
        schedule_cadence(session, installation_id, replace(cadence, id=cadence_id), now)
    return views.cadence_message(cadence)
