"""When a partnership ends, its alliance's data can be exported and then deleted, and nothing else goes with it."""
from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, func, select

from bot import retention
from bot.domain.alliance import Alliance, MemberMapping, Partner
from bot.domain.consensus import Level, Proposal, Vote
from bot.scheduler.consensus import schedule_round
from storage.alliances import get_alliance, save_alliance
from storage.db import Database
from storage.decisions import cast_vote, create_decision, load_decision
from storage.due_work import enqueue
from storage.installations import ensure_installation
from storage.models import Base
from storage.retention import NOT_PER_ALLIANCE, alliance_data, channel_scopes
from tests.storage.helpers import T0

SHARED = "C0SHARED"  # a Slack Connect channel: both workspaces know it by the same id


def workspace(db: Database, team: str) -> int:
    with db.write() as session:
        return ensure_installation(session, enterprise_id=None, team_id=team, team_name=team, bot_user_id="UBOT", now=T0)


def alliance_with_a_decision(db: Database, inst: int, channel: str, voter: str = "UMARIA") -> int:
    """An alliance, a decision with a deadline (so reminders are due) and a vote, plus a channel-wide digest."""
    setup = Alliance(channel, f"Alliance {channel}", MemberMapping.CONFIGURED,
                     (Partner("Alpha", None, (voter,)), Partner("Beta", None, ("UKENJI",))))
    with db.write() as session:
        save_alliance(session, inst, setup, by_user=voter, now=T0)
        decision_id = create_decision(session, installation_id=inst, channel_id=channel, creator_id=voter,
                                      proposal=Proposal("Start Phase 2", deadline=T0 + timedelta(days=3)),
                                      deciders=[(voter, "Alpha"), ("UKENJI", "Beta")], partners=["Alpha", "Beta"], now=T0)
        decision = load_decision(session, inst, decision_id)
        assert decision is not None
        cast_vote(session, decision, Vote(voter, "Alpha", Level.SUPPORT, None), T0)
        schedule_round(session, inst, decision, {}, T0)
        # Work of later features names its channel in the payload.
        enqueue(session, installation_id=inst, kind="digest", key=f"{inst}:digest:{channel}:w1", due_at=T0 + timedelta(days=1),
                payload={"channel": channel}, now=T0)
    return decision_id


def count(db: Database, table: str) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(Base.metadata.tables[table])) or 0)


@pytest.fixture
def two_workspaces(database: Database) -> tuple[Database, int, int]:
    alpha, gamma = workspace(database, "T0ALPHA"), workspace(database, "T0GAMMA")
    alliance_with_a_decision(database, alpha, SHARED)
    alliance_with_a_decision(database, alpha, "C0OTHER")
    alliance_with_a_decision(database, gamma, SHARED, voter="UGINA")
    return database, alpha, gamma


def test_deleting_an_alliance_removes_all_its_rows_and_nothing_else(two_workspaces: tuple[Database, int, int]) -> None:
    db, alpha, gamma = two_workspaces
    with db.read() as session:
        before = {inst_channel: alliance_data(session, *inst_channel).counts()
                  for inst_channel in ((alpha, SHARED), (alpha, "C0OTHER"), (gamma, SHARED))}
    assert before[(alpha, SHARED)] == {"alliances": 1, "partners": 2, "decisions": 1, "decision_rounds": 1, "votes": 1, "due_work": 6}
    totals = {table: count(db, table) for table in ("alliances", "decisions", "votes", "due_work", "partners")}

    deleted = retention.delete(db, channel=SHARED, installation="T0ALPHA", yes=True)

    assert deleted == before[(alpha, SHARED)]
    with db.read() as session:
        assert alliance_data(session, alpha, SHARED).empty
        assert get_alliance(session, alpha, SHARED) is None and load_decision(session, alpha, 1) is None
        assert alliance_data(session, alpha, "C0OTHER").counts() == before[(alpha, "C0OTHER")]
        assert alliance_data(session, gamma, SHARED).counts() == before[(gamma, SHARED)]
    for table, was in totals.items():
        assert count(db, table) == was - before[(alpha, SHARED)][table]


def test_the_export_holds_every_row_of_the_alliance_and_only_those(two_workspaces: tuple[Database, int, int], tmp_path: Path) -> None:
    db, alpha, _gamma = two_workspaces
    target = tmp_path / "alpha.json"
    totals = retention.export(db, output=str(target), channel=SHARED, installation="T0ALPHA")
    document = json.loads(target.read_text())
    assert document["format"] == "alliancebot-export/1" and document["installation"]["team_id"] == "T0ALPHA"
    [alliance] = document["alliances"]
    tables = alliance["tables"]
    assert totals == {name: len(rows) for name, rows in tables.items() if rows}
    assert tables["decision_rounds"][0]["proposal"] == "Start Phase 2"
    assert [v["voter_id"] for v in tables["votes"]] == ["UMARIA"]
    assert all(row["installation_id"] == alpha for name in ("alliances", "decisions", "due_work") for row in tables[name])
    assert "UGINA" not in target.read_text()  # the other workspace's alliance in the same channel stays out
    assert target.stat().st_mode & 0o077 == 0  # confidential: readable by its owner only

    retention.export(db, output=str(tmp_path / "all.json"), channel=None, installation="T0ALPHA")
    everything = json.loads((tmp_path / "all.json").read_text())
    assert sorted(a["channel_id"] for a in everything["alliances"]) == ["C0OTHER", SHARED]


@pytest.mark.parametrize(("call", "message"), [
    (lambda db, tmp: retention.delete(db, channel=SHARED, installation=None, yes=True), "several workspaces"),
    (lambda db, tmp: retention.delete(db, channel=SHARED, installation="T0NOPE", yes=True), "no such workspace"),
    (lambda db, tmp: retention.delete(db, channel="C0NONE", installation="T0ALPHA", yes=True), "no alliance data"),
    (lambda db, tmp: retention.export(db, output=str(tmp / "x.json"), channel="C0NONE", installation="T0ALPHA"), "no alliance data"),
    (lambda db, tmp: retention.export(db, output=str(tmp / "no" / "x.json"), channel=SHARED, installation="T0ALPHA"), "does not exist"),
])
def test_operator_mistakes_are_refused_and_change_nothing(two_workspaces: tuple[Database, int, int], tmp_path: Path, call, message: str) -> None:  # type: ignore[no-untyped-def]
    db = two_workspaces[0]
    before = count(db, "votes")
    with pytest.raises(retention.RetentionError, match=message):
        call(db, tmp_path)
    assert count(db, "votes") == before


def test_delete_without_yes_asks_and_needs_the_channel_typed(two_workspaces: tuple[Database, int, int]) -> None:
    import io

    db = two_workspaces[0]

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    with pytest.raises(retention.RetentionError, match="not confirmed"):
        retention.delete(db, channel=SHARED, installation="T0ALPHA", yes=False, stdin=Terminal("yes\n"), stdout=io.StringIO())
    with pytest.raises(retention.RetentionError, match="--yes"):
        retention.delete(db, channel=SHARED, installation="T0ALPHA", yes=False, stdin=io.StringIO(SHARED + "\n"))
    assert retention.delete(db, channel=SHARED, installation="T0ALPHA", yes=False, stdin=Terminal(SHARED + "\n"), stdout=io.StringIO())


def test_every_table_is_either_part_of_an_alliance_or_deliberately_not() -> None:
    """Fails when a feature adds a table that a per-alliance delete would miss."""
    scoped = set(channel_scopes())
    for table in Base.metadata.sorted_tables:
        if any("channel" in column.key for column in table.c):
            assert table.name in scoped, f"{table.name} names a channel but is not reachable from installation_id + channel_id"
        assert table.name in scoped or table.name in NOT_PER_ALLIANCE, (
            f"{table.name}: give it installation_id + channel_id (or a foreign key to such a table), "
            "or add it to storage.retention.NOT_PER_ALLIANCE if it belongs to no alliance")
    assert {"alliances", "partners", "decisions", "decision_rounds", "votes"} <= scoped


def test_tables_added_later_are_found_through_their_foreign_keys() -> None:
    metadata = MetaData()
    Table("milestones", metadata, Column("id", Integer, primary_key=True), Column("installation_id", Integer),
          Column("channel_id", String))
    payments = Table("payments", metadata, Column("id", Integer, primary_key=True), Column("milestone_id", ForeignKey("milestones.id")))
    notes = Table("payment_notes", metadata, Column("id", Integer, primary_key=True), Column("payment_id", ForeignKey("payments.id")))
    Table("prefs", metadata, Column("id", Integer, primary_key=True), Column("installation_id", Integer), Column("user_id", String))
    scopes = channel_scopes(metadata.sorted_tables)
    assert list(scopes) == ["milestones", "payments", "payment_notes"]
    assert scopes["payment_notes"].parents == (("payment_id", payments, "id"),) and scopes["milestones"].root
    del notes


def test_an_export_keeps_a_calendar_feed_but_never_its_token(database: Database) -> None:
    from storage.calendar_feeds import feed_token

    alpha = workspace(database, "T0ALPHA")
    alliance_with_a_decision(database, alpha, SHARED)
    with database.write() as session:
        token = feed_token(session, alpha, SHARED, "", T0)
    with database.read() as session:
        [feed] = alliance_data(session, alpha, SHARED).tables["calendar_feeds"]
    assert feed["channel_id"] == SHARED and feed["token"] is None and token not in str(feed)
