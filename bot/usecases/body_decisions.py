"""Decisions in a governance body (issue 19): the start form's decision type and body, a party's own positions (seen by
its members only) and the party's vote, cast by its lead.

In a one-vote-per-party body each member first gives their own position with the decision's level buttons (stored as
the round's votes, through the same batched path as every vote); only members of the same party see them. The party's
lead then casts the party's vote, which is what the channel's message, the outcome and every export show."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from bot.domain.agreement import Level, check_vote
from bot.domain.business_days import window_end
from bot.domain.consensus import Decision, Proposal, check_can_cast_party_vote, check_start
from bot.domain.decision_types import background_with, check_fields, default_body, type_of
from bot.domain.errors import FormErrors, UserError
from bot.domain.governance import PartyVote
from bot.services import Services
from bot.slack_edge.gateway import SlackCallError
from bot.slack_edge.payloads import list_field, text_field
from bot.usecases import concerns, escalation
from bot.usecases.business_calendar import alliance_calendar
from bot.usecases.consensus import find, refresh
from bot.views import body_decisions as views
from bot.views.consensus import start_modal
from bot.views.ids import Block
from bot.views.metadata import ChannelRef, unpack
from storage.decisions import cast_party_vote, load_decision
from storage.governance import channel_bodies

logger = logging.getLogger(__name__)
STALE = "This form is out of date. Open it again from the decision message."


def type_chosen(services: Services, installation_id: int, view: Any, chosen: Any) -> None:
    """A decision type was chosen in the start form: redraw it with the type's fields, its usual body and its deadline
    (business days in the alliance's zone, skipping both partners' public holidays). What was typed stays. `view` and
    the chosen option are as the payload had them: anything else than a form is out of date."""
    if not isinstance(view, dict) or not isinstance(chosen, dict):
        raise UserError("This form is out of date. Start the decision again with `/consensus`.")
    channel_id = ChannelRef.decode(view.get("private_metadata")).channel_id
    kind = type_of(str(chosen.get("value") or ""))
    with services.db.read() as session:
        bodies = [b.name for b in channel_bodies(session, installation_id, channel_id)]
        zone, holidays = alliance_calendar(session, installation_id, channel_id)
    deadline = window_end(services.clock.now(), kind.deadline_days, zone, holidays) if kind else None
    form = start_modal(channel_id, bodies, kind, default_body(kind, bodies) if kind else None, deadline)
    try:
        services.gateway.update_view(str(view.get("id") or ""), form, view.get("hash"))
    except SlackCallError as refused:
        # The form changed since this choice (another choice, redrawn first): the later redraw wins, nothing is lost.
        if refused.error != "hash_conflict":
            raise
        logger.info("decision form redrawn meanwhile: this type choice's redraw is dropped")


def read_start_form(services: Services, view: dict[str, Any], values: dict[str, Any]) -> tuple[str, Proposal]:
    """The start form's channel and checked proposal (with its body, type and the type's facts); `FormErrors` on the
    fields at fault."""
    deadline = values.get(Block.DEADLINE)
    try:
        when = datetime.fromtimestamp(int(deadline), timezone.utc) if deadline else None
    except (ValueError, TypeError, OverflowError, OSError):
        raise FormErrors({Block.DEADLINE: "Pick a date and time from the picker."}) from None
    chosen_type, chosen_body = text_field(values, Block.DECISION_TYPE), text_field(values, Block.DECISION_BODY)
    kind = type_of(chosen_type)
    background = text_field(values, Block.BACKGROUND) or None
    if kind is not None:
        try:
            background = background_with(check_fields(kind, {f.key: text_field(values, views.field_block(f.key)) for f in kind.fields}),
                                         background)
        except FormErrors as errors:
            raise FormErrors({views.field_block(key): message for key, message in errors.errors.items()}) from None
    asked = Proposal(text_field(values, Block.PROPOSAL), background, text_field(values, Block.PREREAD) or None, when,
                     "auto_close" in list_field(values, Block.AUTO_CLOSE), list_field(values, Block.DECIDERS),
                     anonymous=values.get(Block.VOTING) == "anonymous",
                     body=chosen_body if chosen_body and chosen_body != views.NONE else None, decision_type=kind.key if kind else None)
    channel_id = ChannelRef.decode(view.get("private_metadata")).channel_id
    try:
        return channel_id, check_start(asked, services.clock.now())
    except FormErrors as errors:
        raise FormErrors({_START_FIELDS.get(field, Block.PROPOSAL): message for field, message in errors.errors.items()}) from None


_START_FIELDS = {"proposal": Block.PROPOSAL, "preread": Block.PREREAD, "deadline": Block.DEADLINE, "voting": Block.VOTING}


def _member_party(services: Services, installation_id: int, decision_id: int, user_id: str) -> tuple[Decision, str]:
    decision = find(services, installation_id, decision_id)
    partner = decision.body.partner_of(user_id) if decision.body is not None and decision.by_party else None
    if decision.body is None or not decision.by_party:
        raise UserError("In this decision everyone votes for themselves: the message shows every vote.")
    if partner is None:
        raise UserError(f"Only members of the {decision.body.name} see their own party's positions.")
    return decision, partner


def positions(services: Services, installation_id: int, decision_id: int, user_id: str) -> views.Message:
    """A party's positions, for one of its members of the body, privately."""
    decision, partner = _member_party(services, installation_id, decision_id, user_id)
    return views.positions_message(decision, partner)


def open_cast(services: Services, installation_id: int, decision_id: int, user_id: str, trigger_id: str) -> None:
    """The lead's form to cast the party's vote, with the party's positions."""
    decision = find(services, installation_id, decision_id)
    partner = check_can_cast_party_vote(decision, user_id)
    services.gateway.open_view(trigger_id, views.cast_modal(decision, partner))


def read_cast(view: dict[str, Any], values: dict[str, Any]) -> tuple[int, str, Level, str | None]:
    """(decision, party, level, concern) of the lead's form; a block without a concern goes back to the form."""
    meta = unpack(view.get("private_metadata"), STALE, decision=int, partner=str)
    try:
        level = Level(text_field(values, Block.PARTY_LEVEL) or Level.SUPPORT.value)
    except ValueError:
        raise FormErrors({Block.PARTY_LEVEL: "Choose one of the levels."}) from None
    try:
        concern = check_vote(level, text_field(values, Block.PARTY_CONCERN))
    except UserError as problem:
        raise FormErrors({Block.PARTY_CONCERN: problem.message}) from None
    return int(meta["decision"]), str(meta["partner"]), level, concern


def store_party_vote(services: Services, installation_id: int, decision_id: int, user_id: str, partner: str, level: Level,
                     concern: str | None) -> None:
    """Store the party's vote (before the form closes: acknowledged means stored), closing an auto-close decision that
    every party has now voted on; the message is refreshed by `refresh` after the ack."""
    now = services.clock.now()
    with services.db.write() as session:
        decision = load_decision(session, installation_id, decision_id)
        if decision is None:
            raise UserError("I cannot find this decision any more.")
        if check_can_cast_party_vote(decision, user_id) != partner:
            raise UserError(STALE)
        cast_party_vote(session, decision, PartyVote(partner, level, user_id, concern), now)
        voted = load_decision(session, installation_id, decision_id)
        if voted is not None and voted.closes_itself():
            concerns.close(session, installation_id, voted, now)
            escalation.after_close(services, installation_id, voted, session)


def show(services: Services, installation_id: int, decision_id: int) -> None:
    """Show the stored vote in the channel's message."""
    refresh(services, installation_id, decision_id)
