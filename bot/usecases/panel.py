"""The alliance panel's buttons (the panel itself is posted by `bot.usecases.alliances.show_panel`).

Each button is the click form of a command, answered by that command's own use case, so a person of
a partner company (who cannot run the app's slash commands when their organisation has not installed the app) gets exactly
what a command would give them, privately where the command answers privately.
"""
from __future__ import annotations

from bot.services import Services
from bot.slack_edge.payloads import CommandCall
from bot.usecases import actions, alliances, consensus, digests, meetings, milestones
from bot.views import panel as views
from bot.views.ids import Action, Command

Message = views.Message
# What each button stands for: the command and its text.
COMMANDS: dict[str, tuple[Command, str]] = {
    Action.PANEL_START_DECISION: (Command.CONSENSUS, ""),
    Action.PANEL_OPEN_DECISIONS: (Command.CONSENSUS, "list"),
    Action.PANEL_DECISION_LOG: (Command.CONSENSUS, "log"),
    Action.PANEL_ADD_ITEM: (Command.ACTION, ""),
    Action.PANEL_MY_ITEMS: (Command.ACTION, "list mine"),
    Action.PANEL_CHANNEL_ITEMS: (Command.ACTION, "list"),
    Action.PANEL_PROPOSE_MEETING: (Command.MEETING, "propose"),
    Action.PANEL_MY_HOURS: (Command.MEETING, "prefs"),
    Action.PANEL_MEETINGS: (Command.MEETING, "list"),
    Action.PANEL_ADD_MILESTONE: (Command.MILESTONE, ""),
    Action.PANEL_MILESTONES: (Command.MILESTONE, "list"),
    Action.PANEL_DIGEST: (Command.DIGEST, ""),
    Action.PANEL_ALLIANCE: (Command.ALLIANCE, ""),
    Action.PANEL_EDIT_PARTNERS: (Command.ALLIANCE, "setup"),
    Action.PANEL_FEEDS: (Command.ALLIANCE, "feed"),
    Action.PANEL_BODIES: (Command.ALLIANCE, "bodies"),
}


def clicked(services: Services, installation_id: int, action_id: str, channel_id: str, user_id: str, team_id: str,
            trigger_id: str) -> Message | None:
    """A panel button: what its command answers (privately), or None when a form opened or the channel was answered."""
    command, text = COMMANDS[action_id]
    call = CommandCall(command=command, text=text, user_id=user_id, channel_id=channel_id, team_id=team_id, enterprise_id=None,
                       trigger_id=trigger_id)
    if command is Command.CONSENSUS:
        return consensus.command(services, installation_id, call)
    if command is Command.ACTION:
        return actions.command(services, installation_id, call)
    if command is Command.MEETING:
        answer = meetings.command(services, installation_id, call)
        return answer[0] if answer else None
    if command is Command.MILESTONE:
        return milestones.command(services, installation_id, call)
    if command is Command.DIGEST:
        return digests.command(services, installation_id, channel_id, text)
    return alliances.command(services, installation_id, call)
