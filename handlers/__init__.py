"""Thin Bolt listeners, one module per feature.

Each has module-level listeners and a `register(app)` that only wires ids to functions; the
listeners find their services in Bolt's context (`bot.services.services_of`) and call the
feature's use cases in `bot/usecases/`."""
from __future__ import annotations

from slack_bolt import App

from handlers import actions, alliances, body_decisions, consensus, digests, escalation, governance, home, installs, meetings, milestones, panel

FEATURES = (actions, alliances, body_decisions, consensus, digests, escalation, governance, home, installs, meetings, milestones, panel)


def register_all(app: App) -> None:
    """Register every feature's listeners."""
    for feature in FEATURES:
        feature.register(app)
