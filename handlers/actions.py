"""`/action`, the "Create action item" message shortcut, and the buttons on an item."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from slack_bolt import Ack, App, BoltContext, Respond

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
from bot.domain.errors import FormErrors, UserError
from bot.domain.mentions import check_known
from bot.scheduler.actions import cancel_reminders, schedule_reminders
from bot.slack_edge.errors import answer_errors
from bot.slack_edge.gateway import SlackCallError
from bot.slack_edge.payloads import Actor, CommandCall, state_values
from bot.views import actions as views
from bot.views.home import HomeSection
from bot.views.ids import Action, Block, Callback, Command
from storage.actions import (
    count_owner_items,
    create_item,
    delete_item,
    find_by_number,
    load_item,
    mark_done,
    move_due,
    owner_items,
    reassign,
    set_message,
    channel_items,
)
from storage.alliances import get_alliance
from storage.db import Session

if TYPE_CHECKING:
    from bot.services import Services

HOME_ITEMS = 60
T = TypeVar("T")


def register(app: App, services: Services) -> None:
    """Attach the /action listeners."""
    guard = answer_errors(services)

    @app.command(Command.ACTION)
    @guard
    def action_command(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        """`/action <text> [@owner] [by <date>]` captures; `list [mine]`, `done <id>` and `help` answer privately."""
        ack()
        call, installation_id = CommandCall.parse(body), context["installation_id"]
        asked, now = subcommand_of(call.text), services.clock.now()
        if asked == "form":
            services.gateway.open_view(call.trigger_id, views.action_item_modal(channel_id=call.channel_id))
            return
        if asked == "capture":
            capture_from_command(services, installation_id, call)
            return
        if asked in ("list", "mine"):
            with services.db.read() as session:
                found = (owner_items(session, installation_id, call.user_id, now) if asked == "mine"
                         else channel_items(session, installation_id, call.channel_id, now))
            text, blocks = views.item_list(found, mine=asked == "mine")
        elif asked == "done":
            ref = call.text.split(None, 1)[1]
            item = complete(services, installation_id, by_number(services, installation_id, call.channel_id, ref), call.user_id)
            text, blocks = views.done_answer(item)
        else:
            text, blocks = views.help_message()
        respond(text=text, blocks=blocks, response_type="ephemeral")

    @app.shortcut(Callback.ACTION_SHORTCUT)
    @guard
    def from_message(ack: Ack, body: dict[str, Any]) -> None:
        """"Create action item" on a message: the form, prefilled with the message and a link back to it."""
        ack()
        channel_id, message = body["channel"]["id"], body.get("message") or {}
        try:
            link: str | None = services.gateway.permalink(channel_id, str(body.get("message_ts") or message.get("ts")))
        except SlackCallError:  # e.g. a message Slack no longer has: the item is still worth creating
            link = None
        services.gateway.open_view(body["trigger_id"], views.action_item_modal(channel_id=channel_id, text=str(message.get("text") or ""),
                                                                               permalink=link))

    @app.view(Callback.NEW_ACTION_ITEM)
    @guard
    def form_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """Field errors go back into the form; a valid one posts the item."""
        view, values, creator = body["view"], state_values(body["view"]), Actor.from_interaction(body).user_id
        installation_id = context["installation_id"]
        try:
            draft = views.ItemDraft.decode(view.get("private_metadata"))
            owners = tuple(values.get(Block.ACTION_OWNERS) or ())
            zones = owner_zones(services, installation_id, draft.channel_id, (creator, *owners))
            text, owners, due = read_form(values, creator, local_today(services.clock.now(), zones.get(creator)))
        except FormErrors as errors:
            ack(response_action="errors", errors=errors.errors)
            return
        ack()
        # A view submission names no channel; this lets the error boundary answer in the form's
        # channel (or by DM when the bot is not in it) if posting the item fails.
        body.setdefault("channel", {"id": draft.channel_id})
        capture(services, installation_id, draft.channel_id, creator, text, owners, due,
                (values.get(Block.ACTION_NOTES) or "").strip() or None, draft.permalink, zones)

    @app.action(Action.ACTION_DONE)
    @guard
    def done_clicked(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        """Done on the item's message or in a reminder DM."""
        ack()
        item = complete(services, context["installation_id"], item_of(services, context["installation_id"], body), Actor.from_interaction(body).user_id)
        if (body.get("container") or {}).get("channel_id") != item.channel_id:
            text, blocks = views.item_message(item)  # the reminder DM shows the item as done
            respond(text=text, blocks=blocks, replace_original=True)

    for action_id, choice in views.SNOOZE_ACTIONS.items():
        app.action(action_id)(guard(snooze_listener(services, choice)))

    @app.action(Action.ACTION_REASSIGN)
    @guard
    def reassign_clicked(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """Open the form to choose new owners."""
        ack()
        item = item_of(services, context["installation_id"], body)
        check_can_change(item)
        services.gateway.open_view(body["trigger_id"], views.reassign_modal(item))

    @app.view(Callback.REASSIGN_ACTION)
    @guard
    def reassign_submitted(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        """Move ownership and the reminders; tell each new owner. A bot or unknown person goes back into the form."""
        installation_id, actor = context["installation_id"], Actor.from_interaction(body).user_id
        try:
            item = find(services, installation_id, views.item_id_from(body["view"].get("private_metadata")))
            owners = check_owners(tuple(state_values(body["view"]).get(Block.ACTION_OWNERS) or ()), actor)
            zones = owner_zones(services, installation_id, item.channel_id, owners)
        except FormErrors as errors:
            ack(response_action="errors", errors=errors.errors)
            return
        except UserError as problem:
            ack(response_action="errors", errors={Block.ACTION_OWNERS: problem.message})
            return
        ack()
        with services.db.write() as session:
            if reassign(session, item.id, owners) is None:
                raise UserError(f"{item.ref} is already done.")
            reschedule(session, services, installation_id, item.id, zones)
        moved = find(services, installation_id, item.id)
        for user in (u for u in moved.owner_ids if u not in item.owner_ids):
            text, blocks = views.reassigned_message(moved, actor)
            services.gateway.post_message(user, text, blocks)
        refresh(services, installation_id, moved)


def snooze_listener(services: Services, choice: str) -> Any:
    """A listener for one snooze button: move the due date and its reminders."""

    def on_click(ack: Ack, body: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        ack()
        installation_id, actor = context["installation_id"], Actor.from_interaction(body).user_id
        item = item_of(services, installation_id, body)
        check_can_change(item)
        zones = owner_zones(services, installation_id, item.channel_id, (actor, *item.owner_ids))
        due = snoozed_due(item.due, local_today(services.clock.now(), zones.get(actor)), choice)
        with services.db.write() as session:
            if move_due(session, item.id, due) is None:
                raise UserError(f"{item.ref} is already done.")
            reschedule(session, services, installation_id, item.id, zones)
        moved = find(services, installation_id, item.id)
        refresh(services, installation_id, moved)
        respond(text=f"{moved.ref} is now due {views.due_token(due)}.", response_type="ephemeral", replace_original=False)

    return on_click


def read_form(values: dict[str, Any], creator: str, today: date) -> tuple[str, tuple[str, ...], date | None]:
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
    picked = values.get(Block.ACTION_DUE)
    due = field(Block.ACTION_DUE, lambda: check_due(date.fromisoformat(picked) if picked else None, today), None)
    if errors:
        raise FormErrors(errors)
    return text, owners, due


def owner_zones(services: Services, installation_id: int, channel_id: str, user_ids: Sequence[str]) -> dict[str, str]:
    """Each person's Slack time zone; without one, the alliance's zone, else UTC. Unknown people are refused."""
    wanted = list(dict.fromkeys(user_ids))
    found = {m.user_id: m for m in services.directory.users(installation_id, wanted)}
    try:
        check_known(wanted, found.values())
    except UserError as problem:
        raise FormErrors({Block.ACTION_OWNERS: problem.message}) from None
    with services.db.read() as session:
        alliance = get_alliance(session, installation_id, channel_id)
    fallback = alliance.time_zone if alliance else "UTC"
    return {u: found[u].tz or fallback for u in wanted}


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
        if error.category != "uncertain":  # an uncertain post may have landed: keep what its buttons point at
            with services.db.write() as session:
                cancel_reminders(session, installation_id, item_id)
                delete_item(session, item_id)
        raise
    with services.db.write() as session:
        set_message(session, item_id, ts)
    return item


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


def find(services: Services, installation_id: int, item_id: int) -> ActionItem:
    """Load an item of this installation, or say it is gone."""
    with services.db.read() as session:
        item = load_item(session, installation_id, item_id, services.clock.now())
    if item is None:
        raise UserError("I cannot find this action item any more.")
    return item


def item_of(services: Services, installation_id: int, body: dict[str, Any]) -> ActionItem:
    """The item a button belongs to."""
    return find(services, installation_id, views.item_id_from(body["actions"][0].get("value")))


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


def actions_home_section(session: Session, installation_id: int, user_id: str, now: datetime) -> HomeSection | None:
    """The person's open action items, overdue first, each with a Done button."""
    items = owner_items(session, installation_id, user_id, now, limit=HOME_ITEMS)
    total = count_owner_items(session, installation_id, user_id)
    if not total:
        return None
    return HomeSection("Your open action items", [b for i in items for b in views.home_item(i)], urgency=100,
                       hidden_count=total - len(items))
