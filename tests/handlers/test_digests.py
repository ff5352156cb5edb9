"""`/digest` listener alone: ack, then one use case, then the answer, with a recorded payload."""
from __future__ import annotations

from sqlalchemy import select

from bot.services import Services
from handlers.digests import digest_command
from storage.digests import digest_rule
from storage.models.due_work import DueWorkRow
from tests.handlers.conftest import Respond, acked, context_for, recorded_command


def test_setting_a_schedule_acks_stores_it_queues_the_first_firing_and_answers_privately(services: Services) -> None:
    ack, respond = acked(), Respond()
    digest_command(ack=ack, body=recorded_command("/digest", "weekly mon 09:00"), context=context_for(services), respond=respond)
    assert ack.response is not None
    [answer] = respond.answers
    assert answer["response_type"] == "ephemeral" and "Monday" in answer["text"]
    with services.db.read() as session:
        rule, version = digest_rule(session, services.default_installation_id, "C0ALLIANCE")
        [firing] = session.scalars(select(DueWorkRow).where(DueWorkRow.kind == "channel_digest")).all()
    assert rule is not None and version == 1 and firing.payload == {"channel": "C0ALLIANCE", "version": 1}


def test_no_text_previews_and_stores_nothing(services: Services) -> None:
    respond = Respond()
    digest_command(ack=acked(), body=recorded_command("/digest", ""), context=context_for(services), respond=respond)
    [answer] = respond.answers
    assert answer["response_type"] == "ephemeral" and answer["blocks"]
    with services.db.read() as session:
        assert digest_rule(session, services.default_installation_id, "C0ALLIANCE")[0] is None


def test_a_schedule_that_cannot_be_read_is_answered_with_examples_and_changes_nothing(services: Services) -> None:
    ack, respond = acked(), Respond()
    digest_command(ack=ack, body=recorded_command("/digest", "fortnightly on blursday"), context=context_for(services), respond=respond)
    assert ack.response is not None
    [answer] = respond.answers
    assert answer["response_type"] == "ephemeral" and "Try" in answer["text"]
    with services.db.read() as session:
        assert digest_rule(session, services.default_installation_id, "C0ALLIANCE")[0] is None
