"""The one zone loader: Slack's profile, the zone stated in `/meeting prefs` and the channel's alliance, read once."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.domain.alliance import Alliance, Member, MemberMapping, Partner
from bot.domain.errors import UserError
from bot.domain.meetings import WorkingHours
from bot.services import Services
from bot.usecases import zones
from storage.alliances import save_alliance
from storage.installations import ensure_installation
from storage.meetings import save_working_hours
from storage.milestones import set_alliance_zone
from tests.conftest import migrated_sqlite
from tests.handlers.conftest import NOW, offline_services

CHANNEL, BARE = "C0ALLIANCE", "C0NOALLIANCE"


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    """Offline services whose directory knows four people: one zoned by Slack, one who stated a zone, one with none,
    one deactivated; the channel's alliance is in Zurich."""
    for db in migrated_sqlite(tmp_path):
        with db.write() as session:
            installation = ensure_installation(session, enterprise_id=None, team_id="T0ALPHA", team_name="Alpha", bot_user_id="UBOT",
                                               now=NOW)
            save_alliance(session, installation, Alliance(CHANNEL, "Alpha–Beta", MemberMapping.SLACK_TEAM, (Partner("Alpha", "T0ALPHA"),)),
                          by_user="UMARIA", now=NOW)
            set_alliance_zone(session, installation, CHANNEL, "Europe/Zurich")
            save_working_hours(session, installation, WorkingHours("UANNA", "Europe/Stockholm"), "Europe/Stockholm", NOW)
        services = offline_services(db, installation)
        services.directory.remember(installation, [Member("UMARIA", "T0ALPHA", "Maria", tz="America/New_York"),
                                                   Member("UANNA", "T0ALPHA", "Anna"), Member("UKENJI", "T0ALPHA", "Kenji"),
                                                   Member("UGONE", "T0ALPHA", "Gone", tz="Asia/Tokyo", deleted=True)])
        yield services
        services.coalescer.close()
        services.listener_executor.shutdown()


def test_each_person_gets_slack_then_stated_then_the_alliance_zone(services: Services) -> None:
    found = zones.zones(services, services.default_installation_id, CHANNEL, ["UMARIA", "UANNA", "UKENJI"])
    assert found == {"UMARIA": "America/New_York", "UANNA": "Europe/Stockholm", "UKENJI": "Europe/Zurich"}


def test_without_an_alliance_the_last_resort_is_utc(services: Services) -> None:
    assert zones.zone(services, services.default_installation_id, BARE, "UKENJI") == "UTC"
    assert zones.zone(services, services.default_installation_id, None, "UKENJI") == "UTC"


def test_own_zones_leave_out_people_known_only_by_their_channel(services: Services) -> None:
    assert zones.own_zones(services, services.default_installation_id, ["UMARIA", "UANNA", "UKENJI"]) == {
        "UMARIA": "America/New_York", "UANNA": "Europe/Stockholm"}


def test_known_zones_refuse_a_deactivated_account(services: Services) -> None:
    with pytest.raises(UserError, match="UGONE"):
        zones.known_zones(services, services.default_installation_id, CHANNEL, ["UMARIA", "UGONE"])
    assert zones.zones(services, services.default_installation_id, CHANNEL, ["UGONE"]) == {"UGONE": "Asia/Tokyo"}


def test_the_alliance_zone_is_the_channels(services: Services) -> None:
    with services.db.read() as session:
        assert zones.alliance_zone(session, services.default_installation_id, CHANNEL) == "Europe/Zurich"
        assert zones.alliance_zone(session, services.default_installation_id, BARE) == "UTC"
