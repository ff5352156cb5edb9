"""`/consensus` listeners alone: recorded payloads in, the ack, the answer and what was stored out (no Slack reachable)."""
from __future__ import annotations

import copy
import json
from typing import Any

from bot.domain.alliance import Member
from bot.domain.consensus import DecisionStatus, Level, Outcome, Proposal
from bot.services import Services
from bot.views import consensus as views
from bot.views.ids import Action, Block, Callback
from bot.views.metadata import pack
from handlers.consensus import close_clicked, concern_submitted, consensus_command, vote_clicked
from storage.decisions import create_decision, load_decision
from tests.handlers.conftest import FIXTURES, NOW, Respond, acked, context_for, recorded_command


def a_decision(services: Services, *, auto_close: bool = False, anonymous: bool = False) -> int:
    with services.db.write() as session:
        return create_decision(session, installation_id=services.default_installation_id, channel_id="C0ALLIANCE", creator_id="UMARIA",
                               proposal=Proposal("Move the Phase 2 start to Q3", auto_close=auto_close, anonymous=anonymous),
                               deciders=[("UMARIA", "Alpha"), ("UKENJI", "Beta")], partners=["Alpha", "Beta"], now=NOW)


def clicked(action_id: str, decision_id: int, user: str, trigger: str = "7100812555332.842445099040.aa") -> dict[str, Any]:
    """Slack's recorded button click (fixtures/slack/interactivity), on this decision's button."""
    body = copy.deepcopy(json.loads((FIXTURES / "interactivity" / "block_actions.button.json").read_text()))
    body["user"]["id"], body["trigger_id"] = user, trigger
    body["actions"][0].update(action_id=action_id, value=views.button_value(decision_id))
    return body


def concern_form(decision_id: int, level: Level, concern: str | None, user: str, trigger: str = "1.1.form") -> dict[str, Any]:
    """Slack's recorded view submission, as the concern form for this decision and level."""
    body = copy.deepcopy(json.loads((FIXTURES / "interactivity" / "view_submission.json").read_text()))
    body["user"]["id"], body["trigger_id"] = user, trigger
    body["view"].update(callback_id=Callback.VOTE_CONCERN, private_metadata=pack(decision=decision_id, level=level.value),
                        state={"values": {Block.CONCERN: {Action.CONCERN: {"type": "plain_text_input", "value": concern}}}})
    return body


def stored(services: Services, decision_id: int) -> Any:
    with services.db.read() as session:
        return load_decision(session, services.default_installation_id, decision_id)


def test_help_answers_privately_and_stores_nothing(services: Services) -> None:
    ack, respond = acked(), Respond()
    consensus_command(ack=ack, body=recorded_command("/consensus", "help"), context=context_for(services), respond=respond)
    [answer] = respond.answers
    assert ack.response is not None and answer["response_type"] == "ephemeral" and "/consensus" in answer["text"]


def test_a_support_click_is_stored_before_it_is_acked(services: Services) -> None:
    decision_id = a_decision(services)
    ack, respond = acked(), Respond()
    vote_clicked(ack=ack, body=clicked(views.VOTE_ACTIONS[Level.SUPPORT], decision_id, "UKENJI"), context=context_for(services),
                 respond=respond)
    assert ack.response is not None and respond.answers == []
    [vote] = stored(services, decision_id).votes
    assert (vote.voter_id, vote.partner, vote.level) == ("UKENJI", "Beta", Level.SUPPORT)


def test_a_click_from_someone_who_does_not_decide_is_acked_refused_privately_and_not_counted(services: Services) -> None:
    decision_id = a_decision(services)
    ack, respond = acked(), Respond()
    vote_clicked(ack=ack, body=clicked(views.VOTE_ACTIONS[Level.SUPPORT], decision_id, "UOUTSIDER"), context=context_for(services),
                 respond=respond)
    [answer] = respond.answers
    assert ack.response is not None and "not one of the deciders" in answer["text"] and answer["response_type"] == "ephemeral"
    assert stored(services, decision_id).votes == ()


def test_the_last_vote_of_an_auto_close_decision_closes_it(services: Services) -> None:
    decision_id = a_decision(services, auto_close=True)
    for user, trigger in (("UMARIA", "1.1.a"), ("UKENJI", "1.1.b")):
        vote_clicked(ack=acked(), body=clicked(views.VOTE_ACTIONS[Level.SUPPORT], decision_id, user, trigger), context=context_for(services),
                     respond=Respond())
    closed = stored(services, decision_id)
    assert closed.status is DecisionStatus.CLOSED and closed.outcome is Outcome.FULL


def test_a_redelivered_click_is_counted_once(services: Services) -> None:
    decision_id = a_decision(services)
    for _ in range(2):
        vote_clicked(ack=acked(), body=clicked(views.VOTE_ACTIONS[Level.SUPPORT], decision_id, "UKENJI"), context=context_for(services),
                     respond=Respond())
    assert stored(services, decision_id).load.votes == 1


def test_a_block_without_its_concern_goes_back_into_the_form(services: Services) -> None:
    decision_id = a_decision(services)
    ack = acked()
    concern_submitted(ack=ack, body=concern_form(decision_id, Level.BLOCK, None, "UKENJI"), context=context_for(services))
    assert ack.response is not None and json.loads(ack.response.body)["response_action"] == "errors"
    assert "which interest" in json.loads(ack.response.body)["errors"][Block.CONCERN]
    assert stored(services, decision_id).votes == ()


def test_a_block_with_its_concern_is_stored_before_the_form_closes(services: Services) -> None:
    decision_id = a_decision(services)
    ack = acked()
    concern_submitted(ack=ack, body=concern_form(decision_id, Level.BLOCK, "The FX assumption is stale", "UKENJI"), context=context_for(services))
    assert ack.response is not None and not ack.response.body
    [vote] = stored(services, decision_id).votes
    assert (vote.level, vote.concern) == (Level.BLOCK, "The FX assumption is stale")


def test_a_second_anonymous_vote_is_refused_inside_the_form(services: Services) -> None:
    decision_id = a_decision(services, anonymous=True)
    concern_submitted(ack=acked(), body=concern_form(decision_id, Level.ACCEPT, "fine", "UKENJI"), context=context_for(services))
    ack = acked()
    concern_submitted(ack=ack, body=concern_form(decision_id, Level.BLOCK, "changed my mind", "UKENJI", "1.1.again"), context=context_for(services))
    assert ack.response is not None and "final" in json.loads(ack.response.body)["errors"][Block.CONCERN]


def test_only_the_creator_closes_and_the_others_are_told_who_can(services: Services) -> None:
    decision_id = a_decision(services)
    respond = Respond()
    services.directory.remember(services.default_installation_id, [Member("UKENJI", "T0BETA", "kenji")])  # not an admin
    close_clicked(ack=acked(), body=clicked(Action.CLOSE_DECISION, decision_id, "UKENJI"), context=context_for(services), respond=respond)
    [answer] = respond.answers
    assert "Only <@UMARIA>" in answer["text"] and stored(services, decision_id).is_open
    close_clicked(ack=acked(), body=clicked(Action.CLOSE_DECISION, decision_id, "UMARIA"), context=context_for(services), respond=Respond())
    assert stored(services, decision_id).outcome is Outcome.NO_DECISION
