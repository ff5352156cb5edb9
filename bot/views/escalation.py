"""Disputes in Slack: each step told in the decision's thread, the reminder to a body's members, and the dispute's path in
`/consensus log`. Every time is a Slack date token, so each reader sees it in their own zone."""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.domain.consensus import Decision, Outcome
from bot.domain.decision_types import type_of
from bot.domain.escalation import Dispute, DisputeStatus, Step, StepKind
from bot.domain.governance import Body, FallbackKind
from bot.views import blocks as bk
from bot.views.ids import Action
from bot.views.metadata import pack

Message = tuple[str, list[dict[str, Any]]]
ICONS = {StepKind.OPENED: ":warning:", StepKind.REMINDED: ":hourglass_flowing_sand:", StepKind.ESCALATED: ":arrow_up:",
         StepKind.SETTLED: ":handshake:", StepKind.DEFAULTED: ":scales:", StepKind.ASKED: ":scales:"}


def _detail(text: str) -> str:
    """A step's detail, escaped (a clause is typed text), with the mention of who cast a deciding vote kept a mention."""
    return re.sub(r"&lt;@([UW][A-Z0-9]{2,20})&gt;", r"<@\1>", bk.escape(text))


def when(moment: datetime, pattern: str = "{date_long_pretty} at {time}") -> str:
    """A date token with a UTC fallback for clients that cannot render it."""
    return bk.date_token(moment.timestamp(), pattern, moment.strftime("%Y-%m-%d %H:%M UTC"))


def _days(days: int | None) -> str:
    return f"{days} business day{'s' if days != 1 else ''}" if days is not None else "its window"


def then_text(body: Body) -> str:
    """What happens when this body's window ends unresolved."""
    if body.escalates_to:
        return f"it goes to the *{bk.escape(body.escalates_to)}*"
    fallback = body.fallback
    clause = f" ({bk.escape(fallback.clause)})" if fallback is not None and fallback.clause else ""
    if fallback is not None and fallback.kind is FallbackKind.PARTY_DECIDES and fallback.party:
        names = ", ".join(kind.label.lower() if (kind := type_of(t)) else t for t in fallback.decision_types)
        types = f" on {bk.escape(names)}" if fallback.decision_types else ""
        return f"the default applies: *{bk.escape(fallback.party)}* has the deciding vote{types}{clause}, else the status quo stands"
    return f"the default applies: the status quo stands{clause}"


def _reason(decision: Decision, step: Step) -> str:
    if decision.round_number != step.round or decision.is_open:  # told late, after the decision moved on
        return f"Round {step.round} ended unresolved"
    verdict = decision.verdict()
    if decision.outcome is Outcome.NO_DECISION:
        missing = f" ({', '.join(bk.escape(p) for p in verdict.awaiting)} not represented)" if verdict.awaiting else ""
        return f"It reached its deadline without a quorum{missing}"
    awaiting = f" ({', '.join(bk.escape(p) for p in verdict.awaiting)} did not vote)" if verdict.awaiting else ""
    return f"Round {step.round} ended without consensus{awaiting}"


def opened_message(decision: Decision, dispute: Dispute, step: Step) -> Message:
    """The channel is told that a body decision became a dispute of its body, and when the body's window ends."""
    body = decision.body
    name = bk.escape(step.body)
    revise = " with a revised proposal (*Revise proposal* on the decision)" if decision.outcome is not Outcome.NO_DECISION else ""
    then = then_text(body) if body is not None else "it is escalated"
    text = (f"{ICONS[StepKind.OPENED]} *Decision {decision.id} is now a dispute of the {name}.* {_reason(decision, step)}. The {name} has until "
            f"{when(dispute.window_ends_at)} ({_days(step.business_days)}, without weekends and either partner's public holidays) "
            f"to resolve it{revise}; unresolved by then, {then}.")
    return f"Decision {decision.id} is now a dispute of the {step.body}", [bk.section(text)]


def kept_message(decision: Decision, dispute: Dispute) -> Message:
    """A revised round failed again: the same window keeps running."""
    text = (f"Round {decision.round_number} did not resolve the dispute either: the *{bk.escape(dispute.body)}*'s window still ends "
            f"{when(dispute.window_ends_at)}.")
    return f"Decision {decision.id}: the {dispute.body}'s window still ends as before", [bk.section(text)]


def reminder_message(decision: Decision, dispute: Dispute, body: Body) -> Message:
    """The business day before a window ends: the body's members, by name, in the decision's thread."""
    text = (f"{ICONS[StepKind.REMINDED]} {bk.mention_list(body.member_ids(), 40)}: the *{bk.escape(body.name)}*'s window on decision "
            f"{decision.id} ends {when(dispute.window_ends_at)}. Unresolved by then, {then_text(body)}.\n"
            f">{bk.escape(bk.clip(decision.proposal, 500))}")
    return f"The {body.name}'s window on decision {decision.id} ends soon", [bk.section(text)]


def escalated_message(decision: Decision, dispute: Dispute, step: Step) -> Message:
    """The next body is asked, in the channel, mentioning its members (the new round to vote on follows it)."""
    body = decision.body
    members = bk.mention_list(body.member_ids(), 40) if body is not None else ""
    came_from = f"the {bk.escape(step.detail)}" if step.detail else "the body below"
    text = (f"{ICONS[StepKind.ESCALATED]} *Decision {decision.id} goes to the {bk.escape(step.body)}*: {came_from} did not resolve it "
            f"within its window. {members}: please decide it by {when(dispute.window_ends_at)} ({_days(step.business_days)}); "
            f"unresolved by then, {then_text(body) if body is not None else 'the default applies'}. Round {step.round} follows, "
            f"on the same proposal.\n>{bk.escape(bk.clip(decision.proposal, 500))}")
    return f"Decision {decision.id} goes to the {step.body}", [bk.section(text)]


def settled_message(decision: Decision, step: Step) -> Message:
    """A round settled the dispute within its body's window."""
    text = (f"{ICONS[StepKind.SETTLED]} *The {bk.escape(step.body)} settled the dispute over decision {decision.id}* in round "
            f"{step.round}, {_days(step.business_days)} after it opened: within its window.")
    return f"The {step.body} settled the dispute over decision {decision.id}", [bk.section(text)]


def defaulted_message(decision: Decision, dispute: Dispute, step: Step) -> Message:
    """The top body's window ended unresolved: the configured default is applied."""
    text = (f"{ICONS[StepKind.DEFAULTED]} *The {bk.escape(step.body)}'s window on decision {decision.id} ended "
            f"{when(dispute.window_ends_at)} unresolved.* The default applies: {_detail(step.detail)}. "
            f"({_days(step.business_days)} since the dispute opened.)")
    return f"Decision {decision.id}: the default applies", [bk.section(text)]


def without_buttons(message: Message, note: str) -> Message:
    """A round's message once the dispute moved on (gone up, or decided by the default): no buttons, and why."""
    text, blocks = message
    return text, [*(b for b in blocks if b.get("type") != "actions"), bk.context(bk.escape(note))][:50]


STEP_TEXT = {StepKind.OPENED: "opened in the {body}", StepKind.REMINDED: "{body} reminded", StepKind.ESCALATED: "escalated to the {body}",
             StepKind.SETTLED: "settled by the {body}", StepKind.DEFAULTED: "{body}'s window ended: default",
             StepKind.ASKED: "{body}'s window ended: the deciding vote asked for"}


def step_line(step: Step) -> str:
    """One step for the log: what, where, when, over how many business days, and its detail."""
    days = f" ({_days(step.business_days)})" if step.business_days is not None else ""
    detail = f": {_detail(bk.clip(step.detail, 300))}" if step.detail and step.kind is StepKind.DEFAULTED else ""
    return f"{STEP_TEXT[step.kind].format(body=bk.escape(step.body))} {when(step.at, '{date_short_pretty}')}{days}{detail}"


def dispute_summary(dispute: Dispute) -> str:
    """The dispute's path and where it stands, for `/consensus log` and `/consensus list`."""
    path = " → ".join(bk.escape(b) for b in dispute.bodies())
    if dispute.status.live:
        state = f"with the {bk.escape(dispute.body)} until {when(dispute.window_ends_at)}"
    elif dispute.status is DisputeStatus.SETTLED:
        state = f"settled by the {bk.escape(dispute.body)}"
    elif dispute.status is DisputeStatus.AWAITING_PARTY:
        state = "waiting for the deciding party's vote"
    else:
        state = "decided by the default"
    steps = " · ".join(step_line(s) for s in dispute.steps)
    return bk.clip(f":scales: *Dispute* {path}: {state}\n{steps}", 1500)


def asked_message(decision: Decision, dispute: Dispute, step: Step, party: str, voters: Sequence[str]) -> Message:
    """The top body's window ended and the party with the deciding vote stated none: its lead (or, without one, its members
    there) is asked to cast it, in the thread; the buttons are for them alone (others are refused)."""
    text = (f"{ICONS[StepKind.ASKED]} *The {bk.escape(step.body)}'s window on decision {decision.id} ended {when(dispute.window_ends_at)} "
            f"unresolved.* {bk.escape(step.detail)}. {bk.mention_list(voters, 10)}: cast {bk.escape(party)}'s deciding vote.\n"
            f">{bk.escape(bk.clip(decision.proposal, 500))}")
    value = pack(decision=decision.id)
    buttons = [bk.button(Action.DECIDING_ADOPT, "Adopt the proposal", value, style="primary"),
               bk.button(Action.DECIDING_KEEP, "Keep the status quo", value)]
    return f"Decision {decision.id}: {party}'s deciding vote is asked for", [bk.section(text), bk.actions("deciding_vote", buttons)]


def deciding_vote_cast(decision: Decision, party: str, adopted: bool, user_id: str) -> Message:
    """The ask, once the deciding vote is cast (it replaces the message with the buttons)."""
    text = (f"{ICONS[StepKind.DEFAULTED]} <@{user_id}> cast {bk.escape(party)}'s deciding vote on decision {decision.id}: "
            + ("the proposal is adopted." if adopted else "the status quo stands."))
    return f"{party}'s deciding vote is cast", [bk.section(text)]
