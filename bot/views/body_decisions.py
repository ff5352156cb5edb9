"""Decisions in a governance body: the start form's type and body, the parties' votes in the channel's message, a
party's own positions (shown to its members only) and the lead's form to cast the party's vote."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.agreement import LABELS, Level
from bot.domain.consensus import Decision
from bot.domain.decision_types import FIELD_MAX, TYPES, DecisionType
from bot.domain.governance import DecisionRule, QuorumRule, quorum_met
from bot.views import blocks as bk
from bot.views.ids import Action, Block, Callback
from bot.views.metadata import pack

Message = tuple[str, list[dict[str, Any]]]
NONE = "none"  # the "no type" and "no body" options
QUORUM_TEXT = {QuorumRule.EACH_PARTY: "each party represented", QuorumRule.MAJORITY_OF_MEMBERS: "a majority of members"}
LEVEL_OPTIONS = [bk.option(LABELS[level], level.value) for level in Level]


def field_block(key: str) -> str:
    """block_id of a decision type's field in the start form."""
    return f"decision_field_{key}"


def start_blocks(bodies: Sequence[str], kind: DecisionType | None, body: str | None) -> list[dict[str, Any]]:
    """The start form's type and body choices (none when the alliance has no bodies) and the chosen type's fields.
    Choosing a type redraws the form (dispatch_action) with its fields, usual body and deadline; Slack keeps what was
    typed in inputs whose ids stay the same."""
    if not bodies:
        return []
    types = [bk.option("No type: a free-form decision", NONE), *(bk.option(t.label, t.key) for t in TYPES)]
    type_select = {**bk.select_input(Block.DECISION_TYPE, Action.DECISION_TYPE, "Decision type", types,
                                     initial_value=kind.key if kind else NONE, optional=True), "dispatch_action": True}
    choices = [bk.option("No body: the people chosen below decide", NONE), *(bk.option(name, name) for name in bodies)]
    body_select = bk.select_input(Block.DECISION_BODY, Action.DECISION_BODY, "Body that decides", choices,
                                  initial_value=body or NONE, optional=True)
    fields = [bk.text_input(field_block(f.key), Action.DECISION_TYPE_FIELD, f.label, placeholder=f.placeholder, max_length=FIELD_MAX)
              for f in (kind.fields if kind else ())]
    return [type_select, body_select, *fields]


def header_line(decision: Decision) -> str:
    """Who decides, for the message's context line."""
    body = decision.body
    if body is None:
        return f"{len(decision.decider_ids)} deciders · partners must all agree"
    if decision.by_party:
        return f"decided by the *{bk.escape(body.name)}* · one vote per party, cast by each party's lead"
    return f"decided by the *{bk.escape(body.name)}* · {len(decision.decider_ids)} members · " + (
        "consensus of all members" if body.rule is DecisionRule.MEMBERS_CONSENSUS else "majority of members")


def party_text(decision: Decision) -> str:
    """Each party's vote, who cast it and the party's concern, and whether the quorum is met: what both partners see.
    Members' own positions are never in it."""
    body = decision.body
    if body is None:
        return ""
    met = quorum_met(body, [v.cast_by for v in decision.party_votes])
    lines = [f"*Quorum* ({QUORUM_TEXT[body.quorum]}): {':white_check_mark: met' if met else 'not met yet'}"]
    for partner in decision.partners:
        vote, lead = decision.party_vote(partner), body.lead_of(partner)
        if vote is None:
            lines.append(f"*{bk.escape(partner)}*: not cast yet" + (f" (<@{lead}> casts it once the party has settled its position)" if lead else ""))
            continue
        concern = f": _{bk.escape(bk.clip(vote.concern, 400))}_" if vote.concern else ""
        lines.append(f"*{bk.escape(partner)}*: *{LABELS[vote.level]}* — cast by <@{vote.cast_by}>{concern}")
    return "\n".join(lines)[:3000]


def party_buttons(decision: Decision) -> list[dict[str, Any]]:
    """The buttons a one-vote-per-party decision adds to the level buttons (which give a member's own position)."""
    value = pack(decision=decision.id)
    return [bk.button(Action.PARTY_POSITIONS, "Our party's positions", value),
            bk.button(Action.CAST_PARTY_VOTE, "Cast party vote", value, style="primary")]


def how_to_vote(decision: Decision) -> str:
    """The line under the parties' votes that says what the buttons do."""
    return ("The level buttons give your own position: only your own company's members of the body see it. "
            "Each party's lead then casts the party's vote.")


def positions_message(decision: Decision, partner: str) -> Message:
    """A party's members' positions, for one of its members (ephemeral: never for the other party)."""
    body = decision.body
    members = [m.user_id for m in body.members if m.partner == partner] if body else []
    given = {v.voter_id: v for v in decision.positions_of(partner)}
    lines = []
    for user in members:
        vote = given.get(user)
        if vote is None:
            lines.append(f"• <@{user}>: no position yet")
        else:
            lines.append(f"• <@{user}>: *{LABELS[vote.level]}*" + (f" — {bk.escape(bk.clip(vote.concern, 300))}" if vote.concern else ""))
    cast = decision.party_vote(partner)
    status = (f"{bk.escape(partner)}'s vote: *{LABELS[cast.level]}*, cast by <@{cast.cast_by}>." if cast
              else f"{bk.escape(partner)}'s vote is not cast yet.")
    text = f"*{bk.escape(partner)}'s positions on decision {decision.id}* (only {bk.escape(partner)}'s members see this)\n" + "\n".join(lines)
    return f"{partner}'s positions on decision {decision.id}", [bk.section(text[:3000]), bk.context(status)]


def cast_modal(decision: Decision, partner: str) -> dict[str, Any]:
    """The lead's form: the party's positions, then the party's level and concern."""
    _, positions = positions_message(decision, partner)
    current = decision.party_vote(partner)
    blocks = [bk.section(f"*Decision {decision.id}:* {bk.escape(bk.clip(decision.proposal, 500))}"), *positions,
              bk.radio_input(Block.PARTY_LEVEL, Action.PARTY_LEVEL, f"{partner}'s vote", LEVEL_OPTIONS,
                             current.level.value if current else Level.SUPPORT.value),
              bk.text_input(Block.PARTY_CONCERN, Action.PARTY_CONCERN, f"{partner}'s concern (a block must give one)", optional=True,
                            multiline=True, max_length=2000, initial=(current.concern or "") if current else "")]
    return bk.modal(Callback.CAST_PARTY_VOTE, "Cast party vote", blocks, submit="Cast vote",
                    private_metadata=pack(decision=decision.id, partner=partner))

