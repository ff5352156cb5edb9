"""A meeting's .ics invite: uploaded at once, and left to the scheduler when Slack fails, so it is never lost."""
from __future__ import annotations

import logging
from typing import Any

from bot.domain.meetings import Meeting, MeetingStatus
from bot.scheduler.invites import schedule_invite
from bot.scheduler.work import Failed, Outcome, Sent, backoff
from bot.services import Services
from bot.slack_edge.gateway import ErrorCategory, SlackCallError
from bot.views import calendar
from bot.views import meetings as views
from storage.due_work import ClaimedWork
from storage.meetings import load_meeting

logger = logging.getLogger(__name__)

# Worth another try later: Slack was down, slow, still rate-limiting after the gateway's own
# retries, or the outcome of the upload is unknown.
RETRYABLE = frozenset({ErrorCategory.TRANSIENT, ErrorCategory.UNCERTAIN})


def upload_invite(services: Services, installation_id: int, meeting: Meeting, update: str,
                  cancel: tuple[int, ...] | None = None) -> str:
    """Build the meeting's .ics (mailto: where Slack shares an address) and share it in its channel; the file id."""
    people = services.directory.users(installation_id, list(dict.fromkeys((meeting.organizer_id, *meeting.participant_ids))))
    names = {m.user_id: m.name for m in people}
    emails = {m.user_id: m.email for m in people if m.email}
    content = calendar.meeting_calendar(meeting, services.clock.now(), names=names, emails=emails, cancel=cancel)
    filename = f"{''.join(c if c.isalnum() else '-' for c in meeting.title.lower())[:40].strip('-') or 'meeting'}.ics"
    return services.gateway.upload_file(meeting.channel_id, filename, content, title=f"{meeting.title} ({update})",
                                        initial_comment=views.invite_comment(meeting, update))


def send_invite(services: Services, installation_id: int, meeting: Meeting, update: str,
                cancel: tuple[int, ...] | None = None) -> None:
    """Upload the invite now; on a failure worth retrying, leave it to the scheduler instead of losing it.

    Permanent refusals (the bot left the channel...) and auth errors go on to the error boundary,
    which tells the person who clicked.
    """
    try:
        upload_invite(services, installation_id, meeting, update, cancel)
    except SlackCallError as error:
        if error.category not in RETRYABLE:
            raise
        # On DeliveryUncertain from files.completeUploadExternal the file may have been shared
        # after all, and Slack gives uploads no idempotency key nor metadata to look for. We send
        # it again rather than risk no invite: a second copy is harmless, because the .ics carries
        # the same UIDs and SEQUENCE and calendars treat importing it twice as one update.
        now = services.clock.now()
        with services.db.write() as session:
            schedule_invite(session, installation_id, meeting, update, cancel, now + backoff(1), now)
        logger.warning("meeting %s invite upload failed (%s: %s, %s); the scheduler sends it later", meeting.id, error.method,
                       error.error, error.category)


def send_queued(services: Services, work: ClaimedWork) -> Outcome:
    """The scheduler's job: upload an invite Slack did not take at once, rebuilt from the meeting as it is now."""
    with services.db.read() as session:
        meeting = load_meeting(session, work.installation_id, int(work.payload["meeting"]))
    raw: Any = work.payload.get("cancel")
    cancel = None if raw is None else tuple(int(i) for i in raw)
    if meeting is None:
        return Sent({"skipped": "meeting gone"})
    if cancel is None and meeting.status is MeetingStatus.CANCELLED:
        return Sent({"skipped": "meeting cancelled since"})  # its cancellation is an invite of its own
    try:
        file_id = upload_invite(services, work.installation_id, meeting, str(work.payload["update"]), cancel)
    except SlackCallError as error:
        if error.category is ErrorCategory.PERMANENT:
            logger.warning("meeting %s invite cannot be shared: %s answered %s", meeting.id, error.method, error.error)
            return Failed(f"{error.method}: {error.error}")
        raise  # retried with backoff (see run_sender)
    return Sent({"channel": meeting.channel_id, "file": file_id})
