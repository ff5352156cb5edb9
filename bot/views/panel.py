"""The alliance panel: one message the bot keeps pinned in the channel, with a button for everything a command does.

People of a partner company whose organisation has not installed the app cannot run its slash
commands or open its App Home (Slack's help article "Slack Connect guide: work with external partners"), but they can click its buttons; the panel
makes every feature reachable by clicks for everyone in the channel."""
from __future__ import annotations

from typing import Any

from bot.domain.actions import CAPTURE_REACTION
from bot.domain.alliance import Alliance
from bot.views import blocks as bk
from bot.views.ids import Action, Command

Message = tuple[str, list[dict[str, Any]]]
ADD_ITEM = "Add an action item"

# (label, action) rows, grouped by feature; each action is the click form of a command (bot/usecases/panel.py).
ROWS: tuple[tuple[str, tuple[tuple[str, Action], ...]], ...] = (
    ("*Decisions* (consensus between the partner companies)",
     (("Start a decision", Action.PANEL_START_DECISION), ("Open decisions", Action.PANEL_OPEN_DECISIONS),
      ("Decision log", Action.PANEL_DECISION_LOG))),
    ("*Action items*",
     ((ADD_ITEM, Action.PANEL_ADD_ITEM), ("My open items", Action.PANEL_MY_ITEMS),
      ("The channel's items", Action.PANEL_CHANNEL_ITEMS))),
    ("*Meetings* (fair to every time zone)",
     (("Propose a meeting", Action.PANEL_PROPOSE_MEETING), ("My working hours", Action.PANEL_MY_HOURS),
      ("Upcoming meetings", Action.PANEL_MEETINGS))),
    ("*Milestones and payments*",
     (("Add a milestone", Action.PANEL_ADD_MILESTONE), ("Milestones", Action.PANEL_MILESTONES))),
    ("*This channel*",
     (("Preview the digest", Action.PANEL_DIGEST), ("Partners and people", Action.PANEL_ALLIANCE),
      ("Edit partners", Action.PANEL_EDIT_PARTNERS), ("Governance bodies", Action.PANEL_BODIES), ("Calendar feeds", Action.PANEL_FEEDS))),
)


def panel_message(alliance: Alliance) -> Message:
    """The panel for a channel's alliance: who the partners are, and a button per thing to do."""
    partners = " · ".join(bk.escape(p.name) for p in alliance.partners) or "no partners yet"
    intro = (f"*{bk.escape(alliance.name)}* — {partners}\n"
             "Everyone in this channel, from every partner company, can use these buttons; answers only you can see "
             f"stay private. React with :{CAPTURE_REACTION}: to any message to make it an action item. People whose company "
             f"installed Alliance Bot can also type commands ({Command.CONSENSUS}, "
             f"{Command.ACTION}, {Command.MEETING}, {Command.MILESTONE}, {Command.DIGEST}).")
    blocks: list[dict[str, Any]] = [bk.header("Alliance Bot"), bk.section(intro)]
    for title, buttons in ROWS:
        blocks.append(bk.section(title))
        blocks.append(bk.actions(f"panel_{buttons[0][1].value}", [bk.button(action, label) for label, action in buttons]))
    return f"Alliance Bot for {alliance.name}: decisions, action items, meetings and milestones by click", blocks
