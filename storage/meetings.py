"""Repository for meetings, their occurrences and slot votes, people's working hours and the pain ledger."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.domain.meeting_requests import Cadence
from bot.domain.meetings import (
    CalendarForm,
    Meeting,
    MeetingOccurrence,
    MeetingProposal,
    MeetingSource,
    MeetingStatus,
    ProposedSlot,
    Recurrence,
    ReminderTarget,
    WorkingHours,
)
from storage.models.meetings import MeetingCadenceRow, MeetingOccurrenceRow, MeetingPrefsRow, MeetingRow, MeetingSlotVoteRow, PainLedgerRow

ALLIANCE_TOTAL = ""  # the ledger's series key for everything a person carried in the alliance
# The version of the proposal's JSON. Rows written before it carry no "v" and the same keys (version 0).
PROPOSAL_VERSION = 1


def proposal_json(proposal: MeetingProposal) -> dict[str, Any]:
    """A proposal as stored: plain JSON with its version in "v"."""
    return {
        "v": PROPOSAL_VERSION,
        "slots": [{"starts": [s.isoformat() for s in slot.starts], "pain_qp": {u: list(p) for u, p in slot.pain_qp.items()},
                   "bands": {u: list(b) for u, b in slot.bands.items()}, "rotating": slot.rotating,
                   "max_cum_qp": slot.max_cum_qp, "total_qp": slot.total_qp} for slot in proposal.slots],
        "ledger_before": dict(proposal.ledger_before), "summary": proposal.summary, "track": proposal.track,
        "series": proposal.series, "cadence": proposal.cadence,
        "cadence_on": proposal.cadence_on.isoformat() if proposal.cadence_on else None, "chosen": proposal.chosen,
        "occurrence_pain": {str(k): dict(v) for k, v in proposal.occurrence_pain.items()},
        "calendar_form": proposal.calendar_form.value if proposal.calendar_form else None,
    }


def read_proposal(stored: Mapping[str, Any] | None) -> MeetingProposal:
    """A stored proposal, of this version or the unversioned one before it; an empty one for none."""
    if not stored:
        return MeetingProposal()
    version = int(stored.get("v", 0))
    if version > PROPOSAL_VERSION:
        raise ValueError(f"a meeting proposal of version {version}, newer than this code reads ({PROPOSAL_VERSION}): upgrade the bot")
    slots = tuple(ProposedSlot(tuple(datetime.fromisoformat(s) for s in slot["starts"]),
                               {u: tuple(int(n) for n in p) for u, p in (slot.get("pain_qp") or {}).items()},
                               {u: tuple(str(b) for b in bands) for u, bands in (slot.get("bands") or {}).items()},
                               bool(slot.get("rotating")), int(slot.get("max_cum_qp", 0)), int(slot.get("total_qp", 0)))
                  for slot in stored.get("slots") or ())
    cadence_on, chosen, form = stored.get("cadence_on"), stored.get("chosen"), stored.get("calendar_form")
    return MeetingProposal(
        slots, {u: int(n) for u, n in (stored.get("ledger_before") or {}).items()}, str(stored.get("summary") or ""),
        str(stored.get("track") or "B"), stored.get("series") or None, stored.get("cadence") or None,
        date.fromisoformat(cadence_on) if cadence_on else None, int(chosen) if chosen is not None else None,
        {int(k): {u: int(n) for u, n in v.items()} for k, v in (stored.get("occurrence_pain") or {}).items()},
        CalendarForm(form) if form else None)


def _dialect(session: Session) -> Any:
    return postgresql if session.get_bind().dialect.name == "postgresql" else sqlite


def create_meeting(session: Session, installation_id: int, meeting: Meeting, now: datetime) -> int:
    """Store a new meeting (and its occurrences when it already has them); returns its id."""
    row = MeetingRow(installation_id=installation_id, channel_id=meeting.channel_id, organizer_id=meeting.organizer_id,
                     title=meeting.title, duration_minutes=meeting.duration_minutes, participant_ids=list(meeting.participant_ids),
                     recurrence=meeting.recurrence.value, count=meeting.count, status=meeting.status.value, source=meeting.source.value,
                     uid=meeting.uid, sequence=meeting.sequence, agenda=meeting.agenda, prereads=list(meeting.prereads),
                     reminder_target=meeting.reminder_target, zone=meeting.zone, proposal=proposal_json(meeting.proposal), created_at=now,
                     cadence_id=meeting.proposal.cadence)
    session.add(row)
    session.flush()
    for occurrence in meeting.occurrences:
        session.add(MeetingOccurrenceRow(meeting_id=row.id, position=occurrence.index, starts_at=occurrence.starts_at, cancelled=False))
    return row.id


def load_meeting(session: Session, installation_id: int, meeting_id: int) -> Meeting | None:
    """A meeting of this installation with its occurrences, or None."""
    row = session.scalar(select(MeetingRow).where(MeetingRow.id == meeting_id, MeetingRow.installation_id == installation_id))
    return _meeting(session, row) if row is not None else None


def _meeting(session: Session, row: MeetingRow) -> Meeting:
    participants = tuple(row.participant_ids)
    occurrences = tuple(
        MeetingOccurrence(row.title, o.starts_at, row.duration_minutes, row.channel_id, participants, row.id, o.position,
                          o.cancelled, o.original_starts_at)
        for o in session.scalars(select(MeetingOccurrenceRow).where(MeetingOccurrenceRow.meeting_id == row.id)
                                 .order_by(MeetingOccurrenceRow.position)))
    return Meeting(id=row.id, channel_id=row.channel_id, organizer_id=row.organizer_id, title=row.title,
                   duration_minutes=row.duration_minutes, participant_ids=participants, recurrence=Recurrence(row.recurrence),
                   count=row.count, status=MeetingStatus(row.status), source=MeetingSource(row.source), uid=row.uid, sequence=row.sequence, agenda=row.agenda,
                   prereads=tuple(row.prereads or ()), reminder_target=ReminderTarget(row.reminder_target), zone=row.zone,
                   occurrences=occurrences, message_ts=row.message_ts, proposal=read_proposal(row.proposal))


def set_meeting_message(session: Session, meeting_id: int, ts: str) -> None:
    """Remember the proposal message."""
    session.execute(update(MeetingRow).where(MeetingRow.id == meeting_id).values(message_ts=ts))


def confirm_meeting(session: Session, meeting_id: int, starts: Sequence[datetime], calendar_form: CalendarForm) -> bool:
    """Fix a proposed meeting's occurrences; False when it was confirmed (or cancelled) already."""
    row = session.scalar(select(MeetingRow).where(MeetingRow.id == meeting_id, MeetingRow.status == MeetingStatus.PROPOSED.value).with_for_update())
    if row is None:
        return False
    confirmed = session.execute(update(MeetingRow).where(MeetingRow.id == meeting_id, MeetingRow.status == MeetingStatus.PROPOSED.value)
                                .values(status=MeetingStatus.CONFIRMED.value,
                                        proposal=proposal_json(replace(read_proposal(row.proposal), calendar_form=calendar_form))))
    if not confirmed.rowcount:  # type: ignore[attr-defined]
        return False
    for position, start in enumerate(starts):
        session.add(MeetingOccurrenceRow(meeting_id=meeting_id, position=position, starts_at=start, cancelled=False))
    return True


def record_choice(session: Session, meeting_id: int, slot: int, occurrence_pain: Mapping[int, Mapping[str, int]]) -> None:
    """Remember which option the organiser confirmed, and what each occurrence costs whom."""
    row = session.scalar(select(MeetingRow).where(MeetingRow.id == meeting_id))
    if row is not None:
        row.proposal = proposal_json(replace(read_proposal(row.proposal), chosen=slot,
                                             occurrence_pain={k: dict(v) for k, v in occurrence_pain.items()}))


def swap_occurrence_pain(session: Session, installation_id: int, meeting_id: int, position: int, new: Mapping[str, int] | None,
                         now: datetime) -> None:
    """An occurrence was moved (`new` pain) or cancelled (None): take its old pain off the ledger, add the new."""
    row = session.scalar(select(MeetingRow).where(MeetingRow.id == meeting_id, MeetingRow.installation_id == installation_id))
    proposal = read_proposal(row.proposal if row is not None else None)
    if row is None or proposal.chosen is None:
        return  # meetings set up elsewhere carry no pain
    old = proposal.occurrence_pain.get(position) or {}
    delta = {u: int((new or {}).get(u, 0)) - int(old.get(u, 0)) for u in set(old) | set(new or {})}
    add_pain(session, installation_id, row.channel_id, proposal.series_key(meeting_id), {u: d for u, d in delta.items() if d}, now)
    row.proposal = proposal_json(replace(proposal, occurrence_pain={**proposal.occurrence_pain, position: dict(new or {})}))


def cast_slot_vote(session: Session, installation_id: int, meeting_id: int, slot: int, user_id: str, works: bool, now: datetime) -> None:
    """Set a participant's answer for one slot (the last click wins); nothing for another workspace's meeting."""
    if session.scalar(select(MeetingRow.id).where(MeetingRow.id == meeting_id, MeetingRow.installation_id == installation_id)) is None:
        return
    insert = _dialect(session).insert(MeetingSlotVoteRow).values(meeting_id=meeting_id, slot=slot, user_id=user_id, works=works, updated_at=now)
    session.execute(insert.on_conflict_do_update(index_elements=["meeting_id", "slot", "user_id"],
                                                 set_={"works": insert.excluded.works, "updated_at": insert.excluded.updated_at}))


def slot_votes(session: Session, meeting_id: int) -> dict[int, dict[str, bool]]:
    """{slot: {user: works}} for a proposal."""
    votes: dict[int, dict[str, bool]] = {}
    for row in session.scalars(select(MeetingSlotVoteRow).where(MeetingSlotVoteRow.meeting_id == meeting_id).order_by(MeetingSlotVoteRow.id)):
        votes.setdefault(row.slot, {})[row.user_id] = row.works
    return votes


def cancel_meeting(session: Session, meeting_id: int) -> bool:
    """Cancel a whole meeting; the calendar sequence goes up. False when it was cancelled already."""
    result = session.execute(update(MeetingRow).where(MeetingRow.id == meeting_id, MeetingRow.status != MeetingStatus.CANCELLED.value)
                             .values(status=MeetingStatus.CANCELLED.value, sequence=MeetingRow.sequence + 1))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def cancel_occurrence(session: Session, meeting_id: int, position: int) -> bool:
    """Cancel one occurrence; False when it was cancelled already."""
    result = session.execute(update(MeetingOccurrenceRow).where(MeetingOccurrenceRow.meeting_id == meeting_id,
                                                                MeetingOccurrenceRow.position == position,
                                                                MeetingOccurrenceRow.cancelled.is_(False)).values(cancelled=True))
    if result.rowcount:  # type: ignore[attr-defined]
        session.execute(update(MeetingRow).where(MeetingRow.id == meeting_id).values(sequence=MeetingRow.sequence + 1))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def move_occurrence(session: Session, meeting_id: int, position: int, starts_at: datetime) -> bool:
    """Move one occurrence, keeping its first original start; False when there is no such live occurrence."""
    row = session.scalar(select(MeetingOccurrenceRow).where(MeetingOccurrenceRow.meeting_id == meeting_id,
                                                            MeetingOccurrenceRow.position == position,
                                                            MeetingOccurrenceRow.cancelled.is_(False)))
    if row is None:
        return False
    row.original_starts_at = row.original_starts_at or row.starts_at
    row.starts_at = starts_at
    session.execute(update(MeetingRow).where(MeetingRow.id == meeting_id).values(sequence=MeetingRow.sequence + 1))
    return True


def channel_meetings(session: Session, installation_id: int, channel_id: str, now: datetime, limit: int = 20) -> list[Meeting]:
    """The channel's proposed meetings and confirmed ones with an occurrence still to come."""
    live_statuses = (MeetingStatus.PROPOSED.value, MeetingStatus.CONFIRMED.value)
    rows = session.scalars(select(MeetingRow).where(MeetingRow.installation_id == installation_id, MeetingRow.channel_id == channel_id,
                                                    MeetingRow.status.in_(live_statuses)).order_by(MeetingRow.id))
    found = [_meeting(session, row) for row in rows]
    live = [m for m in found if m.status is MeetingStatus.PROPOSED or any(not o.cancelled and o.ends_at > now for o in m.occurrences)]
    return live[:limit]


def confirmed_meetings(session: Session, installation_id: int, *, channel_id: str | None = None, participant: str | None = None,
                       since: datetime, limit: int = 500) -> list[Meeting]:
    """Confirmed meetings of a channel (or a person's, where they take part), with an occurrence ending after `since`."""
    query = select(MeetingRow).where(MeetingRow.installation_id == installation_id, MeetingRow.status == MeetingStatus.CONFIRMED.value)
    if channel_id is not None:
        query = query.where(MeetingRow.channel_id == channel_id)
    found = [_meeting(session, row) for row in session.scalars(query.order_by(MeetingRow.id))]
    return [m for m in found if (participant is None or participant in m.participant_ids or participant == m.organizer_id)
            and any(o.ends_at > since for o in m.occurrences)][:limit]


def meetings_between(session: Session, installation_id: int, channel_id: str | None, start: datetime, end: datetime,
                     user_id: str | None = None) -> list[MeetingOccurrence]:
    """Confirmed, not cancelled occurrences starting in [start, end), oldest first (digests, App Home)."""
    query = (select(MeetingRow, MeetingOccurrenceRow).join(MeetingOccurrenceRow, MeetingOccurrenceRow.meeting_id == MeetingRow.id)
             .where(MeetingRow.installation_id == installation_id, MeetingRow.status == MeetingStatus.CONFIRMED.value,
                    MeetingOccurrenceRow.cancelled.is_(False), MeetingOccurrenceRow.starts_at >= start, MeetingOccurrenceRow.starts_at < end)
             .order_by(MeetingOccurrenceRow.starts_at, MeetingOccurrenceRow.id))
    if channel_id is not None:
        query = query.where(MeetingRow.channel_id == channel_id)
    found = []
    for meeting, o in session.execute(query):
        if user_id is not None and user_id not in meeting.participant_ids and user_id != meeting.organizer_id:
            continue
        found.append(MeetingOccurrence(meeting.title, o.starts_at, meeting.duration_minutes, meeting.channel_id,
                                       tuple(meeting.participant_ids), meeting.id, o.position, o.cancelled, o.original_starts_at))
    return found


# -- working hours -------------------------------------------------------------------------------

def working_hours(session: Session, installation_id: int, zones: Mapping[str, str | None]) -> dict[str, WorkingHours]:
    """Each person's hours (defaults where they set none) in the zone given, else the one they stated.

    People with no zone at all are left out: the caller asks them, never guesses.
    """
    rows = {r.user_id: r for r in session.scalars(select(MeetingPrefsRow).where(
        MeetingPrefsRow.installation_id == installation_id, MeetingPrefsRow.user_id.in_(list(zones))))}
    found: dict[str, WorkingHours] = {}
    for user_id, slack_zone in zones.items():
        row = rows.get(user_id)
        zone = slack_zone or (row.tz if row else None)
        if zone is None:
            continue
        if row is None:
            found[user_id] = WorkingHours(user_id, zone)
            continue
        found[user_id] = WorkingHours(user_id, zone, time.fromisoformat(row.work_start), time.fromisoformat(row.work_end),
                                      tuple(row.workdays or (1, 2, 3, 4, 5)),
                                      tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in row.never or ()))
    return found


def stated_zones(session: Session, installation_id: int, user_ids: Sequence[str]) -> dict[str, str]:
    """The zones people stated in `/meeting prefs` (only those who did)."""
    rows = session.execute(select(MeetingPrefsRow.user_id, MeetingPrefsRow.tz).where(
        MeetingPrefsRow.installation_id == installation_id, MeetingPrefsRow.user_id.in_(list(user_ids)), MeetingPrefsRow.tz.is_not(None)))
    return {user_id: tz for user_id, tz in rows if tz}


def save_working_hours(session: Session, installation_id: int, hours: WorkingHours, told_zone: str | None, now: datetime) -> None:
    """Keep a person's hours (and their zone, only when Slack has none for them)."""
    values = {"tz": told_zone, "work_start": hours.work_start.strftime("%H:%M"), "work_end": hours.work_end.strftime("%H:%M"),
              "workdays": list(hours.workdays), "never": [[a.strftime("%H:%M"), b.strftime("%H:%M")] for a, b in hours.never],
              "updated_at": now}
    insert = _dialect(session).insert(MeetingPrefsRow).values(installation_id=installation_id, user_id=hours.user_id, **values)
    session.execute(insert.on_conflict_do_update(index_elements=["installation_id", "user_id"], set_=values))


# -- pain ledger -----------------------------------------------------------------------------------

def pain_ledger(session: Session, installation_id: int, channel_id: str, series: str = ALLIANCE_TOTAL) -> dict[str, int]:
    """{user: pain carried, in quarter-points} for an alliance's series (or its running total)."""
    rows = session.scalars(select(PainLedgerRow).where(PainLedgerRow.installation_id == installation_id,
                                                       PainLedgerRow.channel_id == channel_id, PainLedgerRow.series == series))
    return {r.user_id: r.pain_qp for r in rows}


def add_pain(session: Session, installation_id: int, channel_id: str, series: str, pain_qp: Mapping[str, int], now: datetime) -> None:
    """Add what people carry in a confirmed meeting to the series and to the alliance's running total."""
    for key in dict.fromkeys((series, ALLIANCE_TOTAL)):
        for user_id, qp in pain_qp.items():
            insert = _dialect(session).insert(PainLedgerRow).values(installation_id=installation_id, channel_id=channel_id, series=key,
                                                                    user_id=user_id, pain_qp=qp, updated_at=now)
            session.execute(insert.on_conflict_do_update(
                index_elements=["installation_id", "channel_id", "series", "user_id"],
                set_={"pain_qp": PainLedgerRow.pain_qp + insert.excluded.pain_qp, "updated_at": insert.excluded.updated_at}))


# -- governance cadences ---------------------------------------------------------------------------

def save_cadence(session: Session, installation_id: int, cadence: Cadence, now: datetime) -> int:
    """Create or replace a channel's cadence of that title; returns its id."""
    row = session.scalar(select(MeetingCadenceRow).where(MeetingCadenceRow.installation_id == installation_id,
                                                         MeetingCadenceRow.channel_id == cadence.channel_id,
                                                         MeetingCadenceRow.title == cadence.title))
    if row is None:
        row = MeetingCadenceRow(installation_id=installation_id, channel_id=cadence.channel_id, title=cadence.title, created_at=now)
        session.add(row)
    row.organizer_id, row.recurrence, row.participant_ids = cadence.organizer_id, cadence.recurrence.value, list(cadence.participant_ids)
    row.duration_minutes, row.lead_days, row.next_on, row.active = (cadence.duration_minutes, cadence.lead_days,
                                                                    cadence.next_on.isoformat(), cadence.active)
    session.flush()
    return row.id


def load_cadence(session: Session, installation_id: int, cadence_id: int) -> Cadence | None:
    """A cadence of this installation, or None."""
    row = session.scalar(select(MeetingCadenceRow).where(MeetingCadenceRow.id == cadence_id,
                                                         MeetingCadenceRow.installation_id == installation_id))
    if row is None:
        return None
    return Cadence(row.id, row.channel_id, row.organizer_id, row.title, Recurrence(row.recurrence), tuple(row.participant_ids),
                   date.fromisoformat(row.next_on), row.duration_minutes, row.lead_days, row.active)


def advance_cadence(session: Session, cadence_id: int, was: date, then: date) -> bool:
    """Move a cadence on to its next day; False when another worker already did."""
    result = session.execute(update(MeetingCadenceRow).where(MeetingCadenceRow.id == cadence_id,
                                                             MeetingCadenceRow.next_on == was.isoformat()).values(next_on=then.isoformat()))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def cadence_meeting(session: Session, installation_id: int, cadence_id: int, on: date) -> int | None:
    """The meeting already proposed for a cadence's day, if any (so a retried proposal is not posted twice)."""
    for row in session.scalars(select(MeetingRow).where(MeetingRow.installation_id == installation_id, MeetingRow.cadence_id == cadence_id)):
        if read_proposal(row.proposal).cadence_on == on:
            return row.id
    return None
