"""Consensus decisions: start one, cast votes (in batches, stored before the ack), close, revise, nudge, record
assumptions, and the scheduler's jobs for them (close at the deadline, remind non-voters, review the assumptions)."""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from bot.domain.alliance import partner_of, people
from bot.domain.consensus import (
    ANONYMOUS_FINAL,
    Decision,
    Level,
    Proposal,
    Vote,
    VoteResult,
    check_can_close,
    check_can_nudge,
    check_can_revise,
    check_can_vote,
    check_proposal,
    check_start,
    check_vote,
)
from bot.domain.consensus_times import check_assumptions
from bot.domain.errors import FormErrors, UserError, present
from bot.domain.zones import ZoneClues
from bot.scheduler.consensus import schedule_nudge, schedule_review, schedule_round
from bot.scheduler.delivery import post_once, tell_once
from bot.scheduler.work import Failed, Sent
from bot.services import Services
from bot.slack_edge.group_commit import Pending, Stored
from bot.slack_edge.installation_context import bound_installation
from bot.slack_edge.payloads import CommandCall, ReceivedVote
from bot.usecases import alliances, concerns, escalation, governance_load
from bot.usecases.zones import alliance_zone, zones
from bot.views import consensus as views
from bot.views.ids import Block
from storage.decisions import (
    cast_votes,
    channel_decisions,
    count_reminder,
    create_decision,
    decisions_to_catch_up,
    load_decision,
    record_assumptions,
    set_message,
)
from storage.dedupe import remember_event
from storage.due_work import ClaimedWork
from storage.governance import channel_bodies
from storage.meetings import stated_zones

logger = logging.getLogger(__name__)
GONE = "I cannot find this decision any more."


def command(services: Services, installation_id: int, call: CommandCall) -> views.Message | None:
    """`/consensus <proposal>` posts a decision; `list`, `log` and `help` answer privately; no text opens the form.
    Returns the private answer, or None when there is none (the decision's message is the answer)."""
    word = call.text.strip().lower()
    if word == "":
        open_start_form(services, installation_id, call.channel_id, call.trigger_id)
        return None
    if word == "help":
        return views.help_message()
    if word in ("list", "log"):
        with services.db.read() as session:
            found = channel_decisions(session, installation_id, call.channel_id, open_ones=word == "list")
        return governance_load.listing(services, installation_id, call.channel_id, found, log=word == "log")
    start(services, installation_id, call.channel_id, call.user_id, Proposal(call.text))
    return None


def open_start_form(services: Services, installation_id: int, channel_id: str, trigger_id: str) -> None:
    """The full form for a new decision, with the alliance's bodies to choose from when it has any
    (`bot.usecases.body_decisions` reads it)."""
    with services.db.read() as session:
        bodies = [b.name for b in channel_bodies(session, installation_id, channel_id)]
    services.gateway.open_view(trigger_id, views.start_modal(channel_id, bodies))


def start(services: Services, installation_id: int, channel_id: str, creator_id: str, asked: Proposal) -> None:
    """Post a new decision; the chosen people (or the channel's) decide, each for their partner. A Slack Connect
    channel's first decision sets up its alliance (`alliances.require`); where it cannot, nothing is posted and
    the person is shown how to set it up."""
    now = services.clock.now()
    proposal = check_start(asked, now)
    alliance = alliances.require(services, installation_id, channel_id, creator_id, "so that votes are tallied per partner company", proposal.text)
    if alliance is None:
        return
    body = None
    if proposal.body:
        with services.db.read() as session:
            body = next((b for b in channel_bodies(session, installation_id, channel_id) if b.name == proposal.body), None)
        if body is None:
            raise UserError(f"This alliance has no body called {proposal.body}: `/alliance bodies` lists them.", field="body")
    if body is not None:
        # A body decides by its members, each for the partner they sit for (not the partner their workspace suggests).
        members = people(services.directory.users(installation_id, body.member_ids()))
        deciders = [(m.user_id, body.partner_of(m.user_id)) for m in members]
    else:
        chosen = services.directory.users(installation_id, proposal.deciders) if proposal.deciders else services.directory.members(installation_id, channel_id)
        members = people(chosen)
        deciders = [(m.user_id, (p.name if (p := partner_of(alliance, m)) else None)) for m in members]
    with services.db.write() as session:
        # Each decider's reminders at a sane hour in their zone (bot.domain.zones); the zones they stated are read here,
        # in the transaction that stores the decision, rather than in a trip of their own.
        stated = stated_zones(session, installation_id, [m.user_id for m in members])
        reminded_in = {m.user_id: ZoneClues(m.tz, stated.get(m.user_id), alliance.time_zone).zone for m in members}
        decision_id = create_decision(session, installation_id=installation_id, channel_id=channel_id, creator_id=creator_id,
                                      proposal=proposal, deciders=deciders, partners=[p.name for p in alliance.partners], now=now,
                                      body=body, decision_type=proposal.decision_type)
        created = present(load_decision(session, installation_id, decision_id), GONE)
        schedule_round(session, installation_id, created, reminded_in, now)
    text, blocks = views.decision_message(created, now)
    shown_at(services, installation_id, created, services.gateway.post_message(channel_id, text, blocks))


def cast(services: Services, vote: ReceivedVote) -> Pending[ReceivedVote]:
    """Queue a vote to be stored with the votes around it; its listener waits for it before acking, so a vote Slack
    reported as received survives a crash right after. `refusal` then says why it was not counted."""
    return services.ballots.put(vote, lambda batch: store_votes(services, batch))


def store_votes(services: Services, batch: list[ReceivedVote]) -> Stored:
    """Store a batch of votes in one transaction, closing what they complete; the refresh of each
    decision's message comes after the listeners are woken."""
    refusals: dict[int, UserError] = {}
    touched: set[tuple[int, int]] = set()
    now = services.clock.now()
    with services.db.write() as session:
        fresh = [i for i, v in enumerate(batch) if v.delivery is None or remember_event(session, v.delivery, now)]
        # In id order: two workers storing batches that touch the same decisions lock their rows in
        # the same order instead of deadlocking (PostgreSQL aborted one under the 50-user benchmark).
        for key in sorted({(batch[i].installation_id, batch[i].decision_id) for i in fresh}):
            decision = load_decision(session, *key)
            valid: list[tuple[int, Vote]] = []
            for i in (i for i in fresh if (batch[i].installation_id, batch[i].decision_id) == key):
                try:
                    voter = present(decision, GONE)
                    vote = batch[i]
                    valid.append((i, Vote(vote.user_id, check_can_vote(voter, vote.user_id), vote.level, vote.concern)))
                except UserError as refusal:
                    refusals[i] = refusal
            if decision is None or not valid:
                continue
            results = cast_votes(session, decision, [v for _, v in valid], now)
            refusals.update({i: UserError(ANONYMOUS_FINAL) for (i, _), result in zip(valid, results, strict=True) if result is VoteResult.FINAL})
            touched.add(key)
            if decision.auto_close:  # the stored votes may complete it: read them back
                voted = load_decision(session, *key)
                if voted is not None and voted.closes_itself():
                    concerns.close(session, key[0], voted, now)
                    escalation.after_close(services, key[0], voted, session)

    def refresh_touched() -> None:
        # One drain serves every workspace: bind each refresh to its own (OAuth mode).
        for installation_id, decision_id in touched:
            with bound_installation(installation_id):
                refresh(services, installation_id, decision_id)

    return Stored([refusals.get(i) for i in range(len(batch))], refresh_touched)


def ask_concern(services: Services, installation_id: int, decision_id: int, user_id: str, level: Level, trigger_id: str) -> None:
    """Accept, Won't block and Block first ask for the concern (a block must give one)."""
    decision = find(services, installation_id, decision_id)
    check_can_vote(decision, user_id)
    services.gateway.open_view(trigger_id, views.concern_modal(decision, level))


def read_concern_form(view: dict[str, Any], values: dict[str, Any]) -> tuple[int, Level, str | None]:
    """The concern form's decision, level and concern; a block without a concern is refused."""
    level = views.level_from_metadata(view.get("private_metadata"))
    concern = check_vote(level, values.get(Block.CONCERN))
    return views.decision_id_from(view.get("private_metadata")), level, concern


def close(services: Services, installation_id: int, decision_id: int, user_id: str) -> None:
    """The creator (or a workspace admin) closes the decision; the outcome is computed from the votes."""
    decision = find(services, installation_id, decision_id)
    check_can_close(decision, user_id, is_admin=is_admin(services, installation_id, decision, user_id))
    with services.db.write() as session:
        concerns.close(session, installation_id, decision, services.clock.now())
        escalation.after_close(services, installation_id, decision, session)
    refresh(services, installation_id, decision.id)


def open_revision(services: Services, installation_id: int, decision_id: int, user_id: str, trigger_id: str) -> None:
    """The creator opens the revision form, prefilled with the proposal and the concerns."""
    decision = find(services, installation_id, decision_id)
    check_can_revise(decision, user_id, is_admin=is_admin(services, installation_id, decision, user_id))
    services.gateway.open_view(trigger_id, views.revise_modal(decision))


def read_revision(view: dict[str, Any], values: dict[str, Any]) -> tuple[int, str, tuple[int, ...]]:
    """The revision form's decision, proposal and the open concerns its creator ticked as answered by it."""
    return views.decision_id_from(view.get("private_metadata")), check_proposal(values.get(Block.REVISED_PROPOSAL) or ""), concerns.answered(values)


def revise(services: Services, installation_id: int, decision_id: int, user_id: str, proposal: str, answered: tuple[int, ...] = ()) -> None:
    """Post the next round in the decision's thread (and the channel), linked to the same decision; the concerns it
    answers are marked so in the register."""
    before = find(services, installation_id, decision_id)
    check_can_revise(before, user_id, is_admin=is_admin(services, installation_id, before, user_id))
    reminded_in = zones(services, installation_id, before.channel_id, before.decider_ids)
    now = services.clock.now()
    with services.db.write() as session:
        number = concerns.start_round(session, decision_id, proposal, answered, now)
        after = load_decision(session, installation_id, decision_id) if number else None
        if after is not None:
            schedule_round(session, installation_id, after, reminded_in, now)
    if number is None or after is None:
        raise UserError("This decision has already moved on to another round.")
    text, blocks = views.decision_message(after, now)
    shown_at(services, installation_id, after, services.gateway.post_message(after.channel_id, text, blocks, thread_ts=before.thread_ts,
                                                                          broadcast=True))
    if before.message_ts:
        old_text, old_blocks = views.superseded(views.decision_message(before, now), number)
        services.gateway.update_message(after.channel_id, before.message_ts, old_text, old_blocks)


def nudge(services: Services, installation_id: int, decision_id: int, user_id: str) -> views.Message:
    """The creator reminds everyone who has not voted (the scheduler sends the DMs)."""
    decision = find(services, installation_id, decision_id)
    waiting = check_can_nudge(decision, user_id)
    with services.db.write() as session:
        queued = schedule_nudge(session, installation_id, decision, waiting, services.clock.now())
    return views.nudged_message(len(waiting), queued)


def not_voted(services: Services, installation_id: int, decision_id: int) -> views.Message:
    """Anyone in the channel sees the full list of who has not voted, privately."""
    return views.not_voted_list(find(services, installation_id, decision_id))


def open_assumptions(services: Services, installation_id: int, decision_id: int, trigger_id: str) -> None:
    """Open the assumptions form on a decision that reached consensus."""
    services.gateway.open_view(trigger_id, views.assumptions_modal(find(services, installation_id, decision_id)))


def read_assumptions(services: Services, installation_id: int, view: dict[str, Any],
                     values: dict[str, Any]) -> tuple[int, tuple[str, ...], datetime | None]:
    """The assumptions and their review instant (09:00 in the alliance's zone); `FormErrors` on the field at fault."""
    try:
        decision = find(services, installation_id, views.decision_id_from(view.get("private_metadata")))
    except UserError as problem:
        raise FormErrors({Block.ASSUMPTIONS: problem.message}) from None
    try:
        review_on = date.fromisoformat(values[Block.REVIEW]) if values.get(Block.REVIEW) else None
    except (ValueError, TypeError):
        raise FormErrors({Block.REVIEW: "Pick a date from the calendar."}) from None
    with services.db.read() as session:
        zone = alliance_zone(session, installation_id, decision.channel_id)
    try:
        assumptions, review_at = check_assumptions(decision, values.get(Block.ASSUMPTIONS) or "", review_on, zone, services.clock.now())
    except UserError as problem:
        raise FormErrors({Block.REVIEW if problem.field == "review" else Block.ASSUMPTIONS: problem.message}) from None
    return decision.id, assumptions, review_at


def keep_assumptions(services: Services, installation_id: int, decision_id: int, assumptions: tuple[str, ...],
                     review_at: datetime | None) -> None:
    """Keep the assumptions and schedule their review."""
    with services.db.write() as session:
        record_assumptions(session, decision_id, assumptions, review_at)
        updated = load_decision(session, installation_id, decision_id)
        if updated is not None:
            schedule_review(session, installation_id, updated, services.clock.now())
    refresh(services, installation_id, decision_id)


def shown_at(services: Services, installation_id: int, posted: Decision, ts: str) -> None:
    """Store where the decision's message is. A vote stored between the post and now found no message to refresh
    (issue 15: seen on a loaded machine), so if the decision changed meanwhile the message is refreshed once now."""
    with services.db.write() as session:
        set_message(session, posted.id, ts)
    # Read after the new ts is committed: a vote committed later refreshes by it (`refresh` reads it afresh), an
    # earlier one shows here.
    with services.db.read() as session:
        stored = load_decision(session, installation_id, posted.id)
    if stored is not None and replace(stored, message_ts=posted.message_ts, thread_ts=posted.thread_ts) != posted:
        refresh(services, installation_id, posted.id)


def post_again(services: Services, installation_id: int, channel_id: str) -> int:
    """Post every open decision of the channel anew (its old messages were the previous installation's bot's, which
    no longer takes clicks); how many."""
    with services.db.read() as session:
        found = channel_decisions(session, installation_id, channel_id, open_ones=True)
    now = services.clock.now()
    for decision in found:
        text, blocks = views.decision_message(decision, now)
        shown_at(services, installation_id, decision, services.gateway.post_message(channel_id, text, blocks))
    return len(found)


def is_admin(services: Services, installation_id: int, decision: Decision, user_id: str) -> bool:
    """Whether someone other than the creator is a workspace admin (users.info, cached)."""
    return user_id != decision.creator_id and services.directory.is_admin(installation_id, user_id)


def find(services: Services, installation_id: int, decision_id: int) -> Decision:
    """Load a decision of this installation, or say it is gone."""
    with services.db.read() as session:
        return present(load_decision(session, installation_id, decision_id), GONE)


def refresh(services: Services, installation_id: int, decision_id: int) -> None:
    """Ask for the decision message to show the latest committed state (bursts coalesce). Where the message is, is
    read afresh too, not taken from a caller's copy: a message posted again (after a hand-over) gets a new ts while
    a vote may be being stored against the old one."""
    with services.db.read() as session:
        decision = load_decision(session, installation_id, decision_id)
    if decision is not None and decision.message_ts:
        services.coalescer.request(decision.channel_id, decision.message_ts,
                                   lambda: views.decision_message(find(services, installation_id, decision_id), services.clock.now()))


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


def _current(services: Services, work: ClaimedWork) -> Decision | None:
    """The decision a piece of due work is for, unless a later round or an earlier close made the work moot."""
    with services.db.read() as session:
        decision = load_decision(session, work.installation_id, int(work.payload["decision"]))
    if decision is None or not decision.is_open or decision.round_number != work.payload["round"]:
        return None
    return decision


def close_due(services: Services, work: ClaimedWork) -> Sent:
    """The scheduler's job at the deadline: close with the outcome the votes give, and show it."""
    decision = _current(services, work)
    if decision is None:
        return Sent({"skipped": "already closed or revised"})
    now = services.clock.now()
    with services.db.write() as session:
        concerns.close(session, work.installation_id, decision, now)
        escalation.after_close(services, work.installation_id, decision, session)
        closed = load_decision(session, work.installation_id, decision.id)
    if closed is not None and closed.message_ts:
        text, blocks = views.decision_message(closed, now)
        services.gateway.update_message(closed.channel_id, closed.message_ts, text, blocks)
    return Sent({"outcome": closed.outcome.value if closed and closed.outcome else None})


def remind_due(services: Services, work: ClaimedWork) -> Sent | Failed:
    """The scheduler's job: remind one decider who has not voted yet, privately (at most once).

    Never in public: a reminder in the channel would say who has not voted (an ephemeral is seen by them alone)."""
    decision = _current(services, work)
    user = str(work.payload["user"])
    if decision is None or user in decision.voted_ids:
        return Sent({"skipped": "voted or closed"})
    text, blocks = views.reminder_message(decision)
    told = tell_once(services.gateway, services.db, work, user, decision.channel_id, text, blocks, now=services.clock.now())
    if isinstance(told, Sent):
        with services.db.write() as session:
            count_reminder(session, decision.id)
    return told


def review_due(services: Services, work: ClaimedWork) -> Sent:
    """The scheduler's job on the review day: ask the channel, in the decision's thread, whether its assumptions still hold."""
    with services.db.read() as session:
        decision = load_decision(session, work.installation_id, int(work.payload["decision"]))
    if decision is None or decision.review_at is None or decision.review_at.isoformat() != work.payload["review_at"]:
        return Sent({"skipped": "review date changed"})
    text, blocks = views.review_message(decision)
    return post_once(services.gateway, work, decision.channel_id, text, blocks, thread_ts=decision.thread_ts, broadcast=True,
                     now=services.clock.now())
