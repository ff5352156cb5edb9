"""How a person was last reached privately is kept per installation and person."""
from __future__ import annotations

from datetime import timedelta

from bot.domain.reach import KnownRoute, Route
from storage.db import Database
from storage.installations import ensure_installation
from storage.private_routes import load_route, save_route
from tests.storage.helpers import T0, installation


def test_a_route_is_recorded_replaced_and_kept_apart_per_installation(database: Database) -> None:
    alpha = installation(database)
    with database.write() as session:
        gamma = ensure_installation(session, enterprise_id=None, team_id="T0GAMMA", team_name="Gamma", bot_user_id="UBOT2", now=T0)
    assert load_route(database, alpha, "UKENJI") is None
    save_route(database, alpha, "UKENJI", Route.EPHEMERAL, checked_at=T0)
    assert load_route(database, alpha, "UKENJI") == KnownRoute(Route.EPHEMERAL, T0)
    assert load_route(database, gamma, "UKENJI") is None
    save_route(database, alpha, "UKENJI", Route.DM, checked_at=T0 + timedelta(days=8))
    assert load_route(database, alpha, "UKENJI") == KnownRoute(Route.DM, T0 + timedelta(days=8))
