"""Apply Alembic migrations programmatically (on start, and for `alliancebot db upgrade`)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from storage.db import Database

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str = "") -> Config:
    """An Alembic config pointing at our packaged migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the database up to `revision` in one transaction."""
    cfg = alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def current_revision(db: Database) -> str | None:
    """The revision the database is at, or None when never migrated."""
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    """The newest migration this code ships."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def database_status(url: str) -> str:
    """What `alliancebot check` says of the database at `url`: it answers, and how far it is migrated.
    Nothing is created or changed (a SQLite file that does not exist yet is reported, not made)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database)
        if not path.exists():
            if not path.parent.is_dir():
                raise FileNotFoundError(f"the folder {path.parent} does not exist")
            return f"{path} does not exist yet; `alliancebot run` or `alliancebot db upgrade` creates it"
    from storage.db import open_database

    db = open_database(url)
    try:
        current, head = current_revision(db), head_revision()
    finally:
        db.dispose()
    if current == head:
        return f"answers, at revision {current} (current)"
    return f"answers, at revision {current or 'none'}; `alliancebot run` or `alliancebot db upgrade` migrates it to {head}"
