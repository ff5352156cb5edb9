"""The functional core stays pure: domain and views import no Slack, database or scheduler code."""
from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
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


def test_zones_come_only_from_bot_domain_tz() -> None:
    # pytz is gone: its tables stop in 2037 and it ignores the tz files' footer rules. Zones come from
    # bot/domain/tz.py, zoneinfo on the pinned tzdata package; ZoneInfo(name) elsewhere would read the system's files.
    for folder in ("bot", "handlers", "storage"):
        for path in (ROOT / folder).rglob("*.py"):
            names = imports(path)
            assert not {name for name in names if name.split(".")[0] == "pytz"}, path
            if path != ROOT / "bot" / "domain" / "tz.py":
                assert not {name for name in names if name.split(".")[0] in ("zoneinfo", "tzdata")}, path


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_the_project_has_no_import_cycles() -> None:
    # Every import counts, also those inside functions or under TYPE_CHECKING: a cycle there is
    # still two modules that cannot be understood (or tested) one without the other.
    paths = [path for folder in ("bot", "handlers", "storage") for path in (ROOT / folder).rglob("*.py")]
    modules = {module_name(path): path for path in paths}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        named: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                named.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                named.add(node.module)
                named.update(f"{node.module}.{alias.name}" for alias in node.names)  # `from package import module`
        graph[name] = {other for other in named if other in modules and other != name}
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as error:
        pytest.fail(f"import cycle: {' -> '.join(error.args[1])}")


def test_modules_stay_under_400_lines() -> None:
    for folder in ("bot", "handlers", "storage"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            lines = len(path.read_text().splitlines())
            assert lines <= 400, f"{path.relative_to(ROOT)} has {lines} lines: split it by concern (docs/architecture.md, habit 12)"


def test_handlers_are_thin_listeners_wired_by_register_app() -> None:
    # A handler reaches its feature through its use cases: never another handler or the scheduler,
    # and its register() only wires ids to module-level listeners (no services, no nested listeners).
    for path in (ROOT / "handlers").glob("*.py"):
        bad = {name for name in imports(path) if name.startswith(("handlers", "bot.scheduler"))}
        assert path.name == "__init__.py" or not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"
        if path.name == "__init__.py":
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        [register] = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "register"]
        assert [a.arg for a in register.args.args] == ["app"], f"{path.name}: register(app) takes only the app"
        nested = [node.name for node in ast.walk(register) if isinstance(node, ast.FunctionDef) and node is not register]
        assert not nested, f"{path.name}: listeners nested in register(): {nested}"
