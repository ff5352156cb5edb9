"""The .ics invite reaches calendars by email where Slack shares one, and a failed upload is sent later, once."""
from __future__ import annotations

from datetime import timedelta

import pytest
import vobject
from icalendar import Calendar

from bot.scheduler.invites import invite_key
from storage.due_work import WorkState, state_of
from tests.e2e.conftest import CHANNEL, RunningBot, eventually
from tests.e2e.test_meetings import invites, propose, stored, tick_at


def attendees(data: bytes) -> dict[str, str]:
    """{CN: calendar address} of every ATTENDEE, plus the ORGANIZER under "organizer"."""
    event = next(iter(Calendar.from_ical(data).walk("VEVENT")))
    found = {str(a.params["CN"]): str(a) for a in event.get("ATTENDEE")}
    found["organizer"] = str(event["ORGANIZER"])
    return found


def state(bot: RunningBot, key: str) -> WorkState | None:
    """Where the due work with `key` stands, if it exists."""
    with bot.services.db.read() as session:
        return state_of(session, key)


def invite_work(bot: RunningBot) -> WorkState | None:
    """The due work holding meeting 1's first invite, if any."""
    return state(bot, invite_key(bot.services.default_installation_id, stored(bot), "new invite", None))


def test_the_invite_addresses_people_by_email_where_slack_shares_it(bot2: RunningBot) -> None:
    bot = bot2
    propose(bot, "JSC", (bot.services.clock.now() + timedelta(days=10)).date().isoformat())
    bot.person("UMARIA").click("Confirm 1", channel=CHANNEL)
    [data] = eventually(lambda: invites(bot), what="the invite")
    assert attendees(data) == {
        "Maria Silva": "mailto:maria@alphapharma.example", "Lee Meier": "mailto:lee@alphapharma.example",
        "organizer": "mailto:maria@alphapharma.example",
    }
    # Kenji's organisation (Beta Bio) does not share addresses with other orgs: no `urn:` a calendar cannot reply to;
    # he is named in the description instead (issue 14).
    assert b"urn:" not in data and "Kenji Sato" in vobject.readOne(data.decode()).vevent.description.value
    assert invite_work(bot) is None  # it went out at once: nothing left for the scheduler


@pytest.mark.parametrize("method, fault", [
    ("files.completeUploadExternal", {"kind": "server_error"}),  # a 500 on the share: the outcome is uncertain
    ("files.getUploadURLExternal", {"kind": "ratelimited", "retry_after": 0, "times": 5}),  # still 429 after the gateway's retries
])
def test_a_failed_invite_upload_is_sent_later_by_the_scheduler_exactly_once(bot2: RunningBot, method: str, fault: dict) -> None:  # type: ignore[type-arg]
    bot = bot2
    propose(bot, "JSC", (bot.services.clock.now() + timedelta(days=10)).date().isoformat())
    bot.slack.inject(method, **fault)
    bot.person("UMARIA").click("Confirm 1", channel=CHANNEL)
    work = eventually(lambda: invite_work(bot), what="the invite kept as due work")
    assert work.status == "pending" and not invites(bot)
    eventually(lambda: "Confirmed: JSC" in bot.slack.messages(CHANNEL)[0].text, what="the confirmed proposal")

    tick_at(bot, work.due_at - timedelta(seconds=1))  # not due yet
    assert not invites(bot)
    tick_at(bot, work.due_at + timedelta(minutes=1))
    tick_at(bot, work.due_at + timedelta(hours=2))
    [data] = invites(bot)
    meeting = stored(bot)
    events = Calendar.from_ical(data).walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [meeting.uid]
    assert attendees(data)["Lee Meier"] == "mailto:lee@alphapharma.example"
    done = invite_work(bot)
    assert done is not None and done.status == "sent" and done.attempts == 1


def test_a_kept_invite_is_rebuilt_from_the_meeting_as_it_stands_when_sent(bot2: RunningBot) -> None:
    bot = bot2
    maria = bot.person("UMARIA")
    inst = bot.services.default_installation_id
    propose(bot, "JSC", (bot.services.clock.now() + timedelta(days=10)).date().isoformat())
    bot.slack.inject("files.completeUploadExternal", kind="server_error", times=2)
    maria.click("Confirm 1", channel=CHANNEL)
    request = eventually(lambda: invite_work(bot), what="the invite kept as due work")
    request_key = invite_key(inst, stored(bot), "new invite", None)
    maria.run("/meeting", "cancel 1", channel=CHANNEL)
    eventually(lambda: stored(bot).status == "cancelled", what="the cancellation")
    cancel_key = invite_key(inst, stored(bot), "cancellation", ())
    cancellation = eventually(lambda: state(bot, cancel_key), what="the cancellation kept as due work")
    assert not invites(bot)

    tick_at(bot, max(request.due_at, cancellation.due_at) + timedelta(minutes=1))
    # The meeting was cancelled before its invite went out: only the cancellation is shared.
    [data] = invites(bot)
    assert Calendar.from_ical(data)["METHOD"] == "CANCEL"
    assert [e["SEQUENCE"] for e in Calendar.from_ical(data).walk("VEVENT")] == [1]
    kept, sent = state(bot, request_key), state(bot, cancel_key)
    assert kept is not None and kept.status == "sent" and kept.result == {"skipped": "meeting cancelled since"}
    assert sent is not None and sent.status == "sent"
