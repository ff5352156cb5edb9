"""A channel has one alliance, however many requests set it up at once; the setup form replaces it whole."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy import text

from bot.domain.alliance import Alliance, Member, MemberMapping, Partner
from storage.alliances import add_alliance, get_alliance, save_alliance
from storage.db import Database
from storage.milestones import set_alliance_zone
from storage.models.alliances import PartnerRow
from storage.users import cached_members, save_members
from tests.slack_double.clock import PATIENCE
from tests.storage.helpers import T0, installation

CHANNEL = "C0SHARED"
PATIENCE_AGE = timedelta(hours=1)


def implied(name: str) -> Alliance:
    return Alliance(CHANNEL, name, MemberMapping.SLACK_TEAM, (Partner("Alpha Pharma", "T0ALPHA"), Partner(f"Beta {name}", "T0BETA")))


def stored(database: Database, inst: int) -> Alliance | None:
    with database.read() as session:
        return get_alliance(session, inst, CHANNEL)


def partner_rows(database: Database) -> int:
    with database.read() as session:
        return len(session.query(PartnerRow).all())


def test_a_channels_first_alliance_is_stored_once(database: Database) -> None:
    inst = installation(database)
    with database.write() as session:
        assert add_alliance(session, inst, implied("first"), by_user="UMARIA", now=T0)
    with database.write() as session:
        assert not add_alliance(session, inst, implied("second"), by_user="UKENJI", now=T0)
    assert stored(database, inst) == implied("first")
    assert partner_rows(database) == 2


def test_a_burst_of_first_decisions_ends_with_one_alliance(database: Database) -> None:
    # Six people start the first decision of a fresh shared channel at once: each request found no alliance.
    inst = installation(database)
    created: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def first_decision(name: str) -> None:
        try:
            start.wait()
            with database.write() as session:
                if add_alliance(session, inst, implied(name), by_user="UMARIA", now=T0):
                    created.append(name)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=first_decision, args=(f"n{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(PATIENCE)
    assert not errors
    assert len(created) == 1
    assert stored(database, inst) == implied(created[0])
    assert partner_rows(database) == 2


def test_a_second_request_waiting_on_the_first_finds_its_alliance(pg_database_fixture: Database) -> None:
    # PostgreSQL: the second insert waits on the first's uncommitted row, then yields to it rather than failing.
    database = pg_database_fixture
    inst = installation(database)
    second: list[bool] = []
    backend: list[int] = []
    with database.write() as first:
        assert add_alliance(first, inst, implied("first"), by_user="UMARIA", now=T0)

        def request() -> None:
            with database.write() as session:
                backend.append(session.execute(text("SELECT pg_backend_pid()")).scalar_one())
                second.append(add_alliance(session, inst, implied("second"), by_user="UKENJI", now=T0))

        thread = threading.Thread(target=request)
        thread.start()
        deadline = time.monotonic() + PATIENCE
        with database.engine.connect() as watcher:
            # Commit the first only once the second is waiting for it (by the second's own connection, not
            # any other test's on this server), so the two really overlap whatever the machine's speed.
            while not backend or watcher.execute(text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"),
                                                 {"pid": backend[0]}).scalar() != "Lock":
                assert time.monotonic() < deadline, "the second insert never waited on the first"
                time.sleep(0.01)
    thread.join(PATIENCE)
    assert second == [False]
    assert stored(database, inst) == implied("first")


def test_the_setup_form_replaces_an_implied_alliance_and_keeps_its_zone(database: Database) -> None:
    inst = installation(database)
    with database.write() as session:
        add_alliance(session, inst, implied("first"), by_user="UMARIA", now=T0)
        set_alliance_zone(session, inst, CHANNEL, "Europe/Zurich")
    edited = Alliance(CHANNEL, "Alpha–Beta oncology", MemberMapping.CONFIGURED,
                      (Partner("Alpha", None, ("UMARIA",)), Partner("Beta", None, ("UKENJI",)), Partner("Gamma", None, ("UX",))))
    with database.write() as session:
        save_alliance(session, inst, edited, by_user="UKENJI", now=T0)
    assert stored(database, inst) == Alliance(CHANNEL, "Alpha–Beta oncology", MemberMapping.CONFIGURED, edited.partners, "Europe/Zurich")
    assert partner_rows(database) == 3


def test_a_persons_enterprise_grid_organisation_is_cached(database: Database) -> None:
    inst = installation(database)
    people = [Member("UGRID", "T0GRID1", "Grid person", enterprise_id="E0GRID", enterprise_name="Grid Corp"),
              Member("UPLAIN", "T0ALPHA", "Plain person")]
    save_members(database, inst, people, now=T0)
    with database.read() as session:
        assert cached_members(session, inst, ["UGRID", "UPLAIN"], now=T0, max_age=PATIENCE_AGE) == {m.user_id: m for m in people}
