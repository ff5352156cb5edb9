"""Due work for meetings: the pre-read nudge, the 24 h and 10 min reminders and the review prompt, each sent once.

Keys carry the occurrence's start, so moving an occurrence makes new work (the old is cancelled)
and re-scheduling an unchanged meeting adds nothing. The jobs that send them are
`bot.usecases.meetings.post_reminder` and `post_review_prompt`, and a cadence's next proposal is
`bot.usecases.meeting_plans.propose_next`.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.domain.meeting_requests import Cadence
from bot.domain.meetings import Meeting, Reminder, ReminderTarget, reminders_for
from storage.db import Session
from storage.due_work import cancel_prefix, enqueue

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
            targets = meeting.participant_ids if meeting.reminder_target is ReminderTarget.DM else (meeting.channel_id,)
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


def schedule_cadence(session: Session, installation_id: int, cadence: Cadence, now: datetime) -> bool:
    """Enqueue the proposal of a cadence's next occurrence (due `lead_days` ahead, at once if that is past)."""
    key = f"{installation_id}:cadence:{cadence.id}:{cadence.next_on.isoformat()}"
    return enqueue(session, installation_id=installation_id, kind=CADENCE, key=key, due_at=max(cadence.propose_at(), now),
                   payload={"cadence": cadence.id, "on": cadence.next_on.isoformat()}, now=now)

