"""The decision message (proposal, per-partner tally, buttons) and the concern modal."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from bot.domain.consensus import LABELS, Decision, Level, Outcome, PartnerTally, concerns_raised, elapsed
from bot.domain.decision_types import DecisionType
from bot.domain.disclosure import MIN_ANONYMOUS_GROUP, sealed_now, shown_now
from bot.domain.errors import UserError
from bot.views import blocks as bk
from bot.views import body_decisions as body_views
from bot.views import concerns as concern_views
from bot.views.home import HomeSection
from bot.views.ids import Action, Block, Callback, Command
from bot.views.metadata import ChannelRef, pack, unpack

Message = tuple[str, list[dict[str, Any]]]
VOTE_ACTIONS = {Level.SUPPORT: Action.VOTE_SUPPORT, Level.ACCEPT: Action.VOTE_ACCEPT,
                Level.WONT_BLOCK: Action.VOTE_WONT_BLOCK, Level.BLOCK: Action.VOTE_BLOCK}
LEVEL_OF_ACTION = {action.value: level for level, action in VOTE_ACTIONS.items()}
OUTCOME_TEXT = {
    Outcome.FULL: ":white_check_mark: *Full consensus*: every decider supports it.",
    Outcome.QUALIFIED: ":ballot_box_with_check: *Qualified consensus*: agreed, with concerns to monitor.",
    Outcome.NO_CONSENSUS: ":no_entry: *No consensus*",
    Outcome.NO_DECISION: ":zzz: *No decision — the status quo stands*: nobody voted.",
}
HELP = (f"*{Command.CONSENSUS}* decides by consensus between the partner companies.\n"
        f"• `{Command.CONSENSUS}` — a form with background, pre-read, who decides and a deadline\n"
        f"• `{Command.CONSENSUS} <proposal>` — post a proposal at once; the channel's members decide, and the tally is shown per partner\n"
        f"• `{Command.CONSENSUS} list` — open decisions in this channel; `{Command.CONSENSUS} log` — decided ones\n"
        "• Vote *Support*, *Accept* (can live with it), *Won't block*, or *Block*; a block must say which interest is not addressed\n"
        f"• `{Command.CONSENSUS} help` — this help")


def help_message() -> Message:
    """How /consensus works."""
    return "How to use /consensus", [bk.section(HELP)]


def button_value(decision_id: int) -> str:
    """What a decision's buttons carry: a versioned reference to the decision."""
    return pack(decision=decision_id)


def decision_id_from(value: str | None) -> int:
    """Read a button value or modal metadata back; stale ones are a user-facing error."""
    return int(unpack(value, "This button is out of date. Ask for a fresh decision message.", decision=int)["decision"])


def _counts(tally: PartnerTally) -> str:
    return " · ".join(f"{LABELS[level]} {tally.count(level)}" for level in Level)


# The decision message names at most this many of those who have not voted; the rest are counted
# per partner, so that the message (which Slack puts into every click's payload) does not grow
# with the number of deciders.
NAMES_SHOWN = 10
MENTIONS_PER_SECTION = 150


def decision_message(decision: Decision, now: datetime) -> Message:
    """The decision as everyone in the channel sees it, updated in place as votes come in (in a one-vote-per-party body,
    the parties' votes: members' own positions are never in it)."""
    decision = decision.shared()
    tally, verdict = decision.tally(), decision.verdict()
    title = f"Decision {decision.id} · round {decision.round_number}"
    started = decision.rounds[-1].started_at
    out: list[dict[str, Any]] = [
        bk.header(title),
        bk.section(bk.escape(decision.proposal)),
        bk.context(f"Started by <@{decision.creator_id}> · {body_views.header_line(decision)}"),
    ]
    if decision.background or decision.preread_url:
        extra = [f"*Background:* {bk.escape(bk.clip(decision.background, 1500))}" if decision.background else "",
                 f"*Pre-read:* <{decision.preread_url}|{bk.escape(bk.clip(decision.preread_url, 80))}>" if decision.preread_url else ""]
        out.append(bk.context(*[e for e in extra if e]))
    if decision.deadline and decision.is_open:
        out.append(bk.context(f":alarm_clock: Closes {bk.date_token(decision.deadline.timestamp(), fallback=decision.deadline.strftime('%Y-%m-%d %H:%M UTC'))}"
                              + (" or when everyone has voted" if decision.auto_close else "")))
    if decision.round_number > 1:
        # The cost of each round, in time, is visible to everyone.
        out.append(bk.context(f":repeat: Round {decision.round_number} since "
                              f"{bk.date_token(started.timestamp(), fallback=started.strftime('%Y-%m-%d %H:%M UTC'))}"
                              f" · {bk.duration(elapsed(decision.rounds, now).total_seconds())} since round 1 began"))
    out.extend(concern_views.carried_blocks(decision))  # the earlier rounds' concerns it answers and those still open
    out.append(bk.section(body_views.party_text(decision) if decision.by_party else _tally_text(decision)))
    if decision.is_open:
        out.append(bk.context(body_views.how_to_vote(decision) if decision.by_party else f"Not voted yet: {_waiting(decision)}"))
        if verdict.outcome is Outcome.NO_CONSENSUS and not sealed_now(decision):
            out.append(bk.section(":no_entry: Blocked: " + "; ".join(bk.escape(c) for c in verdict.blocking_concerns)[:2800]))
        buttons = [{"type": "button", "action_id": VOTE_ACTIONS[level], "text": bk.plain(LABELS[level], 75), "value": button_value(decision.id),
                    **({"style": "primary"} if level is Level.SUPPORT else {"style": "danger"} if level is Level.BLOCK else {})}
                   for level in Level]
        if decision.by_party:
            buttons += body_views.party_buttons(decision)
        if not decision.anonymous and len(tally.not_voted) > NAMES_SHOWN:
            buttons.append({"type": "button", "action_id": Action.WHO_HAS_NOT_VOTED, "text": bk.plain("Who hasn't voted?", 75),
                            "value": button_value(decision.id)})
        buttons.append({"type": "button", "action_id": Action.NUDGE, "text": bk.plain("Remind non-voters", 75), "value": button_value(decision.id)})
        buttons.append({"type": "button", "action_id": Action.CLOSE_DECISION, "text": bk.plain("Close decision", 75), "value": button_value(decision.id)})
        out.append({"type": "actions", "block_id": Block.DECISION_ACTIONS, "elements": buttons})
    else:
        out.append(bk.section(_outcome_text(decision)))
        if decision.ended_by_default:
            out.append(bk.context(":scales: Its dispute ended in the top body's default (in the thread): decided."))
        elif decision.revisable:
            out.append({"type": "actions", "block_id": Block.DECISION_ACTIONS, "elements": [
                {"type": "button", "action_id": Action.REVISE, "text": bk.plain("Revise proposal", 75), "value": button_value(decision.id),
                 "style": "primary"}]})
        elif decision.outcome in (Outcome.FULL, Outcome.QUALIFIED):
            out.extend(_assumptions_blocks(decision))
    return f"{title}: {decision.proposal[:200]}", out


def _waiting(decision: Decision) -> str:
    """Who has not voted, in a line whose length does not grow with the team: up to NAMES_SHOWN
    mentions, then how many more per partner (the full list is a click away). Anonymous decisions
    show only counts, as the tally does."""
    not_voted = decision.tally().not_voted
    if not not_voted:
        return "everyone has voted"
    if decision.anonymous:
        return f"{len(not_voted)} of {len(decision.decider_ids)}"
    shown = " ".join(f"<@{user}>" for user in not_voted[:NAMES_SHOWN])
    if len(not_voted) <= NAMES_SHOWN:
        return shown
    rest: dict[str | None, int] = {}
    for user in not_voted[NAMES_SHOWN:]:
        partner = decision.partner_of(user)
        rest[partner] = rest.get(partner, 0) + 1
    per_partner = ", ".join(f"{bk.escape(partner) if partner else 'not mapped'} {count}" for partner, count in rest.items())
    return f"{shown} and {len(not_voted) - NAMES_SHOWN} more ({per_partner})"


def not_voted_list(decision: Decision) -> Message:
    """The full list of who has not voted, by partner, for the person who asked (ephemeral)."""
    if decision.anonymous:
        text = "This decision is anonymous: only how many of each partner have voted is shown."
        return text, [bk.section(text)]
    groups = decision.not_voted_by_partner()
    if not groups:
        text = "Everyone has voted."
        return text, [bk.section(text)]
    total = sum(len(users) for _, users in groups)
    blocks: list[dict[str, Any]] = [bk.section(f"*Not voted yet in round {decision.round_number}* ({total} of {len(decision.decider_ids)}):")]
    for partner, users in groups:
        heading = f"*{bk.escape(partner) if partner else 'Not mapped to a partner'}* ({len(users)})"
        # Sections hold 3000 characters: about 150 mentions each; a message holds 50 blocks.
        for start in range(0, len(users), MENTIONS_PER_SECTION):
            part = " ".join(f"<@{user}>" for user in users[start:start + MENTIONS_PER_SECTION])
            blocks.append(bk.section(f"{heading}\n{part}" if start == 0 else part))
    if len(blocks) > 50:
        blocks = [*blocks[:49], bk.context("The list goes on; remind them all with *Remind non-voters*.")]
    return f"{total} people have not voted yet.", blocks


def _tally_text(decision: Decision) -> str:
    """Counts per partner; in anonymous mode only what cannot single out a vote (see bot.domain.consensus.disclosure)."""
    tally, shown = decision.tally(), shown_now(decision)
    lines = []
    if decision.anonymous:
        lines.append(":lock: *Anonymous voting*: no one, not even the log or an export, can tell who voted what. Votes are final.")
    for group in tally.by_partner:
        name = bk.escape(group.partner) if group.partner else "Not mapped to a partner"
        deciders = sum(1 for _, p in decision.deciders if p == group.partner)
        lines.append(f"*{name}* ({group.total}/{deciders} voted)" + (f": {_counts(group)}" if shown.by_partner else ""))
    if sealed_now(decision):
        lines.append("_The counts per level are shown when the decision closes, so no one can match a vote to the moment someone clicked._")
    elif decision.anonymous:
        if shown.levels:
            lines.append(f"*All partners*: {_counts(tally.overall)}")
        else:
            lines.append(f"_Counts per level are not shown: fewer than {MIN_ANONYMOUS_GROUP} votes would reveal single votes._")
        if shown.levels and not shown.by_partner:
            lines.append(f"_Counts per partner are not shown: a partner with fewer than {MIN_ANONYMOUS_GROUP} votes would reveal single votes._")
    return "\n".join(lines) or "No votes yet."


def superseded(message: Message, next_round: int) -> Message:
    """A closed round's message once a revised proposal went to the next round (buttons removed)."""
    text, blocks = message
    kept = [b for b in blocks if b.get("type") != "actions"]
    return text, [*kept, bk.context(f":arrow_right: Revised: round {next_round} is in the thread.")]


def revise_modal(decision: Decision) -> dict[str, Any]:
    """The creator's revision, prefilled with the proposal and the concerns it must answer (a party's, in a body)."""
    decision = decision.shared()
    concerns = "\n".join(f"• {bk.escape(c)}" for c in concerns_raised(decision)) or "No concerns were written down."
    blocks = [bk.section(f"*Concerns raised in round {decision.round_number}:*\n{concerns}"[:3000]),
              bk.text_input(Block.REVISED_PROPOSAL, Action.REVISED_PROPOSAL, "Revised proposal", initial=decision.proposal[:2500],
                            multiline=True, max_length=2500), *concern_views.answer_inputs(decision)]
    return bk.modal(Callback.REVISE_PROPOSAL, "Revise proposal", blocks, submit=f"Start round {decision.round_number + 1}",
                    private_metadata=button_value(decision.id))


def _outcome_text(decision: Decision) -> str:
    verdict = decision.verdict()
    text = OUTCOME_TEXT.get(verdict.outcome, "Closed.")
    if verdict.awaiting:
        text += " Awaiting " + ", ".join(bk.escape(p) for p in verdict.awaiting) + "."
    if verdict.blocking_concerns:
        text += "\nBlocked because: " + "; ".join(bk.escape(c) for c in verdict.blocking_concerns)
    if verdict.assumptions:
        text += "\n*Assumptions to monitor:*\n" + "\n".join(f"• {bk.escape(a)}" for a in verdict.assumptions)
    return text[:3000]


def concern_modal(decision: Decision, level: Level) -> dict[str, Any]:
    """Asks for the concern behind an Accept, Won't block or Block."""
    required = level is Level.BLOCK
    label = "Which interest of yours is not addressed?" if required else "Your concern (optional)"
    blocks = [bk.section(f"*{LABELS[level]}* on: {bk.escape(decision.proposal[:500])}"),
              bk.text_input(Block.CONCERN, Action.CONCERN, label, optional=not required, multiline=True, max_length=2000)]
    metadata = pack(decision=decision.id, level=level.value)
    return bk.modal(Callback.VOTE_CONCERN, LABELS[level], blocks, submit="Vote", private_metadata=metadata)


def level_from_metadata(raw: str | None) -> Level:
    """The level a concern modal was opened for."""
    stale = "This form is out of date. Vote again from the decision message."
    try:
        return Level(unpack(raw, stale, level=str)["level"])
    except ValueError as error:  # a level this release does not know
        raise UserError(stale) from error


def decision_list(decisions: list[Decision], notes: Mapping[int, str] | None = None) -> Message:
    """The channel's open decisions, with how far each has got (`notes`: a line more per decision, e.g. its dispute)."""
    decisions = [d.shared() for d in decisions]
    if not decisions:
        return "No open decisions", [bk.section(f"No open decisions in this channel. Start one with `{Command.CONSENSUS} <proposal>`.")]
    out: list[dict[str, Any]] = [bk.header(f"Open decisions ({len(decisions)})")]
    for decision in decisions[:45]:
        tally = decision.tally()
        out.append(bk.section(f"*{decision.id}.* {bk.escape(bk.clip(decision.proposal, 300))}\n"
                              f"Round {decision.round_number} · {tally.overall.total}/{len(decision.decider_ids)} voted · started by <@{decision.creator_id}>"
                              + (f"\n{notes[decision.id]}" if notes and decision.id in notes else "")))
    return f"{len(decisions)} open decisions", out


def decision_log(decisions: list[Decision], notes: Mapping[int, str] | None = None, summary: str | None = None) -> Message:
    """Decided decisions: outcome, rounds and how long each took (`notes`: a line more per decision, e.g. its path and
    dispute; `summary`: the alliance's governance load, under the header)."""
    if not decisions:
        return "No decisions yet", [bk.section("No decision has been closed in this channel yet.")]
    out: list[dict[str, Any]] = [bk.header("Decision log"), *([bk.context(summary)] if summary else [])]
    for decision in (d.shared() for d in decisions[:45]):
        verdict = decision.verdict()
        first, last = decision.rounds[0], decision.rounds[-1]
        ended = last.ended_at or last.started_at
        took = bk.duration((ended - first.started_at).total_seconds())
        label = {Outcome.FULL: "Full consensus", Outcome.QUALIFIED: "Qualified consensus", Outcome.NO_CONSENSUS: "No consensus",
                 Outcome.NO_DECISION: "No decision — status quo"}.get(verdict.outcome, "Closed")
        out.append(bk.section(f"*{decision.id}.* {bk.escape(bk.clip(decision.proposal, 300))}\n*{label}* · "
                              f"{decision.round_number} round{'s' if decision.round_number != 1 else ''} · took {took} · decided "
                              f"{bk.date_token(ended.timestamp(), '{date_short_pretty}', ended.strftime('%Y-%m-%d'))}"
                              + (f"\nGovernance load: {_load_text(decision)}" if decision.load else "")
                              + (f"\n{notes[decision.id]}" if notes and decision.id in notes else "")))
    return "Decision log", out


def _load_text(decision: Decision) -> str:
    """How many interactions the decision took, and of which kind."""
    load = decision.load
    if load is None:
        return ""
    parts = [f"{load.votes} votes", f"{load.vote_changes} changes", f"{load.concerns} concerns", f"{load.revisions} revisions",
             f"{load.reminders} reminders"]
    return f"*{load.total} interactions* ({', '.join(parts)})"


def reminder_message(decision: Decision) -> Message:
    """A private nudge to a decider who has not voted yet."""
    when = bk.date_token(decision.deadline.timestamp(), fallback=decision.deadline.strftime("%Y-%m-%d %H:%M UTC")) if decision.deadline else "soon"
    text = (f":ballot_box_with_ballot: Your vote is still missing on decision {decision.id} in <#{decision.channel_id}>, "
            f"which closes {when}:\n>{bk.escape(bk.clip(decision.proposal, 500))}")
    return f"Your vote is missing on decision {decision.id}", [bk.section(text)]


VOTING_OPTIONS = [bk.option("Named: everyone sees who voted what", "named"),
                  bk.option("Anonymous: only counts are shown; votes are final", "anonymous")]


def start_modal(channel_id: str, bodies: Sequence[str] = (), kind: DecisionType | None = None, body: str | None = None,
                deadline: datetime | None = None) -> dict[str, Any]:
    """The full form for a new decision (`/consensus` with no text); with the alliance's bodies, a decision type and the
    body that decides (a type fills in its usual body, its deadline and the facts it must state)."""
    deadline_element: dict[str, Any] = {"type": "datetimepicker", "action_id": Action.DEADLINE}
    if deadline is not None:
        deadline_element["initial_date_time"] = int(deadline.timestamp())
    blocks = [
        *body_views.start_blocks(bodies, kind, body),
        bk.text_input(Block.PROPOSAL, Action.PROPOSAL, "Proposal", multiline=True, max_length=2500,
                      placeholder="What is being decided, in one or two sentences"),
        bk.text_input(Block.BACKGROUND, Action.BACKGROUND, "Background or the question being decided", multiline=True, optional=True,
                      max_length=2000),
        bk.text_input(Block.PREREAD, Action.PREREAD, "Pre-read link", optional=True, max_length=2000, placeholder="https://…"),
        bk.users_input(Block.DECIDERS, Action.DECIDERS, "Who decides (leave empty for the channel's members)" if not bodies
                       else "Who decides, if no body does (leave empty for the channel's members)"),
        {"type": "input", "block_id": Block.DEADLINE, "optional": True, "label": bk.plain("Deadline (in your own time zone)"),
         "element": deadline_element},
        {"type": "input", "block_id": Block.AUTO_CLOSE, "optional": True, "label": bk.plain("Closing"),
         "element": {"type": "checkboxes", "action_id": Action.AUTO_CLOSE,
                     "options": [bk.option("Close as soon as every decider has voted", "auto_close")]}},
        {"type": "input", "block_id": Block.VOTING, "optional": True, "label": bk.plain("Voting"),
         "element": {"type": "radio_buttons", "action_id": Action.VOTING, "initial_option": VOTING_OPTIONS[0],
                     "options": VOTING_OPTIONS}},
    ]
    return bk.modal(Callback.START_DECISION, "New decision", blocks, submit="Post", private_metadata=ChannelRef(channel_id).encode())


def _assumptions_blocks(decision: Decision) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if decision.assumptions:
        review = (f"Review {bk.date_token(decision.review_at.timestamp(), '{date_long_pretty}', decision.review_at.strftime('%Y-%m-%d'))}"
                  if decision.review_at else "No review date")
        listed = "\n".join(f"• {bk.escape(a)}" for a in decision.assumptions)
        out.append(bk.section(f"*Recorded assumptions to monitor* ({review}):\n{listed}"[:3000]))
    label = "Edit assumptions" if decision.assumptions else "Record assumptions to monitor"
    out.append({"type": "actions", "block_id": Block.DECISION_ACTIONS, "elements": [
        {"type": "button", "action_id": Action.RECORD_ASSUMPTIONS, "text": bk.plain(label, 75), "value": button_value(decision.id)}]})
    return out


def assumptions_modal(decision: Decision) -> dict[str, Any]:
    """The key assumptions behind a decision (prefilled with the concerns raised) and a review date."""
    prefill = decision.assumptions or decision.verdict().assumptions
    blocks = [bk.section(f"Decision {decision.id}: {bk.escape(bk.clip(decision.proposal, 500))}"),
              bk.text_input(Block.ASSUMPTIONS, Action.ASSUMPTIONS, "Key assumptions (one per line)", initial="\n".join(prefill)[:2900],
                            multiline=True, max_length=3000),
              {"type": "input", "block_id": Block.REVIEW, "optional": True, "label": bk.plain("Review on"),
               "element": {"type": "datepicker", "action_id": Action.REVIEW}}]
    return bk.modal(Callback.RECORD_ASSUMPTIONS, "Assumptions", blocks, submit="Save", private_metadata=button_value(decision.id))


def review_message(decision: Decision) -> Message:
    """Posted in the channel on the review date."""
    listed = "\n".join(f"• {bk.escape(a)}" for a in decision.assumptions) or "(none recorded)"
    text = (f":mag: Time to review the assumptions behind decision {decision.id}: {bk.escape(bk.clip(decision.proposal, 300))}\n"
            f"{listed}\nDo they still hold? If not, start a new decision with `{Command.CONSENSUS}`.")
    return f"Review the assumptions behind decision {decision.id}", [bk.section(text[:3000])]


def nudged_message(count: int, queued: int) -> Message:
    """What the creator is told after asking to remind the non-voters."""
    if queued == 0:
        text = "They were already reminded in the last hour; you can remind them again once an hour."
    else:
        text = f"Reminding {queued} of the {count} people who have not voted, privately."
    return text, [bk.section(text)]


def home_section(waiting: list[Decision]) -> HomeSection | None:
    """Decisions waiting for the person's vote, soonest deadline first, each linked to its channel."""
    blocks = []
    for decision in waiting:
        closes = (f" · closes {bk.date_token(decision.deadline.timestamp(), fallback=decision.deadline.strftime('%Y-%m-%d %H:%M UTC'))}"
                  if decision.deadline else "")
        blocks.append(bk.section(f"*{bk.escape(bk.clip(decision.proposal, 300))}*\nDecision {decision.id} in <#{decision.channel_id}>{closes}"))
    return HomeSection("Decisions waiting for your vote", blocks, urgency=90) if blocks else None
