"""Repository of how each person was last reached privately (DM or an ephemeral in the channel)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain.reach import KnownRoute, Route
from storage.db import Database
from storage.models.installations import PrivateRouteRow


def known_route(session: Session, installation_id: int, user_id: str) -> KnownRoute | None:
    """The route recorded for a person of this installation, if any."""
    row = session.get(PrivateRouteRow, (installation_id, user_id))
    return KnownRoute(Route(row.route), row.checked_at) if row is not None else None


def record_route(session: Session, installation_id: int, user_id: str, route: Route, *, checked_at: datetime) -> None:
    """Remember the route that worked for a person and when a DM to them was last tried."""
    row = session.get(PrivateRouteRow, (installation_id, user_id))
    if row is None:
        row = PrivateRouteRow(installation_id=installation_id, user_id=user_id)
        session.add(row)
    row.route, row.checked_at = route.value, checked_at


def save_route(db: Database, installation_id: int, user_id: str, route: Route, *, checked_at: datetime) -> None:
    """Record a route in its own short transaction; a concurrent first record of the same person is updated instead."""
    for attempt in (1, 2):
        try:
            with db.write() as session:
                record_route(session, installation_id, user_id, route, checked_at=checked_at)
            return
        except IntegrityError:
            if attempt == 2:
                raise


def load_route(db: Database, installation_id: int, user_id: str) -> KnownRoute | None:
    """The recorded route, read in its own short transaction."""
    with db.read() as session:
        return known_route(session, installation_id, user_id)
