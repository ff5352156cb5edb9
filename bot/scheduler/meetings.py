"""Due work for meetings: the pre-read nudge, the 24 h and 10 min reminders and the review prompt, each sent once.

Keys carry the occurrence's start, so moving an occurrence makes new work (the old is cancelled)
and re-scheduling an unchanged meeting adds nothing.
"""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.domain.meetings import Meeting, MeetingOccurrence, Reminder, reminders_for
from bot.scheduler.delivery import post_once
from bot.scheduler.work import Sender, Sent
from bot.views import meetings as views
from storage.db import Session
from storage.due_work import ClaimedWork, cancel_prefix, enqueue
from storage.meetings import load_meeting

if TYPE_CHECKING:
    from bot.app import Services

REMIND, REVIEW = "meeting_reminder", "meeting_review"


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


def captured_items(session: Session, installation_id: int, channel_id: str, start: datetime, end: datetime) -> list[Any]:
    """Action items captured in the channel during the meeting (f-actions' `items_created_between`)."""
    try:
        from storage.actions import items_created_between  # type: ignore[import-not-found]
    except ImportError:  # the actions feature is not on this branch yet: nothing to list
        return []
    return list(items_created_between(session, installation_id, channel_id, start, end))


def senders(services: Services) -> dict[str, Sender]:
    """The meeting senders, bound to the running services."""

    def current(work: ClaimedWork) -> tuple[Meeting, MeetingOccurrence] | None:
        with services.db.read() as session:
            meeting = load_meeting(session, work.installation_id, int(work.payload["meeting"]))
        if meeting is None or meeting.status != "confirmed":
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
        if target.startswith(("U", "W")):
            zone = next((m.tz for m in services.directory.users(work.installation_id, [target]) if m.tz), None)
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

    return {REMIND: remind, REVIEW: review}
