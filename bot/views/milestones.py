"""Milestone messages and forms: the add modal, the list with payment totals, nudges and their buttons."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.domain.milestones import NUDGE_AT, Direction, Kind, Milestone, PaymentState, format_amount, payment_totals
from bot.domain.recurrence import local_instant
from bot.views import blocks as bk
from bot.views.home import HomeSection
from bot.views.ids import Action, Block, Callback, Command
from bot.views.metadata import ChannelRef, pack, unpack

Message = tuple[str, list[dict[str, Any]]]
LIST_MAX = 40
HELP = (f"*{Command.MILESTONE}* tracks the alliance's milestones and the payments that flow with them.\n"
        f"• `{Command.MILESTONE}` — a form: name, kind, due date, responsible partner, owner, payment\n"
        f"• `{Command.MILESTONE} add <name> <date> [payment <amount> <CUR> in|out]`, e.g. "
        f"`{Command.MILESTONE} add First patient dosed end of march payment 25000000 USD in` — the date as for `/action` "
        "(`friday`, `in 6 weeks`, `jan 15`, `YYYY-MM-DD`), the amount in digits (`25,000,000`) and an ISO currency code; "
        "what I cannot read is refused, never guessed\n"
        f"• `{Command.MILESTONE} list [6m|24m|all]` — what is due (24 months unless you say), payments summed per currency\n"
        f"• `{Command.MILESTONE} done <id>` — mark achieved\n"
        f"• `{Command.MILESTONE} zone <Area/City>` — the alliance's time zone (nudges at 09:00 there; UTC until set)\n"
        f"• `{Command.MILESTONE} nudges 30 7 1 0` — days before the due date to nudge (0 is the day itself)\n"
        "Nudges go to the channel and the owner; overdue milestones are raised weekly until achieved or moved.")
KIND_LABELS = {Kind.CLINICAL: "Clinical", Kind.REGULATORY: "Regulatory", Kind.COMMERCIAL: "Commercial", Kind.CONTRACTUAL: "Contractual"}


def help_message() -> Message:
    """How /milestone works."""
    return "How to use /milestone", [bk.section(HELP)]


def button_value(milestone_id: int) -> str:
    """What a milestone's buttons and forms carry: a versioned reference."""
    return pack(milestone=milestone_id)


def milestone_id_from(value: str | None) -> int:
    """Read a button value or modal metadata back; stale ones are a user-facing error."""
    return int(unpack(value, "This button is out of date. Run `/milestone list` for the current milestones.", milestone=int)["milestone"])


def day_token(day: date, zone: str) -> str:
    """A date every viewer reads in their own calendar, with the ISO date as fallback."""
    return bk.date_token(local_instant(day, NUDGE_AT, zone).timestamp(), "{date_short_pretty}", day.isoformat())


def payment_text(milestone: Milestone) -> str:
    """`25,000,000 USD in` (and where the payment stands)."""
    if milestone.payment is None:
        return ""
    arrow = "incoming" if milestone.payment.direction is Direction.IN else "outgoing"
    state = f", {milestone.payment_state.value}" if milestone.payment_state else ""
    return f"{format_amount(milestone.payment.amount)} {milestone.payment.currency} {arrow}{state}"


def slip_text(milestone: Milestone, zone: str) -> str:
    """The slip history: each move with its reason."""
    return "\n".join(f"  ↳ moved {s.from_date.isoformat()} → {s.to_date.isoformat()} by <@{s.by_user}>: {bk.escape(bk.clip(s.reason, 200))}"
                     for s in milestone.slips[-5:])


def milestone_line(milestone: Milestone, zone: str, today: date) -> str:
    """One milestone as a list line."""
    parts = [f"*{milestone.ref}* {bk.escape(bk.clip(milestone.name, 150))} · {KIND_LABELS[milestone.kind]} · due {day_token(milestone.due, zone)}"]
    if milestone.is_overdue(today):
        parts.append(":warning: overdue")
    if milestone.achieved_on:
        parts.append(f":white_check_mark: achieved {milestone.achieved_on.isoformat()}")
    if milestone.payment:
        parts.append(f":moneybag: {payment_text(milestone)}")
    if milestone.partner:
        parts.append(f"partner {bk.escape(milestone.partner)}")
    if milestone.owner_id:
        parts.append(f"owner <@{milestone.owner_id}>")
    line = " · ".join(parts)
    if milestone.slips:
        line += f" · slipped {len(milestone.slips)}×\n" + slip_text(milestone, zone)
    return line


def totals_text(milestones: Sequence[Milestone]) -> str:
    """Payments summed per currency and direction."""
    totals = payment_totals(milestones)
    if not totals:
        return ""
    return "*Payments:* " + " · ".join(f"{format_amount(amount)} {currency} {'in' if direction is Direction.IN else 'out'}"
                                       for (currency, direction), amount in totals.items())


def milestone_list(milestones: Sequence[Milestone], months: int | None, zone: str, today: date) -> Message:
    """`/milestone list`: open milestones in the window, payments summed, slips shown."""
    span = f"the next {months} months" if months else "all time"
    if not milestones:
        return "No milestones", [bk.section(f"No open milestones due in {span}. Add one with `{Command.MILESTONE} add <name> <date>`.")]
    out: list[dict[str, Any]] = [bk.header(f"Milestones — {span} ({len(milestones)})")]
    out += [bk.section(milestone_line(m, zone, today)) for m in milestones[:LIST_MAX]]
    if len(milestones) > LIST_MAX:
        out.append(bk.context(f"…and {len(milestones) - LIST_MAX} more"))
    if totals_text(milestones):
        out.append(bk.section(totals_text(milestones)))
    return f"{len(milestones)} milestones in {span}", out


def added_message(milestone: Milestone, zone: str, today: date) -> Message:
    """Posted in the channel when a milestone is added."""
    text = f":round_pushpin: <@{milestone.created_by}> added milestone {milestone_line(milestone, zone, today)}"
    out = [bk.section(text[:3000])]
    if zone == "UTC":
        # The alliance has no zone of its own yet: say where the 09:00 nudges will land.
        out.append(bk.context(f"Nudges come at 09:00 UTC. Set the alliance's time zone with `{Command.MILESTONE} zone Area/City`."))
    return f"Milestone {milestone.ref} added: {milestone.name}", out


def _buttons(milestone: Milestone) -> dict[str, Any]:
    value = button_value(milestone.id)
    return {"type": "actions", "block_id": Block.MILESTONE_ACTIONS, "elements": [
        {"type": "button", "action_id": Action.MILESTONE_ACHIEVED, "text": bk.plain("Achieved", 75), "value": value, "style": "primary"},
        {"type": "button", "action_id": Action.MILESTONE_MOVE, "text": bk.plain("Move date", 75), "value": value},
        {"type": "button", "action_id": Action.MILESTONE_SNOOZE, "text": bk.plain("Snooze nudges", 75), "value": value}]}


def nudge_message(milestone: Milestone, days: int | None, zone: str, today: date) -> Message:
    """A nudge: `days` before the due date (0: today; None: overdue), with Achieved / Move date / Snooze."""
    if days is None:
        lead = f":rotating_light: Overdue since {day_token(milestone.due, zone)}"
    elif days == 0:
        lead = ":alarm_clock: Due today"
    else:
        lead = f":hourglass_flowing_sand: Due in {days} day{'s' if days != 1 else ''}"
    text = f"{lead}: {milestone_line(milestone, zone, today)}"
    return f"{lead.split(': ')[-1]} — milestone {milestone.ref} {milestone.name}"[:300], [bk.section(text[:3000]), _buttons(milestone)]


def add_modal(channel_id: str, partners: Sequence[str]) -> dict[str, Any]:
    """`/milestone` with no text: the full form."""
    blocks: list[dict[str, Any]] = [
        bk.text_input(Block.MILESTONE_NAME, Action.MILESTONE_NAME, "Name", max_length=200, placeholder="First patient dosed"),
        bk.select_input(Block.MILESTONE_KIND, Action.MILESTONE_KIND, "Kind", [bk.option(KIND_LABELS[k], k.value) for k in Kind],
                        initial_value=Kind.CLINICAL.value),
        {"type": "input", "block_id": Block.MILESTONE_DUE, "label": bk.plain("Due date"),
         "element": {"type": "datepicker", "action_id": Action.MILESTONE_DUE}},
    ]
    if partners:
        blocks.append(bk.select_input(Block.MILESTONE_PARTNER, Action.MILESTONE_PARTNER, "Responsible partner",
                                      [bk.option(p, p) for p in partners], optional=True))
    blocks += [
        {"type": "input", "block_id": Block.MILESTONE_OWNER, "optional": True, "label": bk.plain("Owner (nudged by DM)"),
         "element": {"type": "users_select", "action_id": Action.MILESTONE_OWNER, "placeholder": bk.plain("Choose someone", 150)}},
        bk.text_input(Block.MILESTONE_AMOUNT, Action.MILESTONE_AMOUNT, "Payment amount", optional=True, max_length=30,
                      placeholder="25000000"),
        bk.text_input(Block.MILESTONE_CURRENCY, Action.MILESTONE_CURRENCY, "Currency (ISO 4217)", optional=True, max_length=3,
                      placeholder="USD"),
        bk.select_input(Block.MILESTONE_DIRECTION, Action.MILESTONE_DIRECTION, "Payment direction",
                        [bk.option("In (we receive it)", "in"), bk.option("Out (we pay it)", "out")], optional=True),
    ]
    return bk.modal(Callback.MILESTONE_ADD, "New milestone", blocks, submit="Add", private_metadata=ChannelRef(channel_id).encode())


FORM_FIELDS = {"name": Block.MILESTONE_NAME, "due": Block.MILESTONE_DUE, "amount": Block.MILESTONE_AMOUNT,
               "currency": Block.MILESTONE_CURRENCY, "direction": Block.MILESTONE_DIRECTION}


def achieved_modal(milestone: Milestone, today: date) -> dict[str, Any]:
    """Record when it was achieved; for a payment, whether it was invoiced or received."""
    blocks: list[dict[str, Any]] = [
        bk.section(f"*{milestone.ref}* {bk.escape(bk.clip(milestone.name, 300))}"),
        {"type": "input", "block_id": Block.MILESTONE_ACHIEVED_ON, "label": bk.plain("Achieved on"),
         "element": {"type": "datepicker", "action_id": Action.MILESTONE_ACHIEVED_ON, "initial_date": today.isoformat()}}]
    if milestone.payment:
        blocks.append(bk.radio_input(Block.MILESTONE_PAYMENT_STATE, Action.MILESTONE_PAYMENT_STATE, f"The payment ({payment_text(milestone)})",
                                     [bk.option("Invoiced", PaymentState.INVOICED.value), bk.option("Received", PaymentState.RECEIVED.value)],
                                     PaymentState.INVOICED.value))
    return bk.modal(Callback.MILESTONE_ACHIEVED, "Milestone achieved", blocks, submit="Save", private_metadata=button_value(milestone.id))


def move_modal(milestone: Milestone) -> dict[str, Any]:
    """Move the due date; the reason goes into the slip history."""
    blocks = [
        bk.section(f"*{milestone.ref}* {bk.escape(bk.clip(milestone.name, 300))}, due {milestone.due.isoformat()}"),
        {"type": "input", "block_id": Block.MILESTONE_NEW_DATE, "label": bk.plain("New due date"),
         "element": {"type": "datepicker", "action_id": Action.MILESTONE_NEW_DATE, "initial_date": milestone.due.isoformat()}},
        bk.text_input(Block.MILESTONE_REASON, Action.MILESTONE_REASON, "Why does it move?", multiline=True, max_length=500),
    ]
    return bk.modal(Callback.MILESTONE_MOVE, "Move milestone", blocks, submit="Move", private_metadata=button_value(milestone.id))


def achieved_message(milestone: Milestone, by_user: str) -> Message:
    """Posted in the channel when a milestone is achieved."""
    payment = f" Payment {payment_text(milestone)}." if milestone.payment else ""
    text = (f":white_check_mark: <@{by_user}> marked *{milestone.ref}* {bk.escape(bk.clip(milestone.name, 300))} achieved "
            f"on {milestone.achieved_on.isoformat() if milestone.achieved_on else 'today'}.{payment}")
    return f"Milestone {milestone.ref} achieved", [bk.section(text)]


def moved_message(milestone: Milestone, by_user: str, zone: str) -> Message:
    """Posted in the channel when a milestone's date moves, with the slip history."""
    slip = milestone.slips[-1]
    text = (f":calendar: <@{by_user}> moved *{milestone.ref}* {bk.escape(bk.clip(milestone.name, 300))} from {slip.from_date.isoformat()} "
            f"to {day_token(slip.to_date, zone)}. Slip history:\n{slip_text(milestone, zone)}")
    return f"Milestone {milestone.ref} moved to {slip.to_date.isoformat()}", [bk.section(text[:3000])]


def note(text: str) -> Message:
    """A short private answer."""
    return text, [bk.section(text)]


HOME_MAX = 8


def home_section(milestones: Sequence[Milestone], zone: str, today: date) -> HomeSection | None:
    """"Milestones" on a person's Home tab: theirs, soonest first; more urgent when one is overdue or due within a week."""
    if not milestones:
        return None
    # On the scale of the other sections (meetings today 110, action items 100, votes 90).
    urgency = 95 if any(m.is_overdue(today) for m in milestones) else 85 if any((m.due - today).days <= 7 for m in milestones) else 50
    blocks = [bk.section(f"<#{m.channel_id}> {milestone_line(m, zone, today)}"[:3000]) for m in milestones[:HOME_MAX]]
    return HomeSection("Milestones", blocks, urgency, max(0, len(milestones) - HOME_MAX))
