"""Engines and units of work; nothing here connects at import time."""
from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine, event, exc, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

__all__ = ["Database", "Session", "insert_if_absent", "make_engine", "normalise_url", "open_database"]

SQLITE_BUSY_TIMEOUT_MS = 10_000
# A pooled connection idle for longer than this is pinged before use (the database may have
# restarted); one handed back moments ago is not: under load the ping was a round trip per unit
# of work, about a seventh of the HTTP workers' busy time in the load benchmark.
PING_AFTER_IDLE = 2.0


def normalise_url(url: str) -> str:
    """Pick the psycopg 3 driver for plain PostgreSQL URLs (SQLAlchemy defaults to psycopg2)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Build an engine; SQLite gets WAL, a busy timeout and explicit BEGIN control."""
    url = normalise_url(url)
    # A failed statement's parameters stay out of its exception (and so out of logged tracebacks):
    # they hold confidential text and, for an anonymous vote, a voter or a level (docs/anonymity.md).
    kwargs.setdefault("hide_parameters", True)
    if make_url(url).get_backend_name() != "sqlite":
        # 16 HTTP threads, 32 listener threads and the scheduler share the pool; PostgreSQL's
        # default max_connections (100) must still cover every worker process (20 each here).
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 10)
        engine = create_engine(url, **kwargs)
        _ping_when_idle(engine)
        return engine
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so the "begin" hook below decides.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A deferred transaction that reads then writes fails at once with SQLITE_BUSY whatever
        # busy_timeout says, so writers take the write lock up front; readers stay deferred.
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Pessimistic disconnect handling like `pool_pre_ping`, skipped for connections in steady use.
    A connection that died anyway fails its unit of work once, and SQLAlchemy then invalidates the pool."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return  # a fresh connection, or one in use moments ago
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as error:
            # The pool discards this connection and checks out (or opens) another one.
            raise exc.DisconnectionError() from error


@dataclass
class Database:
    """The engine plus session factories for write and read-only units of work."""

    engine: Engine

    def __post_init__(self) -> None:
        self._writer = sessionmaker(self.engine, expire_on_commit=False)
        self._reader = sessionmaker(
            self.engine.execution_options(sqlite_begin="DEFERRED"), expire_on_commit=False
        )
        # SQLite has one writer at a time, and its busy handler waits in sleeps of up to 100 ms;
        # queueing this process's writers on a lock instead keeps the wait short and fair.
        self._write_lock = threading.RLock() if self.engine.dialect.name == "sqlite" else None

    @property
    def dialect(self) -> str:
        """The backend name: "sqlite" or "postgresql"."""
        return self.engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A short write transaction: committed on success, rolled back on any error."""
        with self._write_lock or nullcontext(), self._writer() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction (deferred on SQLite so readers never block writers)."""
        with self._reader() as session, session.begin():
            yield session

    def ping(self) -> None:
        """Raise unless the database answers a trivial query."""
        with self.read() as session:
            session.execute(text("SELECT 1"))

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()


def insert_if_absent(session: Session, model: type, values: dict[str, object], returning: InstrumentedAttribute[Any]) -> Any:
    """INSERT … ON CONFLICT DO NOTHING on either database: the new row's `returning` column, or None when a row
    with the same unique key exists, even one a concurrent transaction has just committed."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    # RETURNING tells reliably whether a row went in; rowcount does not on every driver.
    return session.execute(dialect.insert(model).values(**values).on_conflict_do_nothing().returning(returning)).scalar()


@contextmanager
def scratch_schema(url: str, prefix: str = "t") -> Iterator[str]:
    """`url` with its search_path set to a fresh PostgreSQL schema, dropped afterwards (for tests and benchmarks).

    The schema travels in the URL, so that processes started with it land in the schema too."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def open_database(url: str) -> Database:
    """Open (without migrating) the database at `url`."""
    return Database(make_engine(url))
