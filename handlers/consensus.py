"""`/consensus`: start a decision, vote with a level (and a concern), close it with an outcome."""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltContext, Respond

from bot.domain.alliance import partner_of, people
from bot.domain.consensus import (
    Decision,
    Level,
    Proposal,
    check_assumptions,
    check_can_close,
    check_can_nudge,
    check_can_revise,
    check_can_vote,
    check_proposal,
    check_start,
    check_vote,
)
from bot.domain.errors import FormErrors, UserError, present
from bot.scheduler.consensus import schedule_nudge, schedule_review, schedule_round
from bot.slack_edge.errors import answer_errors, form_or_errors
from bot.slack_edge.installation_context import bound_installation
from bot.slack_edge.middleware import delivery_key
from bot.slack_edge.payloads import Actor, CommandCall, state_values
from bot.views import consensus as views
from bot.views.ids import Action, Block, Callback, Command
from bot.views.metadata import ChannelRef
from handlers.consensus_votes import NOT_STORED, QueuedVote, VoteQueue
from storage.alliances import get_alliance
from storage.decisions import (
    channel_decisions,
    close_decision,
    create_decision,
    decisions_to_catch_up,
    load_decision,
    record_assumptions,
    set_message,
    start_round,
)

if TYPE_CHECKING:
    from bot.services import Services

logger = logging.getLogger(__name__)


def register(app: App, services: Services) -> None:
    """Attach the /consensus listeners."""
    guard = answer_errors(services)

    @app.command(Command.CONSENSUS)
    @guard
    def consensus_command(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        """`/consensus <proposal>` posts a decision; `list`, `log` and `help` answer privately."""
        ack()
        call = CommandCall.parse(body)
        word = call.text.strip().lower()
        if word in ("list", "log"):
            with services.db.read() as session:
                found = channel_decisions(session, context["installation_id"], call.channel_id, open_ones=word == "list")
            text, blocks = views.decision_list(found) if word == "list" else views.decision_log(found)
        elif word == "help":
            text, blocks = views.help_message()
        elif word == "":
            services.gateway.open_view(call.trigger_id, views.start_modal(call.channel_id))
            return
        else:
            start_decision(services, context["installation_id"], call.channel_id, call.user_id, Proposal(call.text))
            return
        respond(text=text, blocks=blocks, response_type="ephemeral")

    queue = VoteQueue(services, refresh)
    for level, action_id in views.VOTE_ACTIONS.items():
        app.action(action_id)(guard(vote_listener(services, level, queue)))

    @app.view(Callback.VOTE_CONCERN)
    @guard
    def concern_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """The vote with its concern; a block without one goes back into the modal."""
        view = body["view"]

        def read() -> tuple[int, Level, str | None]:
            level = views.level_from_metadata(view.get("private_metadata"))
            concern = check_vote(level, state_values(view).get(Block.CONCERN))
            return views.decision_id_from(view.get("private_metadata")), level, concern

        form = form_or_errors(ack, Block.CONCERN, read)
        if form is None:
            return
        try:
            actor = Actor.from_interaction(body)
        except Exception:
            ack()  # a submission that cannot be read is answered, not left to time out
            raise
        # Stored before the form closes: a vote the person saw accepted survives a crash right after.
        vote = QueuedVote(context["installation_id"], form[0], actor, form[1], form[2], body, None, in_form=True,
                          delivery=delivery_key(body))
        if not queue.put(vote).wait(services.vote_ack_wait):
            logger.warning(NOT_STORED, services.vote_ack_wait)
            return
        if vote.refusal:
            ack(response_action="errors", errors={Block.CONCERN: vote.refusal[0].message})
            return
        ack()

    register_revisions(app, services)

    @app.action(Action.NUDGE)
    @guard
    def nudge_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        """The creator reminds everyone who has not voted (the scheduler sends the DMs)."""
        ack()
        installation_id = context["installation_id"]
        decision = find(services, installation_id, views.decision_id_from(body["actions"][0].get("value")))
        waiting = check_can_nudge(decision, Actor.from_interaction(body).user_id)
        with services.db.write() as session:
            queued = schedule_nudge(session, installation_id, decision, waiting, services.clock.now())
        text, blocks = views.nudged_message(len(waiting), queued)
        respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)

    @app.action(Action.WHO_HAS_NOT_VOTED)
    @guard
    def who_has_not_voted(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        """Anyone in the channel sees the full list of who has not voted, privately."""
        ack()
        decision = find(services, context["installation_id"], views.decision_id_from(body["actions"][0].get("value")))
        text, blocks = views.not_voted_list(decision)
        respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)

    @app.action(Action.RECORD_ASSUMPTIONS)
    @guard
    def record_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """Open the assumptions form on a decision that reached consensus."""
        ack()
        decision = find(services, context["installation_id"], views.decision_id_from(body["actions"][0].get("value")))
        services.gateway.open_view(body["trigger_id"], views.assumptions_modal(decision))

    @app.view(Callback.RECORD_ASSUMPTIONS)
    @guard
    def assumptions_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """Keep the assumptions and schedule their review at 09:00 in the alliance's zone."""
        installation_id, view = context["installation_id"], body["view"]
        values = state_values(view)
        decision_id = form_or_errors(ack, Block.ASSUMPTIONS, lambda: views.decision_id_from(view.get("private_metadata")))
        if decision_id is None:
            return
        decision = find(services, installation_id, decision_id)
        with services.db.read() as session:
            alliance = get_alliance(session, installation_id, decision.channel_id)
        try:
            review_on = date.fromisoformat(values[Block.REVIEW]) if values.get(Block.REVIEW) else None
        except (ValueError, TypeError):
            ack(response_action="errors", errors={Block.REVIEW: "Pick a date from the calendar."})
            return
        try:
            assumptions, review_at = check_assumptions(decision, values.get(Block.ASSUMPTIONS) or "", review_on,
                                                       alliance.time_zone if alliance else "UTC", services.clock.now())
        except UserError as problem:
            ack(response_action="errors", errors={Block.REVIEW if problem.field == "review" else Block.ASSUMPTIONS: problem.message})
            return
        ack()
        with services.db.write() as session:
            record_assumptions(session, decision_id, assumptions, review_at)
            updated = load_decision(session, installation_id, decision_id)
            if updated is not None:
                schedule_review(session, installation_id, updated, services.clock.now())
        refresh(services, installation_id, decision_id)

    @app.view(Callback.START_DECISION)
    @guard
    def start_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """The full form: field errors go back into it, a valid one posts the decision."""
        view, values = body["view"], state_values(body["view"])
        deadline = values.get(Block.DEADLINE)
        try:
            asked = Proposal(values.get(Block.PROPOSAL) or "", values.get(Block.BACKGROUND), values.get(Block.PREREAD),
                             datetime.fromtimestamp(int(deadline), timezone.utc) if deadline else None,
                             "auto_close" in (values.get(Block.AUTO_CLOSE) or []), tuple(values.get(Block.DECIDERS) or ()),
                             anonymous=values.get(Block.VOTING) == "anonymous")
        except (ValueError, TypeError, OverflowError, OSError):
            ack(response_action="errors", errors={Block.DEADLINE: "Pick a date and time from the picker."})
            return
        try:
            channel_id = ChannelRef.decode(view.get("private_metadata")).channel_id
            proposal = check_start(asked, services.clock.now())
        except FormErrors as errors:
            ack(response_action="errors", errors=errors.errors)
            return
        except UserError as problem:
            ack(response_action="errors", errors={Block.PROPOSAL: problem.message})
            return
        ack()
        start_decision(services, context["installation_id"], channel_id, Actor.from_interaction(body).user_id, proposal)

    @app.action(Action.CLOSE_DECISION)
    @guard
    def close_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """The creator closes the decision; the outcome is computed from the votes."""
        ack()
        actor = Actor.from_interaction(body)
        decision = find(services, context["installation_id"], views.decision_id_from(body["actions"][0].get("value")))
        check_can_close(decision, actor.user_id, is_admin=is_admin(services, context["installation_id"], decision, actor.user_id))
        with services.db.write() as session:
            close_decision(session, decision.id, decision.closing_verdict().outcome, services.clock.now())
        refresh(services, context["installation_id"], decision.id)


def register_revisions(app: App, services: Services) -> None:
    """Attach the listeners that take a decision into its next round."""
    guard = answer_errors(services)

    @app.action(Action.REVISE)
    @guard
    def revise_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """The creator opens the revision form, prefilled with the proposal and the concerns."""
        ack()
        decision = find(services, context["installation_id"], views.decision_id_from(body["actions"][0].get("value")))
        user_id = Actor.from_interaction(body).user_id
        check_can_revise(decision, user_id, is_admin=is_admin(services, context["installation_id"], decision, user_id))
        services.gateway.open_view(body["trigger_id"], views.revise_modal(decision))

    @app.view(Callback.REVISE_PROPOSAL)
    @guard
    def revision_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """Post the next round in the decision's thread (and the channel), linked to the same decision."""
        view = body["view"]
        form = form_or_errors(ack, Block.REVISED_PROPOSAL, lambda: (
            views.decision_id_from(view.get("private_metadata")), check_proposal(state_values(view).get(Block.REVISED_PROPOSAL) or "")))
        if form is None:
            return
        decision_id, proposal = form
        ack()
        installation_id = context["installation_id"]
        before = find(services, installation_id, decision_id)
        user_id = Actor.from_interaction(body).user_id
        check_can_revise(before, user_id, is_admin=is_admin(services, installation_id, before, user_id))
        zones = {m.user_id: m.tz for m in services.directory.users(installation_id, before.decider_ids)}
        with services.db.write() as session:
            number = start_round(session, decision_id, proposal, services.clock.now())
            reopened = load_decision(session, installation_id, decision_id) if number else None
            if reopened is not None:
                schedule_round(session, installation_id, reopened, zones, services.clock.now())
        if number is None:
            raise UserError("This decision has already moved on to another round.")
        after = find(services, installation_id, decision_id)
        text, blocks = views.decision_message(after, services.clock.now())
        ts = services.gateway.post_message(after.channel_id, text, blocks, thread_ts=before.thread_ts, broadcast=True)
        with services.db.write() as session:
            set_message(session, decision_id, ts)
        if before.message_ts:
            old_text, old_blocks = views.superseded(views.decision_message(before, services.clock.now()), number)
            services.gateway.update_message(after.channel_id, before.message_ts, old_text, old_blocks)


def is_admin(services: Services, installation_id: int, decision: Decision, user_id: str) -> bool:
    """Whether someone other than the creator is a workspace admin (users.info, cached)."""
    return user_id != decision.creator_id and services.directory.is_admin(installation_id, user_id)


def vote_listener(services: Services, level: Level, queue: VoteQueue) -> Any:
    """A listener for one level's button: Support is stored (in a batch with the clicks around it)
    before the ack, so a vote Slack reported as received survives a crash right after; the other
    levels first ask for the concern."""

    def on_click(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        try:
            actor = Actor.from_interaction(body)
            decision_id = views.decision_id_from(body["actions"][0].get("value"))
        except Exception:
            ack()  # a click that cannot be read is answered, not left to time out
            raise
        if level is Level.SUPPORT:
            vote = QueuedVote(context["installation_id"], decision_id, actor, level, None, body, respond, delivery=delivery_key(body))
            if queue.put(vote).wait(services.vote_ack_wait):
                ack()
            else:
                logger.warning(NOT_STORED, services.vote_ack_wait)
            return
        try:
            decision = find(services, context["installation_id"], decision_id)
            check_can_vote(decision, actor.user_id)
        finally:
            ack()
        services.gateway.open_view(body["trigger_id"], views.concern_modal(decision, level))

    return on_click


def dedupes_itself(body: dict[str, Any]) -> bool:
    """Support clicks and concern forms record their delivery with the vote (consensus_votes.py)."""
    if body.get("type") == "view_submission":
        return bool(_get(body, "view", "callback_id") == Callback.VOTE_CONCERN)
    actions = body.get("actions") if body.get("type") == "block_actions" else None
    return isinstance(actions, list) and len(actions) == 1 and isinstance(actions[0], dict) and \
        actions[0].get("action_id") == views.VOTE_ACTIONS[Level.SUPPORT]


def _get(body: dict[str, Any], *path: str) -> Any:
    for part in path:
        body = body.get(part) if isinstance(body, dict) else None  # type: ignore[assignment]
    return body


def find(services: Services, installation_id: int, decision_id: int) -> Decision:
    """Load a decision of this installation, or say it is gone."""
    with services.db.read() as session:
        return present(load_decision(session, installation_id, decision_id), "I cannot find this decision any more.")


def start_decision(services: Services, installation_id: int, channel_id: str, creator_id: str, asked: Proposal) -> None:
    """Post a new decision; the chosen people (or the channel's) decide, each for their partner."""
    proposal = check_start(asked, services.clock.now())
    with services.db.read() as session:
        alliance = get_alliance(session, installation_id, channel_id)
    if alliance is None:
        raise UserError("Set up this channel's alliance first with `/alliance setup`, so that votes are tallied per partner company.")
    chosen = services.directory.users(installation_id, proposal.deciders) if proposal.deciders else services.directory.members(installation_id, channel_id)
    members = people(chosen)
    deciders = [(m.user_id, (p.name if (p := partner_of(alliance, m)) else None)) for m in members]
    now = services.clock.now()
    with services.db.write() as session:
        decision_id = create_decision(session, installation_id=installation_id, channel_id=channel_id, creator_id=creator_id,
                                      proposal=proposal, deciders=deciders, partners=[p.name for p in alliance.partners], now=now)
        created = load_decision(session, installation_id, decision_id)
        if created is not None:
            schedule_round(session, installation_id, created, {m.user_id: m.tz for m in members}, now)
    decision = find(services, installation_id, decision_id)
    text, blocks = views.decision_message(decision, services.clock.now())
    ts = services.gateway.post_message(channel_id, text, blocks)
    with services.db.write() as session:
        set_message(session, decision_id, ts)


def catch_up_messages(services: Services) -> int:
    """At start-up: have every decision message show what is stored. A vote committed just before
    the process died (and acknowledged) may not have reached the message; without this it would
    show the old tally until somebody clicked again. Updates are coalesced and rate-limited as usual."""
    with services.db.read() as session:
        found = decisions_to_catch_up(session, services.clock.now() - timedelta(days=1))
    for installation_id, decision_id in found:
        with bound_installation(installation_id):
            refresh(services, installation_id, decision_id)
    return len(found)


def refresh(services: Services, installation_id: int, decision_id: int, known: Decision | None = None) -> None:
    """Ask for the decision message to show the latest committed state (bursts coalesce). `known`:
    the decision as the caller loaded it, for where its message is (the render reads it afresh)."""
    decision = known if known is not None else find(services, installation_id, decision_id)
    if decision.message_ts:
        services.coalescer.request(decision.channel_id, decision.message_ts,
                                   lambda: views.decision_message(find(services, installation_id, decision_id), services.clock.now()))
