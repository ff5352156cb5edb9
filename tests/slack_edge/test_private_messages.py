"""tell_privately against the Slack double: which route it takes, what it remembers, what it raises and logs."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from slack_sdk.web import WebClient

from bot.domain.reach import DM_RECHECK, Route
from bot.slack_edge.gateway import RetryPolicy, SlackCallError, SlackGateway
from bot.slack_edge.private_messages import tell_privately
from storage.db import Database
from storage.private_routes import load_route
from tests.conftest import migrated_sqlite
from tests.slack_double import SlackDouble
from tests.slack_double.clock import PATIENCE
from tests.storage.helpers import installation

SHARED = "C0SHARED"
NOW = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def slack() -> Iterator[SlackDouble]:
    with SlackDouble(team_id="T0ALPHA") as double:
        double.add_team("T0BETA", "Beta Bio")
        double.add_user("UMARIA", "T0ALPHA", "maria")
        double.add_user("UKENJI", "T0BETA", "kenji")
        double.add_channel(SHARED, "alpha-beta", members=["UMARIA", "UKENJI"], is_ext_shared=True)
        double.refuse_external_dms()
        yield double


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    yield from migrated_sqlite(tmp_path)


@pytest.fixture
def gateway(slack: SlackDouble) -> SlackGateway:
    client = WebClient(token=slack.bot_token, base_url=slack.api_url, timeout=int(PATIENCE), retry_handlers=[])
    return SlackGateway(client, RetryPolicy(attempts=2), sleep=lambda _: None)


def dm_posts(slack: SlackDouble, user: str) -> int:
    return len([c for c in slack.calls("chat.postMessage") if c.params.get("channel") == user])


def test_a_refused_dm_is_not_tried_again_for_a_week(slack: SlackDouble, db: Database, gateway: SlackGateway) -> None:
    inst = installation(db)
    told = tell_privately(gateway, db, inst, "UKENJI", SHARED, "Your item is due", now=NOW)
    assert told.route is Route.EPHEMERAL and dm_posts(slack, "UKENJI") == 1
    assert tell_privately(gateway, db, inst, "UKENJI", SHARED, "Again", now=NOW + timedelta(days=6)).route is Route.EPHEMERAL
    assert dm_posts(slack, "UKENJI") == 1
    slack.refuse_external_dms(False)  # a week later the DM is tried again, and now it works
    assert tell_privately(gateway, db, inst, "UKENJI", SHARED, "Later", now=NOW + DM_RECHECK).route is Route.DM
    known = load_route(db, inst, "UKENJI")
    assert known is not None and known.route is Route.DM
    assert tell_privately(gateway, db, inst, "UMARIA", SHARED, "Yours", now=NOW).route is Route.DM


def test_the_error_boundarys_order_answers_where_the_person_acted(slack: SlackDouble, db: Database, gateway: SlackGateway) -> None:
    inst = installation(db)
    assert tell_privately(gateway, db, inst, "UMARIA", SHARED, "Oops", now=NOW, in_channel_first=True).route is Route.EPHEMERAL
    slack.add_channel("C0SIDE", "side", members=["UMARIA"], bot_is_member=False)
    assert tell_privately(gateway, db, inst, "UMARIA", "C0SIDE", "Oops", now=NOW, in_channel_first=True).route is Route.DM


def test_no_route_is_one_log_line_and_a_transient_error_is_raised(slack: SlackDouble, db: Database, gateway: SlackGateway,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    inst = installation(db)
    with caplog.at_level(logging.WARNING, logger="bot.slack_edge.private_messages"):
        told = tell_privately(gateway, db, inst, "UKENJI", None, "From a modal", now=NOW)  # no channel to fall back to
    assert told.route is None and [r.getMessage() for r in caplog.records] == [
        "could not tell UKENJI privately (no channel): chat.postMessage: channel_not_found"]
    slack.inject("chat.postEphemeral", "unavailable", times=2)
    with pytest.raises(SlackCallError) as raised:
        tell_privately(gateway, db, inst, "UKENJI", SHARED, "Slack is down", now=NOW)
    assert raised.value.category == "transient"
