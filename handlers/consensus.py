"""`/consensus`: start a decision, vote with a level (and a concern), close it with an outcome, revise it."""
from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.domain.consensus import Level
from bot.domain.errors import UserError
from bot.services import services_of
from bot.slack_edge.errors import form_or_errors, listener, on_valid_form
from bot.slack_edge.middleware import delivery_key
from bot.slack_edge.payloads import Actor, CommandCall, ReceivedVote, state_values
from bot.usecases import body_decisions, consensus
from bot.views import consensus as views
from bot.views.ids import Action, Block, Callback, Command

logger = logging.getLogger(__name__)
# One wording for a click and a concern form alike: in an anonymous decision, which of them it was
# would tell a reader of the log whether someone chose Support.
NOT_STORED = "a vote was not stored within %.1fs; not acknowledged"
STORE_FAILED = "Your vote could not be stored; please try again."


@listener
def consensus_command(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """`/consensus <proposal>` posts a decision; `list`, `log` and `help` answer privately."""
    ack()
    answer = consensus.command(services_of(context), context["installation_id"], CommandCall.parse(body))
    if answer is not None:
        respond(text=answer[0], blocks=answer[1], response_type="ephemeral")


@listener
def start_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The full form: field errors go back into it, a valid one posts the decision."""
    services, view = services_of(context), body["view"]
    on_valid_form(ack, Block.PROPOSAL, lambda: body_decisions.read_start_form(services, view, state_values(view)),
                  lambda form: consensus.start(services, context["installation_id"], form[0], Actor.from_interaction(body).user_id, form[1]))


@listener
def vote_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """A level's button. Support is stored (in a batch with the clicks around it) before the ack, so a
    vote Slack reported as received survives a crash right after; the other levels ask for the concern."""
    # A click that cannot be read raises here: the error boundary acks it and tells the person.
    actor, action = Actor.from_interaction(body), body["actions"][0]
    level, decision_id = views.LEVEL_OF_ACTION[action["action_id"]], views.decision_id_from(action.get("value"))
    services, installation_id = services_of(context), context["installation_id"]
    if level is not Level.SUPPORT:
        ack()
        consensus.ask_concern(services, installation_id, decision_id, actor.user_id, level, body["trigger_id"])
        return
    pending = consensus.cast(services, ReceivedVote(installation_id, decision_id, actor.user_id, level, None, delivery_key(body)))
    if not pending.wait(services.vote_ack_wait):
        logger.warning(NOT_STORED, services.vote_ack_wait)
        return
    ack()
    if pending.refusal is not None:
        raise pending.refusal  # the error boundary tells the person why, privately


@listener
def concern_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """The vote with its concern, stored before the form closes; a refusal goes back into the form."""
    services, view = services_of(context), body["view"]
    form = form_or_errors(ack, Block.CONCERN, lambda: consensus.read_concern_form(view, state_values(view)))
    if form is None:
        return
    decision_id, level, concern = form
    user_id = Actor.from_interaction(body).user_id
    pending = consensus.cast(services, ReceivedVote(context["installation_id"], decision_id, user_id, level, concern, delivery_key(body)))
    if not pending.wait(services.vote_ack_wait):
        logger.warning(NOT_STORED, services.vote_ack_wait)
        return
    if pending.refusal is not None:
        refusal = pending.refusal
        ack(response_action="errors", errors={Block.CONCERN: refusal.message if isinstance(refusal, UserError) else STORE_FAILED})
        return
    ack()


@listener
def nudge_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """The creator reminds everyone who has not voted (the scheduler sends the DMs)."""
    ack()
    text, blocks = consensus.nudge(services_of(context), context["installation_id"], views.decision_id_from(body["actions"][0].get("value")),
                                   Actor.from_interaction(body).user_id)
    respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)


@listener
def who_has_not_voted(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """Anyone in the channel sees the full list of who has not voted, privately."""
    ack()
    text, blocks = consensus.not_voted(services_of(context), context["installation_id"], views.decision_id_from(body["actions"][0].get("value")))
    respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)


@listener
def record_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """Open the assumptions form on a decision that reached consensus."""
    ack()
    consensus.open_assumptions(services_of(context), context["installation_id"], views.decision_id_from(body["actions"][0].get("value")),
                               body["trigger_id"])


@listener
def assumptions_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Keep the assumptions and schedule their review at 09:00 in the alliance's zone."""
    services, installation_id, view = services_of(context), context["installation_id"], body["view"]
    on_valid_form(ack, Block.ASSUMPTIONS, lambda: consensus.read_assumptions(services, installation_id, view, state_values(view)),
                  lambda form: consensus.keep_assumptions(services, installation_id, *form))


@listener
def close_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """The creator closes the decision; the outcome is computed from the votes. (`respond`: a refusal is answered
    through the click's response_url, which reaches the person even where the bot is not a channel member.)"""
    ack()
    consensus.close(services_of(context), context["installation_id"], views.decision_id_from(body["actions"][0].get("value")),
                    Actor.from_interaction(body).user_id)


@listener
def revise_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
    """The creator opens the revision form, prefilled with the proposal and the concerns."""
    ack()
    consensus.open_revision(services_of(context), context["installation_id"], views.decision_id_from(body["actions"][0].get("value")),
                            Actor.from_interaction(body).user_id, body["trigger_id"])


@listener
def revision_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
    """Post the next round in the decision's thread (and the channel), linked to the same decision."""
    services, view = services_of(context), body["view"]
    on_valid_form(ack, Block.REVISED_PROPOSAL, lambda: consensus.read_revision(view, state_values(view)),
                  lambda form: consensus.revise(services, context["installation_id"], form[0], Actor.from_interaction(body).user_id, *form[1:]))


def dedupes_itself(body: dict[str, Any]) -> bool:
    """Support clicks and concern forms record their delivery with the vote (bot.usecases.consensus.store_votes)."""
    if body.get("type") == "view_submission":
        view = body.get("view")
        return isinstance(view, dict) and view.get("callback_id") == Callback.VOTE_CONCERN
    actions = body.get("actions") if body.get("type") == "block_actions" else None
    return isinstance(actions, list) and len(actions) == 1 and isinstance(actions[0], dict) and \
        actions[0].get("action_id") == views.VOTE_ACTIONS[Level.SUPPORT]


def register(app: App) -> None:
    """Wire /consensus, its forms and the decision message's buttons."""
    app.command(Command.CONSENSUS)(consensus_command)
    app.view(Callback.START_DECISION)(start_submitted)
    for action_id in views.VOTE_ACTIONS.values():
        app.action(action_id)(vote_clicked)
    app.view(Callback.VOTE_CONCERN)(concern_submitted)
    app.action(Action.NUDGE)(nudge_clicked)
    app.action(Action.WHO_HAS_NOT_VOTED)(who_has_not_voted)
    app.action(Action.RECORD_ASSUMPTIONS)(record_clicked)
    app.view(Callback.RECORD_ASSUMPTIONS)(assumptions_submitted)
    app.action(Action.CLOSE_DECISION)(close_clicked)
    app.action(Action.REVISE)(revise_clicked)
    app.view(Callback.REVISE_PROPOSAL)(revision_submitted)
