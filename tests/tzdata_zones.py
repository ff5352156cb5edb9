"""Zones read straight from the tzdata package the project pins, for tests' oracles (not through `bot.domain.tz`)."""
from __future__ import annotations

from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo


@cache
def tzdata_zone(name: str) -> ZoneInfo:
    """The zone from the tzdata package's files (the system's, which ZoneInfo(name) reads first, may be older)."""
    with resources.files("tzdata.zoneinfo").joinpath(*name.split("/")).open("rb") as rules:
        return ZoneInfo.from_file(rules, key=name)
