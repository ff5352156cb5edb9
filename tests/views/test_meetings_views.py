"""The proposal message stays inside Slack's limits for large meetings and long series."""
from __future__ import annotations

from datetime import date, time

from bot.domain.meeting_plans import propose
from bot.domain.meeting_requests import MeetingRequest
from bot.domain.meetings import Meeting, MeetingSource, MeetingStatus, Recurrence, WorkingHours
from bot.slack_edge.blockkit import check_message
from bot.views.meetings import proposal_message

ZONES = ("America/Los_Angeles", "America/New_York", "America/St_Johns", "Europe/London", "Europe/Zurich", "Asia/Kolkata",
         "Asia/Kathmandu", "Asia/Tokyo", "Australia/Sydney", "Pacific/Chatham")


def test_a_60_person_26_week_proposal_is_a_valid_message_with_the_first_option_in_full() -> None:
    people = tuple(f"U{i:03d}" for i in range(60))
    hours = {u: WorkingHours(u, ZONES[i % len(ZONES)]) for i, u in enumerate(people)}
    request = MeetingRequest("JSC", people, 50, date(2027, 3, 3), time(0), 1440, Recurrence.WEEKLY, 26)
    proposal = propose(request, hours, {}, people[0])
    meeting = Meeting(1, "C1", people[0], "JSC", 50, people, Recurrence.WEEKLY, 26, MeetingStatus.PROPOSED, MeetingSource.PROPOSED, "u@x", proposal=proposal)
    text, blocks = proposal_message(meeting, {u: h.tz for u, h in hours.items()}, {0: {people[1]: True, people[2]: False}})
    check_message(text, blocks)
    shown = str(blocks)
    assert "26. <!date^" in shown and "and 48 more" in shown and "Pain ledger" in shown
    assert len(blocks) <= 50


def test_home_lists_one_block_per_meeting() -> None:
    from datetime import datetime, timezone

    from bot.domain.meetings import MeetingOccurrence
    from bot.views.meetings import home_blocks

    found = [MeetingOccurrence(f"JSC {k}", datetime(2027, 1, k + 1, 14, tzinfo=timezone.utc), 50, "C1", ("U1",)) for k in range(7)]
    blocks = home_blocks(found, 5)
    assert len(blocks) == 5 and "JSC 4" in str(blocks[-1]) and "<#C1>" in str(blocks[0])


def test_the_review_prompt_lists_what_was_captured_and_offers_both_next_steps() -> None:
    from datetime import datetime, timezone

    from bot.domain.actions import ActionItem
    from bot.domain.meetings import MeetingOccurrence
    from bot.views.meetings import review_prompt

    start = datetime(2027, 1, 5, 14, tzinfo=timezone.utc)
    occurrence = MeetingOccurrence("JSC <Q1>", start, 50, "C1", ("U1", "U2"), meeting_id=1)
    meeting = Meeting(1, "C1", "U1", "JSC <Q1>", 50, ("U1", "U2"), Recurrence.NONE, 1, MeetingStatus.CONFIRMED, MeetingSource.PROPOSED, "u@x",
                      occurrences=(occurrence,))
    items = [ActionItem(k, f"A-{k}", "C1", f"Send draft {k} & notes", ("U2",), "U1", None) for k in range(1, 26)]
    text, blocks = review_prompt(meeting, meeting.occurrences[0], items)
    check_message(text, blocks)
    shown = str(blocks)
    assert "`A-1` Send draft 1 &amp; notes (<@U2>)" in shown and "`A-20`" in shown and "`A-21`" not in shown
    assert "JSC &lt;Q1&gt;" in shown and "Add an action item" in shown and "Start a consensus decision" in shown
    _, empty = review_prompt(meeting, meeting.occurrences[0], [])
    assert "Nothing captured yet" in str(empty)
