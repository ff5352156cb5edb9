"""The migrations build exactly the schema the models declare, on both databases (Alembic's own comparison)."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage.db import Database
from storage.models import Base


def test_migrated_schema_matches_the_models(database: Database) -> None:
    # A model changed without a migration (or the reverse) shows up here as a difference, e.g.
    # ('add_column', None, 'decisions', Column('x', ...)), before a deployment's upgrade finds it.
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    assert differences == []
