"""The one rule for a person's time zone: Slack's, else the one they stated, else the alliance's, else UTC."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.zones import UTC, ZoneClues, channel_zone

ZONES = st.none() | st.sampled_from(["Europe/Zurich", "America/New_York", "Asia/Tokyo", "UTC"])


@pytest.mark.parametrize("slack, stated, alliance, zone, own", [
    ("America/New_York", "Europe/Stockholm", "Europe/Zurich", "America/New_York", "America/New_York"),  # Slack wins
    (None, "Europe/Stockholm", "Europe/Zurich", "Europe/Stockholm", "Europe/Stockholm"),  # then what they stated
    (None, None, "Europe/Zurich", "Europe/Zurich", None),  # then the channel's alliance: a fallback, not their own
    (None, None, None, UTC, None),  # nothing known: UTC
    ("Asia/Tokyo", None, None, "Asia/Tokyo", "Asia/Tokyo"),
    ("", "", "", UTC, None),  # Slack's empty strings count as nothing
])
def test_a_persons_zone_falls_back_in_one_order(slack: str | None, stated: str | None, alliance: str | None, zone: str,
                                                 own: str | None) -> None:
    clues = ZoneClues(slack, stated, alliance)
    assert clues.zone == zone
    assert clues.own == own


def test_a_channels_zone_is_its_alliances_else_utc() -> None:
    assert channel_zone("Europe/Zurich") == "Europe/Zurich"
    assert channel_zone(None) == UTC


@given(ZONES, ZONES, ZONES)
def test_the_zone_is_always_one_of_the_clues_or_utc_and_the_own_one_when_known(slack: str | None, stated: str | None,
                                                                             alliance: str | None) -> None:
    clues = ZoneClues(slack, stated, alliance)
    assert clues.zone in {z for z in (slack, stated, alliance, UTC) if z}
    assert clues.own in (slack, stated)
    if clues.own is not None:
        assert clues.zone == clues.own
    else:
        assert clues.zone == channel_zone(alliance)
