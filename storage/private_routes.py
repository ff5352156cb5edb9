"""Repository of how each person was last reached privately (DM or an ephemeral in the channel)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain.reach import KnownRoute, Route
from storage.db import Database
from storage.models.installations import PrivateRouteRow


def known_route(session: Session, installation_id: int, user_id: str) -> KnownRoute | None:
    """The route recorded for a person of this installation, if any."""
    row = session.get(PrivateRouteRow, (installation_id, user_id))
    return KnownRoute(Route(row.route), row.checked_at) if row is not None else None


def known_routes(session: Session, installation_id: int, user_ids: Sequence[str]) -> dict[str, KnownRoute]:
    """The routes recorded for these people of this installation (people with none are left out)."""
    rows = session.scalars(select(PrivateRouteRow).where(PrivateRouteRow.installation_id == installation_id,
                                                         PrivateRouteRow.user_id.in_(list(user_ids)[:1000])))
    return {r.user_id: KnownRoute(Route(r.route), r.checked_at) for r in rows}


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
