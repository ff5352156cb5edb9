"""Due work for meetings: the pre-read nudge, the 24 h and 10 min reminders and the review prompt, each sent once.

Keys carry the occurrence's start, so moving an occurrence makes new work (the old is cancelled)
and re-scheduling an unchanged meeting adds nothing.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from bot.domain.actions import ActionItem
from bot.domain.meeting_plans import propose
from bot.domain.meeting_requests import Cadence, MeetingRequest
from bot.domain.meetings import Meeting, MeetingOccurrence, MeetingSource, MeetingStatus, Reminder, new_uid, reminders_for
from bot.scheduler.delivery import post_once
from bot.scheduler.work import Sender, Sent
from bot.views import meetings as views
from storage.actions import items_created_between
from storage.db import Session
from storage.due_work import ClaimedWork, cancel_prefix, enqueue
from storage.meetings import (
    advance_cadence,
    cadence_meeting,
    create_meeting,
    load_cadence,
    load_meeting,
    pain_ledger,
    set_meeting_message,
    working_hours,
)

if TYPE_CHECKING:
    from bot.services import Services

REMIND, REVIEW, CADENCE = "meeting_reminder", "meeting_review", "meeting_cadence"


def occurrence_key(installation_id: int, meeting_id: int, index: int) -> str:
    """The prefix of every piece of work for one occurrence."""
    return f"{installation_id}:meeting:{meeting_id}:o{index}:"


def schedule_meeting(session: Session, installation_id: int, meeting: Meeting, now: datetime) -> int:
    """Enqueue the reminders of every live occurrence still to come; returns how many were new."""
    added = 0
    for occurrence in meeting.occurrences:
        if occurrence.cancelled:
            continue
        prefix = f"{occurrence_key(installation_id, meeting.id, occurrence.index)}{int(occurrence.starts_at.timestamp())}:"
        payload: dict[str, Any] = {"meeting": meeting.id, "occurrence": occurrence.index, "starts_at": occurrence.starts_at.isoformat()}
        for kind, due in reminders_for(occurrence, bool(meeting.prereads), now):
            if kind is Reminder.REVIEW:
                added += enqueue(session, installation_id=installation_id, kind=REVIEW, key=prefix + kind.value, due_at=due,
                                 payload=payload, now=now)
                continue
            targets = meeting.participant_ids if meeting.reminder_target == "dm" else (meeting.channel_id,)
            for target in targets:
                added += enqueue(session, installation_id=installation_id, kind=REMIND, key=f"{prefix}{kind.value}:{target}", due_at=due,
                                 payload={**payload, "reminder": kind.value, "to": target}, now=now)
    return added


def unschedule_occurrence(session: Session, installation_id: int, meeting_id: int, index: int) -> int:
    """Cancel an occurrence's unsent reminders (it was cancelled or moved)."""
    return cancel_prefix(session, installation_id, occurrence_key(installation_id, meeting_id, index))


def unschedule_meeting(session: Session, installation_id: int, meeting: Meeting) -> int:
    """Cancel every unsent reminder of a meeting."""
    return sum(unschedule_occurrence(session, installation_id, meeting.id, o.index) for o in meeting.occurrences)


def captured_items(session: Session, installation_id: int, channel_id: str, start: datetime, end: datetime) -> list[ActionItem]:
    """Action items captured in the channel during the meeting."""
    return items_created_between(session, installation_id, channel_id, start, end)


def post_proposal(services: Services, installation_id: int, channel_id: str, organizer: str, request: MeetingRequest, *,
                  series: str = "", cadence: tuple[int, date] | None = None) -> int | None:
    """Plan fair slots for the request and post them; people without a zone are asked, nothing is created."""
    slack = {m.user_id: m.tz for m in services.directory.users(installation_id, list(request.participant_ids))}
    with services.db.read() as session:
        hours = working_hours(session, installation_id, slack)
        ledger = pain_ledger(session, installation_id, channel_id, series)
    missing = [u for u in request.participant_ids if u not in hours]
    if missing:
        services.gateway.post_ephemeral(channel_id, organizer, views.ask_for_zone(missing))
        return None
    if cadence is not None and organizer in hours:
        request = replace(request, zone=hours[organizer].tz)  # the cadence's day is the organiser's day
    proposal = replace(propose(request, hours, ledger, organizer), series=series)
    if cadence is not None:
        proposal = replace(proposal, cadence=cadence[0], cadence_on=cadence[1])
    organizer_zone = hours[organizer].tz if organizer in hours else "UTC"
    meeting = Meeting(0, channel_id, organizer, request.title, request.duration_minutes, request.participant_ids, request.recurrence,
                      request.count, MeetingStatus.PROPOSED, MeetingSource.CADENCE if series else MeetingSource.PROPOSED, new_uid(), 0, request.agenda, request.prereads,
                      request.reminder_target, organizer_zone, proposal=proposal)
    with services.db.write() as session:
        meeting_id = create_meeting(session, installation_id, meeting, services.clock.now())
        created = load_meeting(session, installation_id, meeting_id)
    if created is None:
        return None
    text, blocks = views.proposal_message(created, {u: h.tz for u, h in hours.items()}, {})
    ts = services.gateway.post_message(channel_id, text, blocks)
    with services.db.write() as session:
        set_meeting_message(session, meeting_id, ts)
    return meeting_id


def schedule_cadence(session: Session, installation_id: int, cadence: Cadence, now: datetime) -> bool:
    """Enqueue the proposal of a cadence's next occurrence (due `lead_days` ahead, at once if that is past)."""
    key = f"{installation_id}:cadence:{cadence.id}:{cadence.next_on.isoformat()}"
    return enqueue(session, installation_id=installation_id, kind=CADENCE, key=key, due_at=max(cadence.propose_at(), now),
                   payload={"cadence": cadence.id, "on": cadence.next_on.isoformat()}, now=now)


def senders(services: Services) -> dict[str, Sender]:
    """The meeting senders, bound to the running services."""

    def current(work: ClaimedWork) -> tuple[Meeting, MeetingOccurrence] | None:
        with services.db.read() as session:
            meeting = load_meeting(session, work.installation_id, int(work.payload["meeting"]))
        if meeting is None or meeting.status is not MeetingStatus.CONFIRMED:
            return None
        found = [o for o in meeting.occurrences if o.index == work.payload["occurrence"]]
        # A cancelled or moved occurrence makes this piece of work moot.
        if not found or found[0].cancelled or found[0].starts_at.isoformat() != work.payload["starts_at"]:
            return None
        return meeting, found[0]

    def remind(work: ClaimedWork) -> Sent:
        live = current(work)
        if live is None:
            return Sent({"skipped": "cancelled or moved"})
        meeting, occurrence = live
        target = str(work.payload["to"])
        zone = None
        if target.startswith(("U", "W")):  # a DM shows the person's own clock: Slack's zone, else the one they gave us
            slack_zone = next((m.tz for m in services.directory.users(work.installation_id, [target]) if m.tz), None)
            with services.db.read() as session:
                hours = working_hours(session, work.installation_id, {target: slack_zone}).get(target)
            zone = hours.tz if hours else None
        text, blocks = views.reminder_message(meeting, occurrence, str(work.payload["reminder"]), zone)
        return post_once(services.gateway, work, target, text, blocks, now=services.clock.now())

    def review(work: ClaimedWork) -> Sent:
        live = current(work)
        if live is None:
            return Sent({"skipped": "cancelled or moved"})
        meeting, occurrence = live
        with services.db.read() as session:
            items = captured_items(session, work.installation_id, meeting.channel_id, occurrence.starts_at, services.clock.now())
        text, blocks = views.review_prompt(meeting, occurrence, items)
        return post_once(services.gateway, work, meeting.channel_id, text, blocks, now=services.clock.now())

    def cadence(work: ClaimedWork) -> Sent:
        on = date.fromisoformat(str(work.payload["on"]))
        with services.db.read() as session:
            found = load_cadence(session, work.installation_id, int(work.payload["cadence"]))
            done = cadence_meeting(session, work.installation_id, int(work.payload["cadence"]), on)
        if found is None or not found.active or found.next_on != on:
            return Sent({"skipped": "cadence changed"})
        meeting_id = done or post_proposal(services, work.installation_id, found.channel_id, found.organizer_id, found.request(),
                                           series=found.series(), cadence=(found.id, on))
        now = services.clock.now()
        with services.db.write() as session:
            if advance_cadence(session, found.id, on, found.after()):
                schedule_cadence(session, work.installation_id, replace(found, next_on=found.after()), now)
        return Sent({"meeting": meeting_id})

    return {REMIND: remind, REVIEW: review, CADENCE: cadence}
