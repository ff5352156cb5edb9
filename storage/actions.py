"""Repository for action items: short per-channel numbers handed out atomically, owners, status."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.domain.actions import ActionItem, DueReport, ItemStatus, is_overdue, ref_of
from storage.models.actions import ActionCounterRow, ActionItemRow, ActionOwnerRow


def next_number(session: Session, installation_id: int, channel_id: str) -> int:
    """The channel's next item number; one upsert, so concurrent captures never get the same one."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(ActionCounterRow).values(installation_id=installation_id, channel_id=channel_id, last_number=1)
    statement = statement.on_conflict_do_update(
        index_elements=["installation_id", "channel_id"], set_={"last_number": ActionCounterRow.last_number + 1},
    ).returning(ActionCounterRow.last_number)
    return int(session.execute(statement).scalar_one())


def create_item(session: Session, *, installation_id: int, channel_id: str, text: str, owner_ids: Sequence[str],
                creator_id: str, due: date | None, notes: str | None, permalink: str | None, now: datetime) -> int:
    """Store a new open item with its owners; returns its id."""
    row = ActionItemRow(installation_id=installation_id, channel_id=channel_id, number=next_number(session, installation_id, channel_id),
                        text=text, creator_id=creator_id, due=due, notes=notes, permalink=permalink, status=ItemStatus.OPEN, version=1,
                        created_at=now)
    session.add(row)
    session.flush()
    _set_owners(session, row.id, owner_ids)
    return row.id


def _set_owners(session: Session, item_id: int, owner_ids: Sequence[str]) -> None:
    for old in session.scalars(select(ActionOwnerRow).where(ActionOwnerRow.item_id == item_id)):
        session.delete(old)
    session.flush()
    session.add_all(ActionOwnerRow(item_id=item_id, user_id=user, position=i) for i, user in enumerate(owner_ids))


def _items(session: Session, rows: Iterable[ActionItemRow], now: datetime) -> list[ActionItem]:
    rows = list(rows)
    owners: dict[int, list[str]] = {}
    ids = [r.id for r in rows]
    for start in range(0, len(ids), 500):  # SQLite's bound-parameter limit
        query = select(ActionOwnerRow).where(ActionOwnerRow.item_id.in_(ids[start:start + 500])).order_by(ActionOwnerRow.position)
        for owner in session.scalars(query):
            owners.setdefault(owner.item_id, []).append(owner.user_id)
    return [ActionItem(id=r.id, ref=ref_of(r.number), channel_id=r.channel_id, text=r.text, owner_ids=tuple(owners.get(r.id, ())),
                       creator_id=r.creator_id, due=r.due, status=ItemStatus(r.status), notes=r.notes, permalink=r.permalink,
                       message_ts=r.message_ts, created_at=r.created_at, done_at=r.done_at, done_by=r.done_by, version=r.version,
                       is_overdue=r.status == ItemStatus.OPEN and is_overdue(r.due, now)) for r in rows]


def load_item(session: Session, installation_id: int, item_id: int, now: datetime) -> ActionItem | None:
    """An item of this installation (never another workspace's)."""
    row = session.scalar(select(ActionItemRow).where(ActionItemRow.id == item_id, ActionItemRow.installation_id == installation_id))
    return _items(session, [row], now)[0] if row else None


def find_by_permalink(session: Session, installation_id: int, channel_id: str, permalink: str, now: datetime) -> ActionItem | None:
    """The channel's item captured from the message at `permalink`, if there is one (open or done)."""
    row = session.scalars(select(ActionItemRow).where(
        ActionItemRow.installation_id == installation_id, ActionItemRow.channel_id == channel_id,
        ActionItemRow.permalink == permalink).order_by(ActionItemRow.id).limit(1)).first()
    return _items(session, [row], now)[0] if row is not None else None


def find_by_number(session: Session, installation_id: int, channel_id: str, number: int, now: datetime) -> ActionItem | None:
    """The channel's item A-<number>."""
    row = session.scalar(select(ActionItemRow).where(ActionItemRow.installation_id == installation_id,
                                                     ActionItemRow.channel_id == channel_id, ActionItemRow.number == number))
    return _items(session, [row], now)[0] if row else None


def _due_order() -> tuple[ColumnElement[Any] | InstrumentedAttribute[Any], ...]:
    # Items without a due date last, then by due date, then oldest first.
    return (ActionItemRow.due.is_(None), ActionItemRow.due, ActionItemRow.id)


def channel_items(session: Session, installation_id: int, channel_id: str, now: datetime, limit: int = 50) -> list[ActionItem]:
    """The channel's open items, soonest due first."""
    query = select(ActionItemRow).where(ActionItemRow.installation_id == installation_id, ActionItemRow.channel_id == channel_id,
                                        ActionItemRow.status == ItemStatus.OPEN).order_by(*_due_order()).limit(limit)
    return _items(session, session.scalars(query), now)


def owner_items(session: Session, installation_id: int, user_id: str, now: datetime, limit: int = 500) -> list[ActionItem]:
    """A person's open items in every channel, soonest due (so the overdue) first."""
    query = (select(ActionItemRow).join(ActionOwnerRow, ActionOwnerRow.item_id == ActionItemRow.id)
             .where(ActionItemRow.installation_id == installation_id, ActionOwnerRow.user_id == user_id, ActionItemRow.status == ItemStatus.OPEN)
             .order_by(*_due_order()).limit(limit))
    return _items(session, session.scalars(query), now)


def count_owner_items(session: Session, installation_id: int, user_id: str) -> int:
    """How many open items a person owns."""
    query = (select(func.count()).select_from(ActionItemRow).join(ActionOwnerRow, ActionOwnerRow.item_id == ActionItemRow.id)
             .where(ActionItemRow.installation_id == installation_id, ActionOwnerRow.user_id == user_id, ActionItemRow.status == ItemStatus.OPEN))
    return int(session.scalar(query) or 0)


def overdue_and_due_soon(session: Session, installation_id: int, channel_id: str, now: datetime, days: int = 7) -> DueReport:
    """The channel's open items past their due date, and those due within `days` (for the digest)."""
    today = now.date()
    query = select(ActionItemRow).where(
        ActionItemRow.installation_id == installation_id, ActionItemRow.channel_id == channel_id, ActionItemRow.status == ItemStatus.OPEN,
        ActionItemRow.due.is_not(None), ActionItemRow.due <= today + timedelta(days=days)).order_by(*_due_order())
    items = _items(session, session.scalars(query), now)
    return DueReport(overdue=[i for i in items if i.is_overdue], due_soon=[i for i in items if not i.is_overdue])


def items_created_between(session: Session, installation_id: int, channel_id: str, start: datetime, end: datetime) -> list[ActionItem]:
    """Items captured in the channel in [start, end) (e.g. during a meeting), oldest first."""
    query = select(ActionItemRow).where(ActionItemRow.installation_id == installation_id, ActionItemRow.channel_id == channel_id,
                                        ActionItemRow.created_at >= start, ActionItemRow.created_at < end).order_by(ActionItemRow.id)
    return _items(session, session.scalars(query), end)


def set_message(session: Session, item_id: int, ts: str) -> None:
    """Remember which channel message shows the item."""
    session.execute(update(ActionItemRow).where(ActionItemRow.id == item_id).values(message_ts=ts))


def mark_done(session: Session, item_id: int, by_user: str, now: datetime) -> bool:
    """Close an open item; False when it was done already (a second click changes nothing)."""
    result = session.execute(update(ActionItemRow).where(ActionItemRow.id == item_id, ActionItemRow.status == ItemStatus.OPEN)
                             .values(status=ItemStatus.DONE, done_at=now, done_by=by_user))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def move_due(session: Session, item_id: int, due: date) -> int | None:
    """Set an open item's new due date and bump its version (so old reminders go stale); the new version."""
    result = session.execute(update(ActionItemRow).where(ActionItemRow.id == item_id, ActionItemRow.status == ItemStatus.OPEN)
                             .values(due=due, version=ActionItemRow.version + 1).returning(ActionItemRow.version))
    return result.scalar()


def reassign(session: Session, item_id: int, owner_ids: Sequence[str]) -> int | None:
    """Give an open item new owners and bump its version; the new version, or None when it is done."""
    result = session.execute(update(ActionItemRow).where(ActionItemRow.id == item_id, ActionItemRow.status == ItemStatus.OPEN)
                             .values(version=ActionItemRow.version + 1).returning(ActionItemRow.version))
    version = result.scalar()
    if version is not None:
        _set_owners(session, item_id, owner_ids)
    return version


def delete_item(session: Session, item_id: int) -> None:
    """Remove an item that never reached the channel (Slack refused its message)."""
    row = session.get(ActionItemRow, item_id)
    if row is not None:
        session.delete(row)
