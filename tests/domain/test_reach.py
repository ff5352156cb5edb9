"""When the bot tries a DM again after Slack refused one, and what counts as a person."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.domain.reach import DM_RECHECK, KnownRoute, Route, is_person, tries_dm_first

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc)


def test_a_dm_is_tried_first_unless_one_was_refused_recently() -> None:
    assert tries_dm_first(None, NOW)
    assert tries_dm_first(KnownRoute(Route.DM, NOW - timedelta(days=300)), NOW)
    assert not tries_dm_first(KnownRoute(Route.EPHEMERAL, NOW - timedelta(days=1)), NOW)
    assert not tries_dm_first(KnownRoute(Route.EPHEMERAL, NOW - DM_RECHECK + timedelta(seconds=1)), NOW)
    assert tries_dm_first(KnownRoute(Route.EPHEMERAL, NOW - DM_RECHECK), NOW)  # re-checked after a week


def test_user_ids_are_people_and_conversation_ids_are_not() -> None:
    assert is_person("UKENJI") and is_person("W012ABC")
    assert not is_person("C0ALLIANCE") and not is_person("D0DM") and not is_person("G0PRIVATE")
