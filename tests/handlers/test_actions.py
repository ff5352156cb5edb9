"""`/action` listeners alone: recorded payloads in, the answer and what was stored out (no Slack reachable)."""
from __future__ import annotations

from datetime import timedelta

from bot.domain.alliance import Member
from bot.services import Services
from handlers.actions import action_command
from storage.actions import create_item, load_item
from tests.handlers.conftest import NOW, Respond, acked, context_for, recorded_command


def an_item(services: Services, text: str = "Send the CMC data package", owner: str = "UMARIA") -> int:
    with services.db.write() as session:
        return create_item(session, installation_id=services.default_installation_id, channel_id="C0ALLIANCE", text=text,
                           owner_ids=(owner,), creator_id=owner, due=NOW.date() + timedelta(days=3), notes=None, permalink=None, now=NOW)


def test_done_by_short_id_closes_the_item_and_answers_privately(services: Services) -> None:
    item_id = an_item(services)
    ack, respond = acked(), Respond()
    action_command(ack=ack, body=recorded_command("/action", "done A-1"), context=context_for(services), respond=respond)
    assert ack.response is not None
    [answer] = respond.answers
    assert answer["response_type"] == "ephemeral" and "A-1" in answer["text"]
    with services.db.read() as session:
        item = load_item(session, services.default_installation_id, item_id, NOW)
    assert item is not None and item.status == "done" and item.done_by == "UMARIA"


def test_an_unknown_short_id_is_answered_and_changes_nothing(services: Services) -> None:
    item_id = an_item(services)
    respond = Respond()
    action_command(ack=acked(), body=recorded_command("/action", "done A-7"), context=context_for(services), respond=respond)
    [answer] = respond.answers
    assert "no action item A-7" in answer["text"] and "/action done A-7" in answer["text"]  # the command, shown back to fix
    with services.db.read() as session:
        assert load_item(session, services.default_installation_id, item_id, NOW).status == "open"  # type: ignore[union-attr]


def test_a_due_date_that_cannot_be_read_creates_nothing(services: Services) -> None:
    services.directory.remember(services.default_installation_id, [Member("UMARIA", "T0ALPHA", "maria", tz="America/New_York")])
    respond = Respond()
    action_command(ack=acked(), body=recorded_command("/action", "Send the data by nxt friday"), context=context_for(services),
                   respond=respond)
    [answer] = respond.answers
    # Examples from Maria's own today (Monday 2027-03-01 in New York), and her command to fix and resend.
    assert "could not read the date `nxt friday`" in answer["text"] and "Nothing was created" in answer["text"]
    assert "`2027-04-01`" in answer["text"] and "```/action Send the data by nxt friday```" in answer["text"]
    with services.db.read() as session:
        assert load_item(session, services.default_installation_id, 1, NOW) is None
