"""Meetings in the database: one installation never sees another's, and the pain ledger adds up per series."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.meetings import Meeting, MeetingOccurrence, MeetingSource, MeetingStatus, Recurrence
from storage.db import Database
from storage.installations import ensure_installation
from storage.meetings import (
    add_pain,
    cancel_occurrence,
    create_meeting,
    load_meeting,
    meetings_between,
    move_occurrence,
    pain_ledger,
)
from tests.storage.helpers import T0, installation


def _meeting(channel: str, starts: list, participants: tuple[str, ...] = ("U1", "U2")) -> Meeting:  # type: ignore[type-arg]
    occurrences = tuple(MeetingOccurrence("JSC", s, 50, channel, participants, 0, k) for k, s in enumerate(starts))
    return Meeting(0, channel, "U1", "JSC", 50, participants, Recurrence.WEEKLY, len(starts), MeetingStatus.CONFIRMED, MeetingSource.PROPOSED, "u@x",
                   occurrences=occurrences)


def test_meetings_between_is_scoped_by_installation_channel_and_person(database: Database) -> None:
    mine = installation(database)
    with database.write() as session:
        other = ensure_installation(session, enterprise_id=None, team_id="T0OTHER", team_name="Other", bot_user_id="UB2", now=T0)
        week = [T0 + timedelta(days=7 * k) for k in range(3)]
        first = create_meeting(session, mine, _meeting("C1", week), T0)
        create_meeting(session, other, _meeting("C1", week), T0)
        create_meeting(session, mine, _meeting("C2", [T0 + timedelta(days=1)], ("U3",)), T0)
        cancel_occurrence(session, first, 1)
        move_occurrence(session, first, 2, T0 + timedelta(days=15))
    with database.read() as session:
        found = meetings_between(session, mine, "C1", T0, T0 + timedelta(days=30))
        assert [o.starts_at for o in found] == [T0, T0 + timedelta(days=15)]
        assert found[1].original_starts_at == T0 + timedelta(days=14)
        assert [o.channel_id for o in meetings_between(session, mine, None, T0, T0 + timedelta(days=30), user_id="U3")] == ["C2"]
        assert load_meeting(session, other, first) is None
        assert load_meeting(session, mine, first).sequence == 2  # type: ignore[union-attr]


def test_the_ledger_adds_up_per_series_and_for_the_whole_alliance(database: Database) -> None:
    inst = installation(database)
    with database.write() as session:
        add_pain(session, inst, "C1", "cadence:JSC", {"U1": 12, "U2": 0}, T0)
        add_pain(session, inst, "C1", "cadence:JSC", {"U1": 4}, T0)
        add_pain(session, inst, "C1", "meeting:9", {"U2": 40}, T0)
    with database.read() as session:
        assert pain_ledger(session, inst, "C1", "cadence:JSC") == {"U1": 16, "U2": 0}
        assert pain_ledger(session, inst, "C1") == {"U1": 16, "U2": 40}
        assert pain_ledger(session, inst, "C2") == {}


def test_a_proposal_is_stored_as_versioned_json_and_read_back_whole_also_from_before_the_version() -> None:
    from datetime import date, datetime, timezone

    from bot.domain.meetings import CalendarForm, MeetingProposal, ProposedSlot
    from storage.meetings import PROPOSAL_VERSION, proposal_json, read_proposal

    start = datetime(2027, 3, 3, 14, tzinfo=timezone.utc)
    slot = ProposedSlot((start, start + timedelta(days=7)), {"U1": (0, 4), "U2": (8, 0)}, {"U1": ("work", "shoulder"), "U2": ("night", "work")},
                        True, 8, 12)
    proposal = MeetingProposal((slot,), {"U2": 40}, "Ranked by the largest pain.", "B", "cadence:3", 3, date(2027, 3, 3), 0,
                               {0: {"U1": 0, "U2": 8}, 1: {"U1": 4, "U2": 0}}, CalendarForm.RRULE)
    stored = proposal_json(proposal)
    assert stored["v"] == PROPOSAL_VERSION and read_proposal(stored) == proposal
    # What rows written before the version look like: the same keys, no "v", occurrence keys as strings.
    legacy = {"slots": [{"starts": [start.isoformat()], "pain_qp": {"U1": [4]}, "bands": {"U1": ["shoulder"]}, "rotating": False,
                         "max_cum_qp": 4, "total_qp": 4}], "ledger_before": {}, "summary": "s", "track": "B", "series": None,
              "chosen": 0, "occurrence_pain": {"0": {"U1": 4}}, "calendar_form": "each"}
    read = read_proposal(legacy)
    assert read.slots[0].starts == (start,) and read.occurrence_pain == {0: {"U1": 4}} and read.calendar_form is CalendarForm.EACH
    assert read_proposal(None) == MeetingProposal() == read_proposal({})
    with pytest.raises(ValueError, match="newer than this code reads"):
        read_proposal({**stored, "v": PROPOSAL_VERSION + 1})
