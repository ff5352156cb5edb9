"""Reading people from users.info: an email only where Slack shares one, and kept in the cache."""
from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any

import pytest

from bot.slack_edge.directory import member_from_user
from storage.db import Database
from storage.users import cached_members, save_members
from tests.samples import sample_path
from tests.storage.helpers import T0, installation


def sample_user() -> dict[str, Any]:
    """Slack's own users.info example (a token with users:read.email)."""
    return dict(json.loads(sample_path("web_api_responses", "users.info.ok.json").read_text())["user"])


def test_a_shared_address_is_read_from_the_profile() -> None:
    member = member_from_user(sample_user())
    assert member.email == "spengler@ghostbusters.example.com"
    assert (member.user_id, member.name, member.tz) == ("W012A3CDE", "Egon Spengler", "America/Los_Angeles")


def test_without_the_scope_or_another_orgs_consent_there_is_no_address() -> None:
    user = sample_user()
    del user["profile"]["email"]
    member = member_from_user(user)
    assert member.email is None and member.name == "Egon Spengler"


@pytest.mark.parametrize("value", ["", "   ", "not-an-address", "a@b", "two@@example.com", "x y@example.com",
                                   "a@example.com\r\nATTENDEE:evil", "a@example.com,b@example.com", None, 42, ["a@example.com"],
                                   "a" * 250 + "@example.com"])
def test_an_implausible_address_is_ignored(value: Any) -> None:
    user = sample_user()
    user["profile"]["email"] = value
    assert member_from_user(user).email is None


def test_the_address_is_trimmed() -> None:
    user = copy.deepcopy(sample_user())
    user["profile"]["email"] = " egon@ghostbusters.example.com "
    assert member_from_user(user).email == "egon@ghostbusters.example.com"


def test_the_cache_keeps_the_address_and_its_absence(database: Database) -> None:
    inst = installation(database)
    with_email = member_from_user(sample_user())
    bare = sample_user()
    bare["id"] = "W0NOEMAIL"
    del bare["profile"]["email"]
    without = member_from_user(bare)
    save_members(database, inst, [with_email, without], now=T0)
    with database.read() as session:
        found = cached_members(session, inst, ["W012A3CDE", "W0NOEMAIL"], now=T0, max_age=timedelta(hours=1))
    assert found == {"W012A3CDE": with_email, "W0NOEMAIL": without}
    # A later answer without the address (the scope was removed) forgets it.
    save_members(database, inst, [member_from_user({**sample_user(), "profile": {"real_name": "Egon Spengler"}})], now=T0)
    with database.read() as session:
        assert cached_members(session, inst, ["W012A3CDE"], now=T0, max_age=timedelta(hours=1))["W012A3CDE"].email is None


def test_an_enterprise_grid_persons_organisation_is_read_wherever_slack_puts_it() -> None:
    assert member_from_user(sample_user()).enterprise_id is None
    top = {**sample_user(), "enterprise_id": "E0GRID"}
    nested = {**sample_user(), "enterprise_user": {"id": "W012A3CDE", "enterprise_id": "E0GRID", "teams": ["T012AB3C4"]}}
    assert member_from_user(top).enterprise_id == member_from_user(nested).enterprise_id == "E0GRID"
    assert member_from_user({**sample_user(), "enterprise_user": ["E0GRID"]}).enterprise_id is None


def test_an_enterprise_grid_persons_organisation_is_named_as_users_info_names_it() -> None:
    # objs_enterprise_user in Slack's Web API spec requires enterprise_name beside enterprise_id.
    grid = {**sample_user(), "enterprise_user": {"id": "W012A3CDE", "enterprise_id": "E0GRID", "enterprise_name": " Grid Corp ",
                                                  "is_admin": False, "is_owner": False, "teams": ["T012AB3C4"]}}
    assert member_from_user(grid).enterprise_name == "Grid Corp"
    assert member_from_user(sample_user()).enterprise_name is None
    assert member_from_user({**grid, "enterprise_user": {**grid["enterprise_user"], "enterprise_name": 7}}).enterprise_name is None


def test_a_zone_slack_gives_that_the_tz_data_does_not_know_is_no_zone_not_an_error() -> None:
    assert member_from_user({**sample_user(), "tz": "america/new_york"}).tz == "America/New_York"
    assert member_from_user({**sample_user(), "tz": "Mars/Olympus_Mons"}).tz is None
