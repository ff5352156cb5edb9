"""Every row belongs to one workspace, and every lookup by channel or person says which workspace it means.

Channel and user ids are not unique across workspaces in a useful way: a Slack Connect channel has
the same id in every workspace that shares it, so a query by channel alone would mix tenants.
"""
from __future__ import annotations

import ast
from pathlib import Path

from sqlalchemy import Table

from storage.models import Base
from storage.retention import GLOBAL_TABLES

ROOT = Path(__file__).resolve().parents[2]
# Parameters that name something a workspace owns; a repository function taking one must also
# take the installation (or a value it loaded under one).
TENANT_KEYS = {"channel_id", "channel", "user_id", "user_ids", "team_id", "channel_ids"}
# Modules that are about installations themselves, or about Slack's global delivery ids.
INFRASTRUCTURE = {"installations.py", "dedupe.py", "db.py", "migrate.py", "types.py", "models.py", "__init__.py"}


def reaches_installation(table: Table, seen: frozenset[str] = frozenset()) -> bool:
    if "installation_id" in table.c:
        return not table.c.installation_id.nullable
    return any(not fk.parent.nullable and fk.column.table.name not in seen
               and reaches_installation(fk.column.table, seen | {table.name}) for fk in table.foreign_keys)


def test_every_row_belongs_to_exactly_one_installation() -> None:
    for table in Base.metadata.sorted_tables:
        if table.name == "installations" or table.name in GLOBAL_TABLES:
            continue
        assert reaches_installation(table), (
            f"{table.name}: add installation_id NOT NULL (or a NOT NULL foreign key to a table that has one), "
            "or list it in storage.retention.GLOBAL_TABLES if it holds nothing of any workspace")


def test_repository_lookups_by_channel_or_person_are_scoped_to_the_installation() -> None:
    offenders = []
    for path in sorted((ROOT / "storage").glob("*.py")):
        if path.name in INFRASTRUCTURE:
            continue
        for node in ast.parse(path.read_text()).body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            names = {a.arg for a in node.args.args + node.args.kwonlyargs}
            if names & TENANT_KEYS and "installation_id" not in names:
                offenders.append(f"{path.name}:{node.name}")
    assert not offenders, f"take installation_id in {offenders}"
