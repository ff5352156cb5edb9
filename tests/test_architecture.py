"""The functional core stays pure: domain and views import no Slack, database or scheduler code."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("slack_sdk", "slack_bolt", "sqlalchemy", "apscheduler", "storage", "handlers", "bot.slack_edge", "bot.scheduler", "bot.app")


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", ["bot/domain", "bot/views"])
def test_pure_packages_import_nothing_impure(package: str) -> None:
    files = list((ROOT / package).rglob("*.py"))
    assert files
    for path in files:
        bad = {name for name in imports(path) if name.startswith(FORBIDDEN)}
        assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_only_storage_imports_sqlalchemy() -> None:
    for folder in ("bot", "handlers"):
        for path in (ROOT / folder).rglob("*.py"):
            bad = {name for name in imports(path) if name.startswith("sqlalchemy")}
            assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_domain_never_reads_the_clock() -> None:
    for path in (ROOT / "bot" / "domain").rglob("*.py"):
        source = path.read_text()
        assert "datetime.now(" not in source and "utcnow(" not in source and "time.time(" not in source, path.name


def test_no_pytz_tzinfo_in_constructors() -> None:
    # pytz zones passed as tzinfo= give LMT offsets; localize() is the only correct way.
    for folder in ("bot", "handlers", "storage"):
        for path in (ROOT / folder).rglob("*.py"):
            assert "tzinfo=pytz" not in path.read_text(), path
