"""An alliance's governance bodies: list them, set one up by form (issue 19). The channel's alliance is required by
the caller (`alliances.command`, or the list's button), so that bodies seat its partners."""
from __future__ import annotations

from typing import Any

from bot.domain.decision_types import type_of
from bot.domain.errors import FormErrors, UserError, present
from bot.domain.governance import Body, BodyMember, DecisionRule, Fallback, FallbackKind, QuorumRule, check_body, ladder
from bot.services import Services
from bot.slack_edge.payloads import list_field, text_field
from bot.views import governance as views
from bot.views.metadata import ChannelRef
from storage.alliances import get_alliance
from storage.governance import channel_bodies, save_body

NO_ALLIANCE = "This channel's alliance is not set up any more; set it up again first."


def list_bodies(services: Services, installation_id: int, channel_id: str) -> views.Message:
    """`/alliance bodies`: the alliance's bodies, with a button to add one."""
    with services.db.read() as session:
        bodies = channel_bodies(session, installation_id, channel_id)
    return views.bodies_message(ChannelRef(channel_id), bodies)


def open_form(services: Services, installation_id: int, channel_id: str, trigger_id: str, changing: str | None = None) -> None:
    """The form for a new body, seating the alliance's partners; or, prefilled, for changing the body called `changing`
    (membership changes as the alliance moves through phases)."""
    with services.db.read() as session:
        alliance = present(get_alliance(session, installation_id, channel_id), NO_ALLIANCE)
        bodies = channel_bodies(session, installation_id, channel_id)
    current = None
    if changing is not None:
        current = present(next((b for b in bodies if b.name == changing), None), f"This alliance has no body called {changing} any more.")
    others = [b.name for b in bodies if b.name != changing]
    services.gateway.open_view(trigger_id, views.body_modal(ChannelRef(channel_id), [p.name for p in alliance.partners], others, current))


def _choice(values: dict[str, Any], block: str, kind: type[DecisionRule] | type[QuorumRule] | type[FallbackKind], default: str) -> Any:
    try:
        return kind(text_field(values, block) or default)
    except ValueError:
        raise FormErrors({block: "Choose one of the options."}) from None


def read_form(services: Services, installation_id: int, view: dict[str, Any], values: dict[str, Any]) -> tuple[str, Body, str | None]:
    """(channel, body, the name of the body it changes or None) the form describes, checked against the alliance's
    partners and its other bodies; `FormErrors` by block."""
    channel_id, replacing = views.editing(view.get("private_metadata"))
    with services.db.read() as session:
        alliance = present(get_alliance(session, installation_id, channel_id), NO_ALLIANCE)
        existing = {b.name: b for b in channel_bodies(session, installation_id, channel_id) if b.name != replacing}
    partners = [p.name for p in alliance.partners]
    members: list[BodyMember] = []
    for number, partner in enumerate(partners[:views.MAX_PARTNERS], start=1):
        lead = text_field(values, views.lead_block(number))
        seated = list(dict.fromkeys(list_field(values, views.members_block(number)) + ((lead,) if lead else ())))
        members += [BodyMember(user, partner, user == lead) for user in seated]
    window = text_field(values, views.WINDOW).strip()
    if not window.isdigit():
        raise FormErrors({views.WINDOW: "Give a whole number of business days, e.g. 15 (0: a dispute goes up at once)."})
    escalates = text_field(values, views.ESCALATES)
    kind = _choice(values, views.FALLBACK, FallbackKind, FallbackKind.STATUS_QUO.value)
    # The decision-type templates' keys, as `Decision.decision_type` has them (a forged value is refused).
    types = list_field(values, views.TYPES)
    if any(type_of(t) is None for t in types):
        raise FormErrors({views.TYPES: "Choose decision types from the list."})
    top = not escalates or escalates == views.TOP
    fallback = Fallback(kind, text_field(values, views.PARTY) or None, tuple(types), text_field(values, views.CLAUSE).strip()) if top else None
    drafted = Body(text_field(values, views.NAME), tuple(members), _choice(values, views.RULE, DecisionRule, DecisionRule.PARTY_UNANIMOUS.value),
                   _choice(values, views.QUORUM, QuorumRule, QuorumRule.EACH_PARTY.value), int(window), None if top else escalates, fallback)
    try:
        body = check_body(drafted, partners)
        if body.name in existing:
            raise FormErrors({"name": f"The alliance already has a body called {body.name}."})
        ladder({**existing, body.name: body}, body.name)
    except FormErrors as errors:
        raise FormErrors({views.field_block(k): v for k, v in errors.errors.items()}) from None
    if replacing is not None and body.name != replacing and any(b.escalates_to == replacing for b in existing.values()):
        raise FormErrors({views.NAME: f"Other bodies escalate to {replacing}: keep its name, or change theirs first."})
    return channel_id, body, replacing


def save(services: Services, installation_id: int, channel_id: str, user_id: str, body: Body, replacing: str | None = None) -> None:
    """Store the body, new or changed (its history keeps each change with its date), and tell the channel: every partner
    sees its governance. A decision already running in the body keeps the body as it was when it started."""
    with services.db.write() as session:
        if get_alliance(session, installation_id, channel_id) is None:
            raise UserError(NO_ALLIANCE)
        save_body(session, installation_id, channel_id, body, by_user=user_id, now=services.clock.now(), replacing=replacing)
        bodies = channel_bodies(session, installation_id, channel_id)
    text, blocks = views.bodies_message(ChannelRef(channel_id), bodies)
    did = f"changed the {replacing}" + (f" (now {body.name})" if body.name != replacing else "") if replacing else f"set up the {body.name}"
    services.gateway.post_message(channel_id, f"<@{user_id}> {did}. {text}", blocks)
