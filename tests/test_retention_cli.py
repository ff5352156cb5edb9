"""Operators export and delete an alliance from the command line; mistakes get one line and a non-zero status."""
from __future__ import annotations

import json
from pathlib import Path

from storage.db import Database, make_engine
from storage.migrate import upgrade
from tests.storage.test_retention import alliance_with_a_decision, workspace
from tests.test_cli import alliancebot

ENV: dict[str, str] = {}  # database-only commands need no Slack token (DATABASE_URL defaults to ./alliancebot.db)


def one_line_failure(result) -> str:  # type: ignore[no-untyped-def]
    assert result.returncode == 2, result.stderr  # an operator mistake, as everywhere
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("alliancebot: ") and "Traceback" not in result.stderr
    return lines[0]


def test_export_then_delete_an_alliance_from_the_command_line(tmp_path: Path) -> None:
    assert "no installation" in one_line_failure(alliancebot("export", "--output", "x.json", env=ENV, cwd=tmp_path))
    db = Database(make_engine(f"sqlite:///{tmp_path / 'alliancebot.db'}"))
    upgrade(db)
    alliance_with_a_decision(db, workspace(db, "T0ALPHA"), "C0ENDED")
    db.dispose()

    exported = alliancebot("export", "--channel", "C0ENDED", "--output", "ended.json", env=ENV, cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert "exported" in exported.stdout and "1 votes" in exported.stdout
    assert json.loads((tmp_path / "ended.json").read_text())["alliances"][0]["channel_id"] == "C0ENDED"

    assert "--yes" in one_line_failure(alliancebot("alliance", "delete", "--channel", "C0ENDED", env=ENV, cwd=tmp_path))
    assert "no alliance data" in one_line_failure(alliancebot("alliance", "delete", "--channel", "C0WRONG", "--yes", env=ENV, cwd=tmp_path))
    deleted = alliancebot("alliance", "delete", "--channel", "C0ENDED", "--yes", env=ENV, cwd=tmp_path)
    assert deleted.returncode == 0 and "1 decisions" in deleted.stdout, deleted.stderr
    assert "no alliance data" in one_line_failure(alliancebot("export", "--channel", "C0ENDED", "--output", "again.json", env=ENV, cwd=tmp_path))
