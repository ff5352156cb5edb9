"""`/meeting` listener alone: a recorded slash command in, the private answer and what was stored out (no Slack reachable)."""
from __future__ import annotations

from bot.domain.alliance import Member
from bot.services import Services
from handlers.meetings import meeting_command
from storage.meetings import channel_meetings
from tests.handlers.conftest import NOW, Respond, acked, context_for, recorded_command


def test_a_time_typed_without_any_known_zone_is_asked_for_not_taken_as_utc(services: Services) -> None:
    services.directory.remember(services.default_installation_id, [Member("UMARIA", "T0ALPHA", "maria", tz=None)])
    respond = Respond()
    meeting_command(ack=acked(), body=recorded_command("/meeting", "add JSC sync 2027-03-03 15:00"), context=context_for(services),
                    respond=respond)
    [answer] = respond.answers
    assert "no time zone" in answer["text"] and "Europe/Zurich" in answer["text"]
    with services.db.read() as session:
        assert channel_meetings(session, services.default_installation_id, "C0ALLIANCE", NOW) == []
