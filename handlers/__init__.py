"""Thin Bolt listeners, one module per feature, each with `register(app, services)`."""
from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from handlers import actions, alliances, consensus, digests, home, installs, meetings, milestones

if TYPE_CHECKING:
    from bot.services import Services

FEATURES = (alliances, consensus, actions, home, meetings, milestones, digests, installs)


def register_all(app: App, services: Services) -> None:
    """Register every feature's listeners."""
    for feature in FEATURES:
        feature.register(app, services)
