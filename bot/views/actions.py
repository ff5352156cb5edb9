"""Action items in Block Kit: the capture form, the item message with its buttons, lists and DMs."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Any

from bot.domain.actions import CAPTURE_REACTION, MAX_TEXT, ActionItem
from bot.domain.errors import UserError
from bot.views import blocks as bk
from bot.views.ids import Action, Block, Callback, Command
from bot.views.metadata import pack, unpack
from bot.views.panel import ADD_ITEM

Message = tuple[str, list[dict[str, Any]]]
SNOOZE_ACTIONS = {Action.ACTION_SNOOZE_DAY: "1d", Action.ACTION_SNOOZE_WEEK: "1w"}
HELP = (f"*{Command.ACTION}* keeps track of who does what by when.\n"
        f"• `{Command.ACTION} Send the CMC data package @maria by friday` — owners are the people you @-mention "
        "(you, if nobody); the due date comes after the last `by`, read in your time zone: `tomorrow`, `friday`, "
        "`next friday`, `in 2 weeks`, `jan 15`, `end of march` or `YYYY-MM-DD`. When the words after `by` look like a date "
        "I cannot read (`by nxt friday`), nothing is created and I tell you why; `by` followed by anything else "
        "(`reviewed by legal`) stays in the text\n"
        f"• `{Command.ACTION}` — a form with owners, a due date and notes; or *Create action item* in any message's ⋮ menu\n"
        f"• `{Command.ACTION} list` — this channel's open items; `{Command.ACTION} list mine` — yours everywhere\n"
        f"• `{Command.ACTION} done A-3` — mark an item done (or click *Done* on it)\n"
        "• Owners get a DM at 09:00 their time on the due date, and one more the next working morning if it is still open\n"
        f"• `{Command.ACTION} help` — this help")


@dataclass(frozen=True)
class ItemDraft:
    """What the capture form carries in private_metadata: where it was opened, and the source message."""

    channel_id: str
    permalink: str | None = None

    def encode(self) -> str:
        """Serialise for private_metadata (a permalink is well under Slack's 3000 characters)."""
        return pack(channel_id=self.channel_id, permalink=self.permalink)

    @classmethod
    def decode(cls, raw: str | None) -> ItemDraft:
        """Read it back; stale or foreign metadata is a user-facing error."""
        data = unpack(raw, "This form is out of date. Close it and run `/action` again.", channel_id=str, permalink=(str, None))
        return cls(data["channel_id"], data["permalink"] or None)


def item_value(item_id: int) -> str:
    """What an item's buttons carry: a versioned reference to the item."""
    return pack(item=item_id)


# What a private list's item menu offers: Done, the two snoozes (SNOOZE_ACTIONS' choices) and Reassign.
MENU_CHOICES = (("done", "Done"), ("1d", "Snooze 1 day"), ("1w", "Snooze 1 week"), ("reassign", "Reassign"))


def menu_choice(value: str | None) -> tuple[int, str]:
    """An item menu's chosen option: the item and what to do with it."""
    read = unpack(value, "This menu is out of date. Open your items again for a fresh one.", item=int, choice=str)
    if read["choice"] not in dict(MENU_CHOICES):
        raise UserError("This menu is out of date. Open your items again for a fresh one.")
    return int(read["item"]), str(read["choice"])


def _menu(item_id: int) -> dict[str, Any]:
    return {"type": "overflow", "action_id": Action.ACTION_MENU,
            "options": [bk.option(label, pack(item=item_id, choice=choice)) for choice, label in MENU_CHOICES]}


def item_id_from(value: str | None) -> int:
    """Read a button value or modal metadata back; stale ones are a user-facing error."""
    stale = "This button is out of date. Open the list again (`/action list`, or the pinned panel's *My open items*) for fresh ones."
    return int(unpack(value, stale, item=int)["item"])


def due_token(due: date) -> str:
    """The due date as a Slack date token (noon UTC shows the same calendar day from UTC-11 to UTC+11)."""
    noon = datetime.combine(due, time(12, 0), tzinfo=timezone.utc)
    return bk.date_token(noon.timestamp(), "{date_short_pretty}", due.isoformat())


def _summary(item: ActionItem, *, with_channel: bool = False) -> str:
    due = f"due {due_token(item.due)}" if item.due else "no due date"
    late = " :warning: *overdue*" if item.is_overdue else ""
    where = f" in <#{item.channel_id}>" if with_channel else ""
    return f"*{item.ref}*{where} {bk.escape(bk.clip(item.text, 500))}\n{bk.mention_list(item.owner_ids, 10)} · {due}{late}"


def _button(action_id: str, label: str, item_id: int, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {"type": "button", "action_id": action_id, "text": bk.plain(label, 75), "value": item_value(item_id)}
    if style:
        button["style"] = style
    return button


def item_message(item: ActionItem) -> Message:
    """The compact channel message of one item; it is updated in place as the item changes."""
    text = f"Action item {item.ref}: {bk.clip(item.text, 200)}"
    if not item.is_open:
        done = f"<@{item.done_by}>" if item.done_by else "someone"
        when = f" {bk.date_token(item.done_at.timestamp(), '{date_short_pretty}', item.done_at.date().isoformat())}" if item.done_at else ""
        return text, [bk.section(f":white_check_mark: ~*{item.ref}* {bk.escape(bk.clip(item.text, 500))}~\nDone by {done}{when}")]
    out = [bk.section(f":pushpin: {_summary(item)}")]
    extras = []
    if item.notes:
        extras.append(bk.escape(bk.clip(item.notes, 300)))
    if item.permalink:
        extras.append(f"<{item.permalink}|From this message>")
    if extras:
        out.append(bk.context(*extras))
    out.append({"type": "actions", "block_id": Block.ACTION_BUTTONS, "elements": [
        _button(Action.ACTION_DONE, "Done", item.id, "primary"),
        _button(Action.ACTION_SNOOZE_DAY, "Snooze 1 day", item.id),
        _button(Action.ACTION_SNOOZE_WEEK, "Snooze 1 week", item.id),
        _button(Action.ACTION_REASSIGN, "Reassign", item.id)]})
    return text, out


def action_item_modal(*, channel_id: str, text: str = "", permalink: str | None = None) -> dict[str, Any]:
    """The "new action item" form: `/action` with no text and the message shortcut open it."""
    blocks = [
        bk.text_input(Block.ACTION_TEXT, Action.ACTION_TEXT, "What needs doing", initial=bk.clip(text, MAX_TEXT), multiline=True,
                      max_length=MAX_TEXT),
        bk.users_input(Block.ACTION_OWNERS, Action.ACTION_OWNERS, "Owners (you, if nobody)"),
        {"type": "input", "block_id": Block.ACTION_DUE, "label": bk.plain("Due date"), "optional": True,
         "element": {"type": "datepicker", "action_id": Action.ACTION_DUE, "placeholder": bk.plain("No due date")}},
        bk.text_input(Block.ACTION_NOTES, Action.ACTION_NOTES, "Notes", optional=True, multiline=True, max_length=2000),
    ]
    if permalink:
        blocks.append(bk.context(f"Links back to <{permalink}|the message>"))
    return bk.modal(Callback.NEW_ACTION_ITEM, "New action item", blocks, submit="Create",
                    private_metadata=ItemDraft(channel_id, permalink).encode())


def reassign_modal(item: ActionItem) -> dict[str, Any]:
    """Choose the item's new owners."""
    blocks = [bk.section(_summary(item)),
              bk.users_input(Block.ACTION_OWNERS, Action.ACTION_OWNERS, "New owners", initial=item.owner_ids, optional=False)]
    return bk.modal(Callback.REASSIGN_ACTION, f"Reassign {item.ref}", blocks, submit="Reassign", private_metadata=item_value(item.id))


def help_message() -> Message:
    """How /action works."""
    return "How to use /action", [bk.section(HELP)]


def item_list(items: list[ActionItem], *, mine: bool) -> Message:
    """Open items, soonest due first (ephemeral)."""
    title = "Your open action items" if mine else "Open action items in this channel"
    if not items:
        return title, [bk.section(f"*{title}*\nNothing open. Capture one with `/action <text> @owner by <date>`, "
                                   f"the pinned panel's *{ADD_ITEM}* or a :{CAPTURE_REACTION}: reaction on a message.")]
    shown = items[:40]
    # A person's own items carry a menu (Done, Snooze, Reassign): from this private list, without the channel's messages.
    out = [bk.header(title)] + [{**bk.section(_summary(i, with_channel=mine)), **({"accessory": _menu(i.id)} if mine else {})}
                                for i in shown]
    if len(items) > len(shown):
        out.append(bk.context(f"…and {len(items) - len(shown)} more."))
    return title, out


def done_answer(item: ActionItem) -> Message:
    """The private confirmation of `/action done`."""
    return f"{item.ref} is done", [bk.section(f":white_check_mark: *{item.ref}* is done.")]


def reminder_message(item: ActionItem, label: str) -> Message:
    """The owner's DM: due today, or still open the working day after."""
    lead = "is due today" if label == "due" else "is overdue"
    text = f"Action item {item.ref} {lead}"
    body = f":alarm_clock: Your action item {lead}:\n{_summary(item, with_channel=True)}"
    if item.permalink:
        body += f"\n<{item.permalink}|Where it was agreed>"
    return text, [bk.section(body), {"type": "actions", "block_id": Block.ACTION_BUTTONS, "elements": [
        _button(Action.ACTION_DONE, "Done", item.id, "primary"),
        _button(Action.ACTION_SNOOZE_DAY, "Snooze 1 day", item.id),
        _button(Action.ACTION_SNOOZE_WEEK, "Snooze 1 week", item.id)]}]


def reassigned_message(item: ActionItem, by_user: str) -> Message:
    """Tell a new owner what they now own."""
    return (f"You now own action item {item.ref}",
            [bk.section(f":inbox_tray: <@{by_user}> gave you an action item:\n{_summary(item, with_channel=True)}")])


def home_item(item: ActionItem) -> list[dict[str, Any]]:
    """One open item on its owner's Home tab, with a Done button that works from there."""
    block = bk.section(_summary(item, with_channel=True))
    block["accessory"] = _button(Action.ACTION_DONE_HOME, "Done", item.id, "primary")
    return [block]
