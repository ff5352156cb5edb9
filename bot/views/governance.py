"""Governance bodies in Slack: the list (`/alliance bodies`, the panel's *Governance bodies*) and the body form."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.decision_types import TYPES as DECISION_TYPES
from bot.domain.decision_types import type_of
from bot.domain.governance import Body, DecisionRule, FallbackKind, QuorumRule
from bot.views import blocks as bk
from bot.views.ids import Action, Callback
from bot.views.metadata import ChannelRef, pack, unpack

Message = tuple[str, list[dict[str, Any]]]
MAX_PARTNERS = 4
TOP = "-"  # "escalates to" value of the top body

RULE_LABELS = {DecisionRule.PARTY_UNANIMOUS: "One vote per party, unanimous (each partner's lead casts it)",
               DecisionRule.MEMBERS_CONSENSUS: "Consensus of all members",
               DecisionRule.MEMBERS_MAJORITY: "Majority of members"}
QUORUM_LABELS = {QuorumRule.EACH_PARTY: "At least one representative of each party",
                 QuorumRule.MAJORITY_OF_MEMBERS: "A majority of the members"}
FALLBACK_LABELS = {FallbackKind.STATUS_QUO: "The status quo stands", FallbackKind.PARTY_DECIDES: "One party decides (named decision types)"}

# Where each part of the form is; `field_block` maps the domain's error keys onto them.
NAME, RULE, QUORUM, WINDOW, ESCALATES, FALLBACK, PARTY, TYPES, CLAUSE = (
    "gov_name", "gov_rule", "gov_quorum", "gov_window", "gov_escalates", "gov_fallback", "gov_party", "gov_types", "gov_clause")


def members_block(number: int) -> str:
    """block_id of partner `number`'s members."""
    return f"gov_members_{number}"


def lead_block(number: int) -> str:
    """block_id of partner `number`'s lead."""
    return f"gov_lead_{number}"


FIELD_BLOCKS = {"name": NAME, "members": members_block(1), "leads": lead_block(1), "window": WINDOW, "escalates_to": ESCALATES,
                "fallback": FALLBACK}


def field_block(field: str) -> str:
    """The block where a domain field's error is shown."""
    return FIELD_BLOCKS.get(field, NAME)


def _describe(body: Body) -> str:
    partners = list(dict.fromkeys(m.partner for m in body.members))
    seats = "; ".join(f"*{bk.escape(p)}*: " + ", ".join(f"<@{m.user_id}>" + (" (lead)" if m.lead else "")
                                                         for m in body.members if m.partner == p) for p in partners)
    goes = (f"unresolved after {body.window_days} business day{'s' if body.window_days != 1 else ''}, it goes to "
            f"*{bk.escape(body.escalates_to)}*" if body.escalates_to else "top of the ladder")
    if body.escalates_to is None and body.fallback is not None:
        if body.fallback.kind is FallbackKind.PARTY_DECIDES:
            types = ", ".join(kind.label.lower() if (kind := type_of(t)) else t for t in body.fallback.decision_types) or "every decision"
            clause = f" ({bk.escape(body.fallback.clause)})" if body.fallback.clause else ""
            goes += (f"; after {body.window_days} business days unresolved, *{bk.escape(body.fallback.party or '')}* decides "
                     f"{bk.escape(types)}{clause}, else the status quo stands")
        else:
            goes += f"; after {body.window_days} business days unresolved, the status quo stands"
    return (f"*{bk.escape(body.name)}* — {RULE_LABELS[body.rule]}; quorum: {QUORUM_LABELS[body.quorum].lower()}; {goes}.\n"
            f"{seats}")


def bodies_message(ref: ChannelRef, bodies: Sequence[Body]) -> Message:
    """The alliance's bodies, and a button to add one (people of a partner company have no `/alliance body add`)."""
    out: list[dict[str, Any]] = [bk.section("*Governance bodies*")]
    if not bodies:
        out.append(bk.section("No bodies yet. Add the alliance agreement's committees (JSC, JDC, …): who sits on each for "
                              "each partner, how it decides, and where a dispute goes when it is not resolved in time."))
    for b in bodies[:40]:
        # Bodies change membership as the alliance moves through phases: each can be edited (its history keeps the change).
        out.append({**bk.section(bk.clip(_describe(b), 3000)),
                    "accessory": bk.button(Action.GOVERNANCE_EDIT_BODY, "Edit", pack(channel_id=ref.channel_id, body=b.name))})
    out.append(bk.actions("gov_actions", [bk.button(Action.GOVERNANCE_ADD_BODY, "Add a body", ref.encode())]))
    return f"Governance bodies: {len(bodies)}", out


def body_modal(ref: ChannelRef, partners: Sequence[str], others: Sequence[str], current: Body | None = None) -> dict[str, Any]:
    """The form for a new body of the alliance whose partners are `partners` (or, prefilled, for changing `current`);
    `others` are the bodies it may escalate to."""
    fallback = current.fallback if current is not None else None
    type_options = [bk.option(t.label, t.key) for t in DECISION_TYPES]
    types: dict[str, Any] = {"type": "multi_static_select", "action_id": Action.GOVERNANCE_FIELD, "placeholder": bk.plain("Choose decision types"),
                             "options": type_options}
    if fallback is not None and (chosen := [o for o in type_options if o["value"] in fallback.decision_types]):
        types["initial_options"] = chosen
    out: list[dict[str, Any]] = [
        bk.text_input(NAME, Action.GOVERNANCE_FIELD, "Name", max_length=40, placeholder="e.g. JSC, JDC, CMC working group",
                      initial=current.name if current else ""),
        bk.radio_input(RULE, Action.GOVERNANCE_FIELD, "How it decides", [bk.option(v, k.value) for k, v in RULE_LABELS.items()],
                       (current.rule if current else DecisionRule.PARTY_UNANIMOUS).value),
        bk.radio_input(QUORUM, Action.GOVERNANCE_FIELD, "Quorum", [bk.option(v, k.value) for k, v in QUORUM_LABELS.items()],
                       (current.quorum if current else QuorumRule.EACH_PARTY).value),
    ]
    for number, partner in enumerate(partners[:MAX_PARTNERS], start=1):
        seated = [m for m in current.members if m.partner == partner] if current else []
        out.append(bk.users_input(members_block(number), Action.GOVERNANCE_FIELD, f"{partner}: members", optional=False,
                                  initial=[m.user_id for m in seated]))
        lead: dict[str, Any] = {"type": "users_select", "action_id": Action.GOVERNANCE_FIELD, "placeholder": bk.plain("Choose the lead")}
        if (leader := next((m.user_id for m in seated if m.lead), None)) is not None:
            lead["initial_user"] = leader
        out.append({"type": "input", "block_id": lead_block(number), "optional": True, "label": bk.plain(f"{partner}: lead"),
                    "hint": bk.plain("Casts the party's vote in a one-vote-per-party body"), "element": lead})
    out += [
        bk.text_input(WINDOW, Action.GOVERNANCE_FIELD, "Resolution window (business days)", initial=str(current.window_days if current else 15),
                      max_length=3),
        bk.select_input(ESCALATES, Action.GOVERNANCE_FIELD, "An unresolved dispute then goes to",
                        [bk.option("Nobody: this is the top body", TOP)] + [bk.option(o, o) for o in others],
                        initial_value=(current.escalates_to if current and current.escalates_to else TOP)),
        bk.radio_input(FALLBACK, Action.GOVERNANCE_FIELD, "At the top, when the window ends unresolved",
                       [bk.option(v, k.value) for k, v in FALLBACK_LABELS.items()], (fallback.kind if fallback else FallbackKind.STATUS_QUO).value),
        bk.select_input(PARTY, Action.GOVERNANCE_FIELD, "The party that decides", [bk.option(p, p) for p in partners], optional=True,
                        initial_value=fallback.party if fallback else None),
        {"type": "input", "block_id": TYPES, "optional": True, "label": bk.plain("For these decision types (none chosen: all)"), "element": types},
        bk.text_input(CLAUSE, Action.GOVERNANCE_FIELD, "The agreement's clause", optional=True, max_length=200,
                      placeholder="e.g. §4.3(b) final decision-making authority", initial=fallback.clause if fallback else ""),
    ]
    metadata = pack(channel_id=ref.channel_id, replacing=current.name) if current else ref.encode()
    return bk.modal(Callback.GOVERNANCE_BODY, "Change a body" if current else "Governance body", out, submit="Save", private_metadata=metadata)


def editing(raw: str | None) -> tuple[str, str | None]:
    """(channel, the body being changed, None for a new one) from the form's metadata or an Edit button's value."""
    found = unpack(raw, "This form is out of date. Close it and list the bodies again.", channel_id=str, replacing=(str, ""), body=(str, ""))
    return str(found["channel_id"]), (str(found["replacing"] or found["body"]) or None)
