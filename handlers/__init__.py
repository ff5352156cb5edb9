"""Thin Bolt listeners, one module per feature.

Features rebuilt on the use-case layer (issue 13) have module-level listeners and `register(app)`,
which only wires ids to functions; the listeners find their services in Bolt's context. The others
still nest their listeners in `register(app, services)` until they move."""
from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from handlers import actions, alliances, consensus, digests, home, installs, meetings, milestones

if TYPE_CHECKING:
    from bot.services import Services

FEATURES = (consensus, installs)
MODULE_LEVEL = (actions, alliances, digests, home, meetings, milestones)


def register_all(app: App, services: Services) -> None:
    """Register every feature's listeners."""
    for feature in FEATURES:
        feature.register(app, services)
    for module in MODULE_LEVEL:
        module.register(app)
