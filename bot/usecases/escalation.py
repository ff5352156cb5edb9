"""Timed escalation of body decisions (issue 19): a round that ends unresolved opens a dispute in its body, a revised round
settles it within the window, and a window that ends unresolved sends it up the ladder or, at the top, applies the default.

`after_close` is called wherever a body decision closes (`bot.usecases.consensus`: a close, the deadline, the auto-close);
it only writes (the dispute, its steps and their due work) and never calls Slack, so it costs a close nothing it must wait
for. Everything the channel is told goes out as due work (`bot.scheduler.escalation`), posted at most once, and the
windows' ends and reminders are due work too: they survive restarts and run once.
"""
from __future__ import annotations

import logging
from datetime import datetime

from bot.domain.alliance import people
from bot.domain.business_days import Holidays
from bot.domain.consensus import Decision
from bot.domain.errors import UserError
from bot.domain.escalation import (
    RESOLVED,
    Dispute,
    DisputeStatus,
    Move,
    Step,
    StepKind,
    after_round,
    apply_default,
    check_deciding_voter,
    days_between,
    deciding_vote,
    next_body,
    party_position,
    window,
)
from bot.domain.governance import Body, Fallback
from bot.scheduler.consensus import schedule_round
from bot.scheduler.delivery import post_once
from bot.scheduler.escalation import cancel_window, schedule_kept, schedule_notice, schedule_round_message, schedule_window
from bot.scheduler.work import Sent
from bot.services import Services
from bot.usecases import concerns
from bot.usecases.business_calendar import alliance_calendar
from bot.usecases.zones import zones
from bot.views import consensus as decision_views
from bot.views import escalation as views
from storage.db import Session
from storage.decisions import load_decision, set_message
from storage.disputes import (
    add_step,
    await_deciding_vote,
    decide_by_party,
    default_dispute,
    escalate_dispute,
    load_dispute,
    open_dispute,
    round_in_body,
    round_records,
    settle_dispute,
    step_by_id,
)
from storage.due_work import ClaimedWork
from storage.governance import channel_bodies

logger = logging.getLogger(__name__)


def after_close(services: Services, installation_id: int, decision: Decision, session: Session | None = None) -> None:
    """A body decision closed: unresolved, it becomes a dispute of its body (the window starts); in a live dispute, a
    round that resolves it within the window settles it, and one that fails again leaves the window as it is. Given the
    session that closed it, this is stored with the close, so that no crash can keep a close without its dispute."""
    if decision.body is None:
        return
    if session is None:
        with services.db.write() as own:
            _after_close(own, installation_id, decision.id, services.clock.now())
    else:
        _after_close(session, installation_id, decision.id, services.clock.now())


def _after_close(session: Session, installation_id: int, decision_id: int, now: datetime) -> None:
    closed = load_decision(session, installation_id, decision_id)
    if closed is None or closed.is_open or closed.body is None:
        return
    dispute = load_dispute(session, installation_id, closed.id)
    closed_at = closed.closed_at or now
    move = after_round(dispute, closed.body, closed.outcome, closed_at)
    if move is Move.NOTHING:
        return
    zone, holidays = alliance_calendar(session, installation_id, closed.channel_id)
    if move is Move.OPEN:
        opened = window(closed.body, closed_at, zone, holidays)
        dispute_id = open_dispute(session, closed.id, closed.body.name, opened)
        if dispute_id is not None:
            schedule_window(session, installation_id, closed.id, closed.body.name, opened, now)
            _told(session, installation_id, closed.id, dispute_id, Step(StepKind.OPENED, closed.body.name, closed.round_number, closed_at,
                                                                        opened.days), now)
    elif move is Move.SETTLE and dispute is not None and settle_dispute(session, dispute):
        cancel_window(session, installation_id, closed.id, dispute.body)
        took = days_between(dispute.started_at, closed_at, zone, holidays)
        _told(session, installation_id, closed.id, dispute.id, Step(StepKind.SETTLED, dispute.body, closed.round_number, closed_at, took), now)
    elif move is Move.KEEP:
        schedule_kept(session, installation_id, closed.id, closed.round_number, now)


def _told(session: Session, installation_id: int, decision_id: int, dispute_id: int, step: Step, now: datetime) -> None:
    """Record a step and have the channel told about it (once: a step already recorded is not told again)."""
    step_id = add_step(session, dispute_id, step)
    if step_id is not None:
        schedule_notice(session, installation_id, decision_id, step_id, now)


def _live(services: Services, work: ClaimedWork) -> tuple[Decision, Dispute, Body] | None:
    """The decision and its dispute a window's work is for, unless the dispute has ended or moved on since."""
    with services.db.read() as session:
        decision = load_decision(session, work.installation_id, int(work.payload["decision"]))
        dispute = load_dispute(session, work.installation_id, decision.id) if decision is not None else None
    if decision is None or dispute is None or decision.body is None or not dispute.live:
        return None
    if dispute.body != work.payload.get("body") or decision.body.name != dispute.body:
        return None
    if dispute.window_ends_at != datetime.fromisoformat(str(work.payload.get("ends"))):
        return None
    return decision, dispute, decision.body


def remind_due(services: Services, work: ClaimedWork) -> Sent:
    """The scheduler's job the business day before a window ends: the body's members are reminded by name, in the
    decision's thread, and the reminder is kept as a step."""
    found = _live(services, work)
    if found is None:
        return Sent({"skipped": "settled or moved on"})
    decision, dispute, body = found
    now = services.clock.now()
    text, blocks = views.reminder_message(decision, dispute, body)
    sent = post_once(services.gateway, work, decision.channel_id, text, blocks, thread_ts=decision.thread_ts, now=now)
    with services.db.write() as session:
        zone, holidays = alliance_calendar(session, work.installation_id, decision.channel_id)
        add_step(session, dispute.id, Step(StepKind.REMINDED, body.name, decision.round_number, now,
                                           days_between(now, dispute.window_ends_at, zone, holidays)))
    return sent


def window_end_due(services: Services, work: ClaimedWork) -> Sent:
    """The scheduler's job when a body's window ends: a round still open is closed by its votes; resolved, the dispute is
    settled; else it goes to the next body (a new round of the same decision, its members deciding by their own window),
    or at the top the body's fallback is applied and recorded."""
    found = _live(services, work)
    if found is None:
        return Sent({"skipped": "settled or moved on"})
    decision, dispute, body = found
    now, ends = services.clock.now(), dispute.window_ends_at
    with services.db.read() as session:
        bodies = {b.name: b for b in channel_bodies(session, work.installation_id, decision.channel_id)}
    target = next_body(body, bodies, dispute)
    # Who the next body's members are, and their zones for their vote reminders: asked of Slack before the transaction.
    deciders, reminded_in = [], {}
    if target is not None:
        members = people(services.directory.users(work.installation_id, target.member_ids()))
        deciders = [(m.user_id, target.partner_of(m.user_id)) for m in members]
        reminded_in = zones(services, work.installation_id, decision.channel_id, [m.user_id for m in members])
    with services.db.write() as session:
        if decision.is_open:  # closed as at a deadline, its concerns registered
            concerns.close(session, work.installation_id, decision, now)
        closed = load_decision(session, work.installation_id, decision.id)
        if closed is None or closed.is_open:
            return Sent({"skipped": "decision gone"})
        zone, holidays = alliance_calendar(session, work.installation_id, closed.channel_id)
        took = days_between(dispute.started_at, ends, zone, holidays)
        note: str | None = None  # why the closed round's message loses its buttons
        if closed.outcome in RESOLVED:
            moved = "settled"
            if settle_dispute(session, dispute):
                _told(session, work.installation_id, closed.id, dispute.id, Step(StepKind.SETTLED, body.name, closed.round_number, ends, took), now)
        elif target is not None:
            moved = f"escalated to {target.name}"
            note = f":arrow_up: The {body.name}'s window ended: the {target.name} decides it now, in the thread."
            _escalate(session, work.installation_id, closed, dispute, body, target, deciders, reminded_in, zone, holidays, now)
        else:
            rounds = round_records(session, closed.id, dispute.body_since_round())
            party = body.fallback.deciding_party(closed.decision_type or "") if body.fallback is not None else None
            applied = apply_default(body, closed.decision_type, party_position(body, party, rounds) if party else None)
            moved, note = f"defaulted: {applied.resolution.value}", f":scales: The {body.name}'s window ended: {applied.describe()}."
            if applied.awaiting:
                # The agreement gives a party the deciding vote and it stated none: its lead is asked (cast_deciding_vote).
                moved = "awaiting the deciding vote"
                if await_deciding_vote(session, dispute):
                    _told(session, work.installation_id, closed.id, dispute.id,
                          Step(StepKind.ASKED, body.name, closed.round_number, ends, took, applied.describe()), now)
            elif default_dispute(session, dispute, applied.resolution):
                _told(session, work.installation_id, closed.id, dispute.id,
                      Step(StepKind.DEFAULTED, body.name, closed.round_number, ends, took, applied.describe()), now)
    if closed.message_ts:
        # The closed round's message shows its outcome; once the dispute has gone up or been decided, without buttons.
        shown = decision_views.decision_message(closed, now)
        services.gateway.update_message(closed.channel_id, closed.message_ts, *(views.without_buttons(shown, note) if note else shown))
    return Sent({"moved": moved})


def _escalate(session: Session, installation_id: int, closed: Decision, dispute: Dispute, body: Body, target: Body,
              deciders: list[tuple[str, str | None]], reminded_in: dict[str, str], zone: str, holidays: Holidays, now: datetime) -> None:
    """Move the dispute up: the next body's window opens when this one ended, and the decision's next round is its."""
    opened = window(target, dispute.window_ends_at, zone, holidays)
    if not escalate_dispute(session, dispute, target.name, opened):
        return
    number = round_in_body(session, closed.id, target, deciders, opened.ends_at, now)
    after = load_decision(session, installation_id, closed.id)
    if number is None or after is None:
        raise RuntimeError(f"decision {closed.id} could not go to the {target.name}")
    schedule_window(session, installation_id, closed.id, target.name, opened, now)
    _told(session, installation_id, closed.id, dispute.id, Step(StepKind.ESCALATED, target.name, number, dispute.window_ends_at, opened.days,
                                                                body.name), now)
    schedule_round_message(session, installation_id, closed.id, number, now)
    schedule_round(session, installation_id, after, reminded_in, now)


def notice_due(services: Services, work: ClaimedWork) -> Sent:
    """The scheduler's job that tells the decision's thread (and the channel) about a step, posts the round a dispute
    went up with, or says that a failed revision keeps the window."""
    now = services.clock.now()
    with services.db.read() as session:
        decision = load_decision(session, work.installation_id, int(work.payload["decision"]))
        dispute = load_dispute(session, work.installation_id, decision.id) if decision is not None else None
        step = step_by_id(session, work.installation_id, int(work.payload["step"])) if "step" in work.payload else None
    if decision is None or dispute is None:
        return Sent({"skipped": "decision gone"})
    if "round_message" in work.payload:
        return _post_round(services, work, decision, now)
    if "kept_round" in work.payload:
        if not dispute.live:
            return Sent({"skipped": "dispute ended"})
        text, blocks = views.kept_message(decision, dispute)
        return post_once(services.gateway, work, decision.channel_id, text, blocks, thread_ts=decision.thread_ts, now=now)
    if step is None:
        return Sent({"skipped": "step gone"})
    if step.kind is StepKind.OPENED:
        text, blocks = views.opened_message(decision, dispute, step)
    elif step.kind is StepKind.ESCALATED:
        text, blocks = views.escalated_message(decision, dispute, step)
    elif step.kind is StepKind.SETTLED:
        text, blocks = views.settled_message(decision, step)
    elif step.kind is StepKind.ASKED:
        return _ask(services, work, decision, dispute, step, now)
    else:
        text, blocks = views.defaulted_message(decision, dispute, step)
    return post_once(services.gateway, work, decision.channel_id, text, blocks, thread_ts=decision.thread_ts, broadcast=True, now=now)


def _post_round(services: Services, work: ClaimedWork, decision: Decision, now: datetime) -> Sent:
    """Post the round the next body decides, in the decision's thread and the channel, and make it the decision's message."""
    if decision.round_number != work.payload["round_message"] or not decision.is_open:
        return Sent({"skipped": "round moved on"})
    text, blocks = decision_views.decision_message(decision, now)
    sent = post_once(services.gateway, work, decision.channel_id, text, blocks, thread_ts=decision.thread_ts, broadcast=True, now=now)
    ts = str(sent.result.get("ts") or "")
    if ts:
        with services.db.write() as session:
            set_message(session, decision.id, ts)
        # A vote stored before the message was known refreshed nothing: show what is stored now.
        services.coalescer.request(decision.channel_id, ts, lambda: _render(services, work.installation_id, decision.id))
    return sent


def _render(services: Services, installation_id: int, decision_id: int) -> decision_views.Message:
    """The decision's message from committed state (for the coalescer)."""
    with services.db.read() as session:
        found = load_decision(session, installation_id, decision_id)
    if found is None:
        raise UserError("This decision is gone.")
    return decision_views.decision_message(found, services.clock.now())


def _deciding(decision: Decision) -> tuple[Body, str]:
    """The top body and the party whose deciding vote a decision of this type waits for."""
    body = decision.body
    party = body.fallback.deciding_party(decision.decision_type or "") if body is not None and body.fallback is not None else None
    if body is None or party is None:
        raise UserError("No party has the deciding vote on this decision any more.")
    return body, party


def _ask(services: Services, work: ClaimedWork, decision: Decision, dispute: Dispute, step: Step, now: datetime) -> Sent:
    """Ask the deciding party's lead (its members there, without a lead) for its vote, in the thread, once."""
    if dispute.status is not DisputeStatus.AWAITING_PARTY:
        return Sent({"skipped": "deciding vote cast"})
    body, party = _deciding(decision)
    lead = body.lead_of(party)
    voters = [lead] if lead else [m.user_id for m in body.members if m.partner == party]
    text, blocks = views.asked_message(decision, dispute, step, party, voters)
    return post_once(services.gateway, work, decision.channel_id, text, blocks, thread_ts=decision.thread_ts, broadcast=True, now=now)


def cast_deciding_vote(services: Services, installation_id: int, decision_id: int, user_id: str, adopt: bool) -> views.Message:
    """The deciding party's lead adopts the proposal or keeps the status quo after the top window ended: the default is
    recorded with the agreement's clause and who cast it, and told in the thread. Only once; only by that party."""
    now = services.clock.now()
    with services.db.write() as session:
        decision = load_decision(session, installation_id, decision_id)
        dispute = load_dispute(session, installation_id, decision_id) if decision is not None else None
        if decision is None or dispute is None:
            raise UserError("I cannot find this decision any more.")
        if dispute.status is not DisputeStatus.AWAITING_PARTY:
            raise UserError("The deciding vote on this decision is cast already: the thread says how it ended.")
        body, party = _deciding(decision)
        check_deciding_voter(body, party, user_id)
        applied = deciding_vote(body.fallback or Fallback(), party, adopt)
        if not decide_by_party(session, dispute.id, applied.resolution):
            raise UserError("The deciding vote on this decision is cast already: the thread says how it ended.")
        zone, holidays = alliance_calendar(session, installation_id, decision.channel_id)
        took = days_between(dispute.started_at, now, zone, holidays)
        _told(session, installation_id, decision.id, dispute.id,
              Step(StepKind.DEFAULTED, body.name, decision.round_number, now, took, f"{applied.describe()} (cast by <@{user_id}>)"), now)
    return views.deciding_vote_cast(decision, party, adopt, user_id)
