"""`alliancebot export decisions`: CSV and JSON for the operator, one clear line when something is wrong."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.domain.consensus import Level, Outcome, Proposal, Vote
from storage.db import Database, make_engine
from storage.decisions import cast_vote, close_decision, create_decision, load_decision
from storage.installations import ensure_installation
from storage.migrate import upgrade
from tests.conftest import sqlite_url
from tests.test_cli import alliancebot

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
DECIDERS = [("UA1", "Alpha"), ("UA2", "Alpha"), ("UB1", "Beta")]


def populated(tmp_path: Path) -> dict[str, str]:
    db = Database(make_engine(sqlite_url(tmp_path)))
    upgrade(db)
    with db.write() as session:
        installation = ensure_installation(session, enterprise_id=None, team_id="T1", team_name="Alpha", bot_user_id="UBOT", now=NOW)
        for channel, anonymous in (("C1", False), ("C2", True)):
            decision_id = create_decision(session, installation_id=installation, channel_id=channel, creator_id="UA1",
                                          proposal=Proposal(f"Proposal in {channel}", anonymous=anonymous), deciders=DECIDERS,
                                          partners=["Alpha", "Beta"], now=NOW)
            decision = load_decision(session, installation, decision_id)
            assert decision is not None
            cast_vote(session, decision, Vote("UA1", "Alpha", Level.SUPPORT), NOW)
            cast_vote(session, decision, Vote("UB1", "Beta", Level.ACCEPT, "Supply in Q3"), NOW)
            close_decision(session, decision_id, Outcome.QUALIFIED, NOW + timedelta(hours=30))
    db.dispose()
    return {"DATABASE_URL": sqlite_url(tmp_path)}  # a database-only command needs no Slack token


def test_export_as_json_and_csv(tmp_path: Path) -> None:
    env = populated(tmp_path)
    result = alliancebot("export", "decisions", "--format", "json", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    named, anonymous = document["decisions"]
    # The path (issue 19, point 5) and each channel's 90-day governance load come with the decisions.
    assert (named["path"]["bodies"], named["path"]["rounds"], named["path"]["escalations"], named["path"]["interactions"]) == ([], 1, 0, 3)
    assert set(document["governance_load_90_days"]) == {named["channel_id"], anonymous["channel_id"]}
    assert (named["outcome"], named["cycle_time_hours"], named["governance_load"]["total"]) == ("qualified_consensus", 30.0, 3)
    assert named["rounds"][0]["votes_by_partner"]["Beta"] == {"support": 0, "accept": 1, "wont_block": 0, "block": 0}
    assert named["rounds"][0]["concerns"] == [{"level": "accept", "concern": "Supply in Q3", "voter_id": "UB1"}]
    assert anonymous["voting"] == "anonymous" and anonymous["rounds"][0]["votes_by_partner"] is None  # 1 vote per partner: withheld
    assert anonymous["rounds"][0]["votes"] is None  # 2 votes in all: counts would tell them one by one
    assert anonymous["rounds"][0]["voted"] == {"total": 2, "by_partner": {"Alpha": 1, "Beta": 1}}
    assert anonymous["rounds"][0]["concerns"] == [{"level": "accept", "concern": "Supply in Q3"}]
    assert "UB1" not in json.dumps(anonymous)

    out = tmp_path / "decisions.csv"
    result = alliancebot("export", "decisions", "--channel", "C2", "--output", str(out), env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 1 and rows[0]["votes_accept"] == "" and rows[0]["votes_by_partner"] == "(withheld: anonymous)"
    assert rows[0]["voted"] == "2" and rows[0]["voted_by_partner"] == "Alpha: 1; Beta: 1"
    assert rows[0]["concerns"] == "accept: Supply in Q3" and rows[0]["governance_load"] == "3"
    assert rows[0]["path"].startswith("1 round · ") and rows[0]["path"].endswith(" · 3 interactions")


def test_operator_mistakes_are_one_line_and_non_zero(tmp_path: Path) -> None:
    env = populated(tmp_path)
    for args, word in ((("--channel", "general"), "--channel"), (("--output", str(tmp_path / "no" / "such" / "dir.csv")), "--output")):
        result = alliancebot("export", "decisions", *args, env=env, cwd=tmp_path)
        assert result.returncode == 2 and result.stderr.strip().startswith(f"alliancebot: {word}")
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    bad_format = alliancebot("export", "decisions", "--format", "xml", env=env, cwd=tmp_path)
    assert bad_format.returncode == 2 and "invalid choice" in bad_format.stderr


def test_a_channel_without_an_alliance_is_the_same_mistake_for_both_exports(tmp_path: Path) -> None:
    env = populated(tmp_path)
    decisions = alliancebot("export", "decisions", "--channel", "C0NONE", env=env, cwd=tmp_path)
    everything = alliancebot("export", "--channel", "C0NONE", "--output", "x.json", env=env, cwd=tmp_path)
    for result in (decisions, everything):
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip() == "alliancebot: --channel C0NONE: no alliance data for this channel in T1"
        assert result.stdout == ""


def test_every_export_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    env = populated(tmp_path)
    (tmp_path / "old.csv").write_text("an older export\n")
    (tmp_path / "old.csv").chmod(0o644)
    for args, name in ((("export", "decisions", "--output", "old.csv"), "old.csv"),
                       (("export", "decisions", "--format", "json", "--output", "new.json"), "new.json"),
                       (("export", "--output", "all.json"), "all.json")):
        result = alliancebot(*args, env=env, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600, name
    assert "Proposal in C1" in (tmp_path / "old.csv").read_text()
