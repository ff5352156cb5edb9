"""Typed SQLAlchemy models, one module per aggregate; every row belongs to one Slack installation.

Import a row from its module (`storage.models.decisions`). This package imports every module
because `Base.metadata` only knows the tables whose module has been imported, and several readers
need all of them: Alembic's autogenerate (`migrations/env.py`), the per-alliance export and delete
(`storage.retention` discovers tables from the metadata), the tenancy and retention tests, and the
foreign keys (`"installations.id"`), which resolve through the metadata. Importing any module of
the package runs this first, so whoever holds `Base` holds the whole schema.
"""
from __future__ import annotations

from storage.models import (
    actions,
    alliances,
    concerns,
    decisions,
    delivery,
    disputes,
    due_work,
    governance,
    installations,
    meetings,
    milestones,
)
from storage.models.base import Base

__all__ = ["Base", "actions", "alliances", "concerns", "decisions", "delivery", "disputes", "due_work", "governance", "installations",
           "meetings", "milestones"]
