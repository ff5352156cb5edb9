"""Action items: capture one (command, form, message shortcut), list, complete, snooze, reassign, and the owners' reminders."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, TypeVar

from bot.domain.actions import (
    ActionItem,
    check_can_change,
    check_due,
    check_owners,
    check_text,
    example,
    number_from_ref,
    parse_capture,
    snoozed_due,
    subcommand_of,
)
from bot.domain.dates import local_today
from bot.domain.errors import FormErrors, UserError, present
from bot.scheduler.actions import cancel_reminders, schedule_reminders
from bot.scheduler.delivery import tell_once
from bot.scheduler.work import Failed, Sent
from bot.services import Services
from bot.slack_edge.gateway import ErrorCategory, SlackCallError
from bot.slack_edge.payloads import CommandCall, date_field
from bot.slack_edge.private_messages import tell_privately
from bot.usecases import zones
from bot.views import actions as views
from bot.views.home import HomeSection
from bot.views.ids import Block
from bot.views.panel import ADD_ITEM as ADD_ITEM_LABEL
from storage.actions import (
    channel_items,
    count_owner_items,
    create_item,
    delete_item,
    find_by_number,
    find_by_permalink,
    load_item,
    mark_done,
    move_due,
    owner_items,
    reassign,
    set_message,
)
from storage.channel_homes import partner_installations
from storage.db import Session
from storage.due_work import ClaimedWork

HOME_ITEMS = 60
T = TypeVar("T")


def command(services: Services, installation_id: int, call: CommandCall) -> views.Message | None:
    """`/action <text> [@owner] [by <date>]` captures; `list [mine]`, `done <id>` and `help` answer; no text opens the
    form. Returns the private answer, or None when there is none (the item's message is the answer)."""
    asked, now = subcommand_of(call.text), services.clock.now()
    if asked == "form":
        services.gateway.open_view(call.trigger_id, views.action_item_modal(channel_id=call.channel_id))
        return None
    if asked == "capture":
        capture_from_command(services, installation_id, call)
        return None
    if asked in ("list", "mine"):
        with services.db.read() as session:
            # Mine: in every channel, the shared ones whose alliance lives under the partner's installation too.
            found = ([i for where in partner_installations(session, installation_id) for i in owner_items(session, where, call.user_id, now)]
                     if asked == "mine" else channel_items(session, installation_id, call.channel_id, now))
        return views.item_list(found, mine=asked == "mine")
    if asked == "done":
        item = complete(services, installation_id, by_number(services, installation_id, call.channel_id, call.text.split(None, 1)[1]),
                        call.user_id)
        return views.done_answer(item)
    return views.help_message()


def open_form_from_message(services: Services, channel_id: str, text: str, message_ts: str | None, trigger_id: str) -> None:
    """"Create action item" on a message (or a meeting's review prompt): the form, prefilled with `text` and a link
    back to the message."""
    link: str | None = None
    if message_ts:
        try:
            link = services.gateway.permalink(channel_id, message_ts)
        except SlackCallError:  # e.g. a message Slack no longer has: the item is still worth creating
            link = None
    services.gateway.open_view(trigger_id, views.action_item_modal(channel_id=channel_id, text=text, permalink=link))


def read_form(services: Services, installation_id: int, view: dict[str, Any], values: dict[str, Any], creator: str) -> FormCapture:
    """The capture form's item, or every field's error at once (`FormErrors` keyed by block)."""
    draft = views.ItemDraft.decode(view.get("private_metadata"))
    owners = tuple(values.get(Block.ACTION_OWNERS) or ())
    zones = owner_zones(services, installation_id, draft.channel_id, (creator, *owners))
    text, owners, due = check_form(values, creator, local_today(services.clock.now(), zones.get(creator)))
    return FormCapture(draft.channel_id, draft.permalink, text, owners, due, (values.get(Block.ACTION_NOTES) or "").strip() or None, zones)


@dataclass(frozen=True)
class FormCapture:
    """A valid capture form: where the item goes and what it says."""

    channel_id: str
    permalink: str | None
    text: str
    owners: tuple[str, ...]
    due: date | None
    notes: str | None
    zones: dict[str, str]


def capture_form(services: Services, installation_id: int, creator: str, form: FormCapture) -> ActionItem:
    """Store and post the item a valid form describes."""
    return capture(services, installation_id, form.channel_id, creator, form.text, form.owners, form.due, form.notes, form.permalink,
                   form.zones)


def check_form(values: dict[str, Any], creator: str, today: date) -> tuple[str, tuple[str, ...], date | None]:
    """The form's text, owners and due date, or every field's error at once."""
    errors: dict[str, str] = {}

    def field(block: str, read: Callable[[], T], default: T) -> T:
        try:
            return read()
        except UserError as problem:
            errors[block] = problem.message
            return default

    text = field(Block.ACTION_TEXT, lambda: check_text(values.get(Block.ACTION_TEXT) or ""), "")
    no_owners: tuple[str, ...] = (creator,)
    owners = field(Block.ACTION_OWNERS, lambda: check_owners(tuple(values.get(Block.ACTION_OWNERS) or ()), creator), no_owners)
    due = field(Block.ACTION_DUE, lambda: check_due(date_field(values, Block.ACTION_DUE), today), None)
    if errors:
        raise FormErrors(errors)
    return text, owners, due


def owner_zones(services: Services, installation_id: int, channel_id: str, user_ids: Sequence[str]) -> dict[str, str]:
    """Each person's zone (`bot.usecases.zones`); an unknown person, a bot or a deactivated account goes back to the owners field."""
    try:
        return zones.known_zones(services, installation_id, channel_id, user_ids)
    except UserError as problem:
        raise FormErrors({Block.ACTION_OWNERS: problem.message}) from None


def capture_from_command(services: Services, installation_id: int, call: CommandCall) -> None:
    """`/action <text> [@owner ...] [by <date>]`, dates read in the creator's zone."""
    creator_zone = owner_zones(services, installation_id, call.channel_id, (call.user_id,))
    today = local_today(services.clock.now(), creator_zone[call.user_id])
    asked = parse_capture(call.text, call.user_id, today)
    try:
        zones = owner_zones(services, installation_id, call.channel_id, (call.user_id, *asked.owner_ids))
    except FormErrors as errors:
        raise UserError(f"{errors.message} Nothing was created; e.g. {example(today)}.") from None
    capture(services, installation_id, call.channel_id, call.user_id, asked.text, asked.owner_ids, asked.due, None, None, zones)


def capture_from_reaction(services: Services, installation_id: int, channel_id: str, message_ts: str, reactor: str) -> None:
    """A :memo: reaction on a message captures it, read like `/action` text (mentions are owners, "by <date>" the due date):
    the click-free way for anyone in the channel, a partner company's people included. Once per message."""
    now = services.clock.now()

    def tell(text: str) -> None:
        tell_privately(services.gateway, services.db, installation_id, reactor, channel_id, text, now=now, in_channel_first=True)

    text = services.gateway.message_text(channel_id, message_ts)
    if not text or not text.strip():
        tell(f"I can capture only a channel's own messages that have text (not thread replies or files); use the pinned panel's "
             f"*{ADD_ITEM_LABEL}* for this one.")
        return
    link = services.gateway.permalink(channel_id, message_ts)
    with services.db.read() as session:
        earlier = find_by_permalink(session, installation_id, channel_id, link, now)
    if earlier is not None:
        tell(f"That message is already action item {earlier.ref}.")
        return
    zones = owner_zones(services, installation_id, channel_id, (reactor,))
    try:
        asked = parse_capture(text, reactor, local_today(now, zones[reactor]))
        zones = owner_zones(services, installation_id, channel_id, (reactor, *asked.owner_ids))
    except UserError as problem:
        tell(f"{problem.message} Nothing was captured from that message; use the pinned panel's *{ADD_ITEM_LABEL}* instead.")
        return
    capture(services, installation_id, channel_id, reactor, asked.text, asked.owner_ids, asked.due, None, link, zones)


def capture(services: Services, installation_id: int, channel_id: str, creator: str, text: str, owners: tuple[str, ...],
            due: date | None, notes: str | None, permalink: str | None, zones: dict[str, str]) -> ActionItem:
    """Store the item and its reminders, then post its message (an item Slack refuses to show is removed again)."""
    now = services.clock.now()
    with services.db.write() as session:
        item_id = create_item(session, installation_id=installation_id, channel_id=channel_id, text=text, owner_ids=owners,
                              creator_id=creator, due=due, notes=notes, permalink=permalink, now=now)
        reschedule(session, services, installation_id, item_id, zones)
    item = find(services, installation_id, item_id)
    message_text, blocks = views.item_message(item)
    try:
        ts = services.gateway.post_message(channel_id, message_text, blocks)
    except SlackCallError as error:
        if error.category is not ErrorCategory.UNCERTAIN:  # an uncertain post may have landed: keep what its buttons point at
            with services.db.write() as session:
                cancel_reminders(session, installation_id, item_id)
                delete_item(session, item_id)
        raise
    with services.db.write() as session:
        set_message(session, item_id, ts)
        stored = load_item(session, installation_id, item_id, now)
    # A click stored between the post and now found no message to refresh (issue 15: seen on a loaded machine).
    if stored is not None and replace(stored, message_ts=None, is_overdue=item.is_overdue) != item:
        refresh(services, installation_id, stored)
    return item


def complete_clicked(services: Services, installation_id: int, value: str | None, user_id: str, shown_in: str | None) -> views.Message | None:
    """Done on the item's message, a reminder DM or the Home tab; the item as it now is when it was shown elsewhere."""
    item = complete(services, installation_id, find(services, installation_id, views.item_id_from(value)), user_id)
    return views.item_message(item) if shown_in != item.channel_id else None


def snooze(services: Services, installation_id: int, value: str | None, user_id: str, choice: str) -> str:
    """Move the due date (a day or a week, from the actor's today) and its reminders; returns the answer."""
    item = find(services, installation_id, views.item_id_from(value))
    check_can_change(item)
    zones = owner_zones(services, installation_id, item.channel_id, (user_id, *item.owner_ids))
    due = snoozed_due(item.due, local_today(services.clock.now(), zones.get(user_id)), choice)
    with services.db.write() as session:
        if move_due(session, item.id, due) is None:
            raise UserError(f"{item.ref} is already done.")
        reschedule(session, services, installation_id, item.id, zones)
    moved = find(services, installation_id, item.id)
    refresh(services, installation_id, moved)
    return f"{moved.ref} is now due {views.due_token(due)}."


def menu_chosen(services: Services, installation_id: int, value: str | None, user_id: str, trigger_id: str) -> str | None:
    """An option of an item's menu in a person's private list: what to tell them, or None when the reassign form opened."""
    item_id, choice = views.menu_choice(value)
    if choice == "reassign":
        open_reassign(services, installation_id, views.item_value(item_id), trigger_id)
        return None
    if choice == "done":
        return f"{complete(services, installation_id, find(services, installation_id, item_id), user_id).ref} is done."
    return snooze(services, installation_id, views.item_value(item_id), user_id, choice)


def open_reassign(services: Services, installation_id: int, value: str | None, trigger_id: str) -> None:
    """Open the form to choose new owners."""
    item = find(services, installation_id, views.item_id_from(value))
    check_can_change(item)
    services.gateway.open_view(trigger_id, views.reassign_modal(item))


def read_reassign(services: Services, installation_id: int, view: dict[str, Any], values: dict[str, Any], actor: str) -> Reassignment:
    """The item and its new owners, or the form's errors (an unknown person or a bot goes back into the form)."""
    item = find(services, installation_id, views.item_id_from(view.get("private_metadata")))
    try:
        owners = check_owners(tuple(values.get(Block.ACTION_OWNERS) or ()), actor)
    except UserError as problem:
        raise FormErrors({Block.ACTION_OWNERS: problem.message}) from None
    return Reassignment(item, owners, owner_zones(services, installation_id, item.channel_id, owners))


@dataclass(frozen=True)
class Reassignment:
    """A valid reassign form: the item, its new owners and their zones."""

    item: ActionItem
    owners: tuple[str, ...]
    zones: dict[str, str]


def reassign_to(services: Services, installation_id: int, actor: str, change: Reassignment) -> None:
    """Move ownership and the reminders; tell each new owner."""
    item = change.item
    with services.db.write() as session:
        if reassign(session, item.id, change.owners) is None:
            raise UserError(f"{item.ref} is already done.")
        reschedule(session, services, installation_id, item.id, change.zones)
    moved = find(services, installation_id, item.id)
    for user in (u for u in moved.owner_ids if u not in item.owner_ids):
        text, blocks = views.reassigned_message(moved, actor)
        tell_privately(services.gateway, services.db, installation_id, user, moved.channel_id, text, blocks, now=services.clock.now())
    refresh(services, installation_id, moved)


def reschedule(session: Session, services: Services, installation_id: int, item_id: int, zones: dict[str, str]) -> None:
    """Queue the item's reminders for its current owners and due date (replacing earlier ones)."""
    item = load_item(session, installation_id, item_id, services.clock.now())
    if item is not None:
        schedule_reminders(session, installation_id, item, zones, services.clock.now())


def complete(services: Services, installation_id: int, item: ActionItem, user_id: str) -> ActionItem:
    """Mark the item done (a repeat changes nothing), cancel its reminders and update its message."""
    with services.db.write() as session:
        mark_done(session, item.id, user_id, services.clock.now())
        cancel_reminders(session, installation_id, item.id)
    done = find(services, installation_id, item.id)
    refresh(services, installation_id, done)
    return done


def post_reminder(services: Services, work: ClaimedWork) -> Sent | Failed:
    """The scheduler's job: tell an owner their item on its due morning (or the next one), privately and at most once."""
    now = services.clock.now()
    with services.db.read() as session:
        item = load_item(session, work.installation_id, int(work.payload["item"]), now)
    user = str(work.payload["user"])
    # Belt and braces beside cancelling: done, snoozed or reassigned items are never reminded.
    if item is None or not item.is_open or item.version != work.payload["version"] or user not in item.owner_ids:
        return Sent({"skipped": "done, snoozed or reassigned"})
    text, blocks = views.reminder_message(item, str(work.payload["label"]))
    return tell_once(services.gateway, services.db, work, user, item.channel_id, text, blocks, now=now)


def find(services: Services, installation_id: int, item_id: int) -> ActionItem:
    """Load an item of this installation, or say it is gone."""
    with services.db.read() as session:
        return present(load_item(session, installation_id, item_id, services.clock.now()), "I cannot find this action item any more.")


def by_number(services: Services, installation_id: int, channel_id: str, ref: str) -> ActionItem:
    """The channel's item by its short id."""
    number = number_from_ref(ref)
    with services.db.read() as session:
        item = find_by_number(session, installation_id, channel_id, number, services.clock.now())
    if item is None:
        raise UserError(f"There is no action item A-{number} in this channel. `/action list` shows the open ones.")
    return item


def refresh(services: Services, installation_id: int, item: ActionItem) -> None:
    """Ask for the item's channel message to show its latest committed state (bursts coalesce)."""
    if item.message_ts:
        services.coalescer.request(item.channel_id, item.message_ts,
                                   lambda: views.item_message(find(services, installation_id, item.id)))


def home_section(session: Session, installation_id: int, user_id: str, now: datetime) -> HomeSection | None:
    """The person's open action items, overdue first, each with a Done button."""
    items = owner_items(session, installation_id, user_id, now, limit=HOME_ITEMS)
    total = count_owner_items(session, installation_id, user_id)
    if not total:
        return None
    return HomeSection("Your open action items", [b for i in items for b in views.home_item(i)], urgency=100,
                       hidden_count=total - len(items))
