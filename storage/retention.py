"""Export and delete everything one alliance (a channel of one installation) left in the database.

Tables are discovered from the models' metadata, so a feature's new tables are covered without
touching this module: a table with `installation_id` and `channel_id` columns belongs to a channel
directly; a table with a foreign key into such a table (at any depth) belongs to it through its
parent. Due work has no channel column; a row belongs to an alliance when its payload names the
channel (`channel` or `channel_id`) or a row of the alliance by its table's singular name
(`{"decision": 7}` for a row of `decisions`, `{"milestone_id": 3}` for `milestones`), or when its
key starts `<installation>:<singular>:<id>:` the same way.

One thing is left out of an export: what an open anonymous decision has counted so far (the counts
and concerns of its running round, and its governance load's concerns). Two exports taken before
and after someone's vote would otherwise show what they chose (docs/anonymity.md).
"""
from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, delete, false, or_, select, update
from sqlalchemy.orm import Session

from bot.domain.consensus import DecisionStatus
from bot.domain.disclosure import sealed
from storage.models import Base
from storage.models.alliances import AllianceRow
from storage.models.decisions import AnonymousTallyRow, DecisionRow, RoundRow
from storage.models.due_work import DueWorkRow
from storage.models.installations import InstallationRow

# Tables that belong to no channel and are left alone by a per-alliance delete: the workspace
# itself, the per-workspace member cache and people's meeting preferences, Slack's delivery bookkeeping, and due work (matched by
# payload instead, see above). A new table that is neither channel-scoped nor listed here makes
# tests/storage/test_retention.py fail, so nobody forgets to decide where it belongs.
NOT_PER_ALLIANCE = frozenset({"installations", "slack_users", "processed_events", "request_signatures", "due_work",
                              "meeting_prefs",  # a person's working hours, used in every alliance
                              "private_routes",  # how a person is reached privately, in every alliance
                              "installation_tokens", "oauth_states", "scheduler_lease"})
# Tables with no workspace at all (Slack's delivery bookkeeping is keyed by globally unique ids;
# an OAuth state exists before there is an installation; the scheduler lease is the deployment's).
GLOBAL_TABLES = frozenset({"processed_events", "request_signatures", "oauth_states", "scheduler_lease"})


@dataclass(frozen=True)
class ChannelScope:
    """How a table reaches an alliance: directly (`root`) or through foreign keys into its parents."""

    table: Table
    parents: tuple[tuple[str, Table, str], ...] = ()  # (our column, parent table, parent column)

    @property
    def root(self) -> bool:
        return not self.parents


def channel_scopes(tables: Iterable[Table] | None = None) -> dict[str, ChannelScope]:
    """Every table that belongs to a channel, by name, parents before children."""
    ordered = list(tables) if tables is not None else list(Base.metadata.sorted_tables)
    scopes: dict[str, ChannelScope] = {}
    for table in ordered:
        if {"installation_id", "channel_id"} <= set(table.c.keys()):
            scopes[table.name] = ChannelScope(table)
            continue
        parents = tuple((fk.parent.name, fk.column.table, fk.column.name) for fk in table.foreign_keys
                        if fk.column.table.name in scopes)
        if parents:
            scopes[table.name] = ChannelScope(table, parents)
    return scopes


def _condition(scope: ChannelScope, scopes: dict[str, ChannelScope], installation_id: int, channel_id: str) -> ColumnElement[bool]:
    """The rows of `scope.table` that belong to the alliance."""
    table = scope.table
    if scope.root:
        return and_(table.c.installation_id == installation_id, table.c.channel_id == channel_id)
    return or_(*(table.c[column].in_(select(parent.c[parent_column]).where(
        _condition(scopes[parent.name], scopes, installation_id, channel_id))) for column, parent, parent_column in scope.parents))


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


def _rows(session: Session, table: Table, where: ColumnElement[bool]) -> list[dict[str, Any]]:
    order = list(table.primary_key.columns) or list(table.c)
    result = session.execute(select(table).where(where).order_by(*order))
    return [{key: _jsonable(value) for key, value in row._mapping.items()} for row in result]


def _singular(name: str) -> str:
    return name[:-1] if name.endswith("s") else name


def _due_work_condition(session: Session, installation_id: int, channel_id: str,
                        ids: dict[str, list[Any]]) -> ColumnElement[bool]:
    """Due work of the installation that belongs to the alliance (see the module docstring)."""
    names = {_singular(table): {str(i) for i in found} for table, found in ids.items() if found}
    matching: list[int] = []
    for row_id, key, payload in session.execute(select(DueWorkRow.id, DueWorkRow.key, DueWorkRow.payload)
                                                .where(DueWorkRow.installation_id == installation_id)):
        payload = payload if isinstance(payload, dict) else {}
        if channel_id in (payload.get("channel"), payload.get("channel_id")):
            matching.append(row_id)
            continue
        parts = key.split(":")
        by_key = len(parts) > 2 and parts[0] == str(installation_id) and parts[2] in names.get(parts[1], ())
        by_payload = any(str(payload.get(name, payload.get(f"{name}_id"))) in found for name, found in names.items()
                         if name in payload or f"{name}_id" in payload)
        if by_key or by_payload:
            matching.append(row_id)
    return DueWorkRow.id.in_(matching) if matching else false()


@dataclass
class AllianceData:
    """Everything one alliance left in the database, table by table."""

    installation_id: int
    channel_id: str
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(self.tables.values())

    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, rows in self.tables.items() if rows}


def _root_ids(session: Session, scopes: dict[str, ChannelScope], installation_id: int, channel_id: str) -> dict[str, list[Any]]:
    ids: dict[str, list[Any]] = {}
    for name, scope in scopes.items():
        if "id" in scope.table.c:
            ids[name] = list(session.scalars(select(scope.table.c.id).where(_condition(scope, scopes, installation_id, channel_id))))
    return ids


def alliance_data(session: Session, installation_id: int, channel_id: str) -> AllianceData:
    """Read every row that belongs to the alliance in `channel_id` of the installation."""
    scopes = channel_scopes()
    data = AllianceData(installation_id, channel_id)
    for name, scope in scopes.items():
        data.tables[name] = _rows(session, scope.table, _condition(scope, scopes, installation_id, channel_id))
    ids = _root_ids(session, scopes, installation_id, channel_id)
    data.tables[DueWorkRow.__tablename__] = _rows(session, DueWorkRow.__table__,  # type: ignore[arg-type]
                                                  _due_work_condition(session, installation_id, channel_id, ids))
    _withhold_sealed_counts(data.tables)
    for row in data.tables.get("calendar_feeds", ()):
        row["token"] = None  # a feed's token is its whole credential: an export is no place for it
    return data


def _withhold_sealed_counts(tables: dict[str, list[dict[str, Any]]]) -> None:
    """Blank what open anonymous decisions have counted (bot.domain.disclosure.sealed): their running
    round's counts and concerns, and their governance load's concerns. Who has voted (`ballots`) stays."""
    running = {row["id"] for row in tables.get(DecisionRow.__tablename__, ())
               if sealed(bool(row["anonymous"]), running=row["status"] == DecisionStatus.OPEN)}
    rounds = {row["id"] for row in tables.get(RoundRow.__tablename__, ()) if row["decision_id"] in running and row["ended_at"] is None}
    for row in tables.get(DecisionRow.__tablename__, ()):
        if row["id"] in running:
            row["load_concerns"] = None
    for row in tables.get(AnonymousTallyRow.__tablename__, ()):
        if row["round_id"] in rounds:
            row["count"], row["concerns"] = None, None


def delete_alliance(session: Session, installation_id: int, channel_id: str) -> dict[str, int]:
    """Delete every row that belongs to the alliance; how many went from each table.

    Children go before their parents (the subqueries still find the parents), so this works
    whether or not the database enforces ON DELETE CASCADE.
    """
    scopes = channel_scopes()
    ids = _root_ids(session, scopes, installation_id, channel_id)
    deleted: dict[str, int] = {}
    due = _due_work_condition(session, installation_id, channel_id, ids)
    deleted[DueWorkRow.__tablename__] = int(session.execute(delete(DueWorkRow).where(due)).rowcount)  # type: ignore[attr-defined]
    for name, scope in reversed(list(scopes.items())):
        result = session.execute(delete(scope.table).where(_condition(scope, scopes, installation_id, channel_id)))
        deleted[name] = int(result.rowcount)  # type: ignore[attr-defined]
    return {name: count for name, count in deleted.items() if count}


def alliance_channels(session: Session, installation_id: int) -> list[str]:
    """Every channel of the installation that has rows in some channel-scoped table."""
    channels: set[str] = set()
    for scope in channel_scopes().values():
        if scope.root:
            channels.update(session.scalars(select(scope.table.c.channel_id).where(
                scope.table.c.installation_id == installation_id).distinct()))
    return sorted(channels)


@dataclass(frozen=True)
class InstallationRef:
    """An installation as operators name it."""

    id: int
    team_id: str
    enterprise_id: str
    team_name: str


def installations(session: Session) -> list[InstallationRef]:
    """Every installation in the database."""
    rows = session.execute(select(InstallationRow.id, InstallationRow.team_id, InstallationRow.enterprise_id,
                                  InstallationRow.team_name).order_by(InstallationRow.id))
    return [InstallationRef(*row) for row in rows]


def move_alliance(session: Session, installation_id: int, to_installation: int, channel_id: str) -> dict[str, int]:
    """Move every row of the alliance in `channel_id` from `installation_id` to `to_installation` (a shared channel whose
    home installation uninstalled; storage/channel_homes.py); how many rows moved from each table.

    Rows reached through a parent move with it. Due work keeps its place in the queue; a key that starts with
    the old installation's id starts with the new one's. Nothing moves, and an empty dict comes back, when the
    other installation already has rows in that channel (two alliances are not merged by guesswork), or when a
    concurrent move took the alliance first (its row is moved first, as the claim: the loser's UPDATE waits for the
    winner's commit and then finds nothing to move)."""
    scopes = channel_scopes()
    roots = {name: scope for name, scope in scopes.items() if scope.root and name != "channel_sightings"}
    for scope in roots.values():
        if session.scalar(select(scope.table.c.channel_id).where(
                scope.table.c.installation_id == to_installation, scope.table.c.channel_id == channel_id).limit(1)) is not None:
            return {}
    ids = _root_ids(session, scopes, installation_id, channel_id)
    claimed = session.execute(update(AllianceRow).where(AllianceRow.installation_id == installation_id, AllianceRow.channel_id == channel_id)
                              .values(installation_id=to_installation).returning(AllianceRow.id)).all()
    if not claimed:
        return {}
    moved: dict[str, int] = {AllianceRow.__tablename__: len(claimed)}
    old_prefix, new_prefix = f"{installation_id}:", f"{to_installation}:"
    due = session.execute(select(DueWorkRow.id, DueWorkRow.key).where(
        _due_work_condition(session, installation_id, channel_id, ids))).all()
    for row_id, key in due:
        session.execute(update(DueWorkRow).where(DueWorkRow.id == row_id).values(
            installation_id=to_installation, key=new_prefix + key[len(old_prefix):] if key.startswith(old_prefix) else key))
    moved[DueWorkRow.__tablename__] = len(due)
    for name, scope in roots.items():
        if name == AllianceRow.__tablename__:
            continue
        result = session.execute(update(scope.table).where(
            scope.table.c.installation_id == installation_id, scope.table.c.channel_id == channel_id).values(installation_id=to_installation))
        moved[name] = int(result.rowcount)  # type: ignore[attr-defined]
    return {name: count for name, count in moved.items() if count}
