"""An alliance's business days: weekends and every partner's public holidays, from the `holidays` library.

`bot.domain.business_days` counts business days given a holiday test; this builds that test from the
countries the alliance's partners keep (its set-up, `/alliance setup`). A day off in either partner's
country stops the clock, since a window in an alliance agreement runs on days both parties work. A
partner without a country keeps weekends only. Tables are built once per country and reused.
"""
from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date

import holidays

from bot.domain.alliance import Alliance
from bot.domain.business_days import Holidays
from bot.domain.zones import channel_zone
from storage.alliances import get_alliance
from storage.db import Session


@functools.cache
def _country(code: str) -> holidays.HolidayBase:
    """The national public holidays of one country (years are filled in as they are asked for)."""
    return holidays.country_holidays(code)


def holiday_test(countries: Iterable[str | None]) -> Holidays:
    """Whether a day is a public holiday in any of `countries` (None and unknown codes add nothing)."""
    supported = holidays.list_supported_countries()
    tables = [_country(code) for code in dict.fromkeys(c for c in countries if c) if code in supported]

    def is_holiday(day: date) -> bool:
        return any(day in table for table in tables)

    return is_holiday


def alliance_holidays(alliance: Alliance | None) -> Holidays:
    """The holiday test of an alliance's partners (weekends only without an alliance)."""
    return holiday_test(p.country for p in alliance.partners) if alliance is not None else holiday_test(())


def alliance_calendar(session: Session, installation_id: int, channel_id: str) -> tuple[str, Holidays]:
    """The channel's alliance's zone and its partners' public holidays: what its business days are counted in."""
    alliance = get_alliance(session, installation_id, channel_id)
    return channel_zone(alliance.time_zone if alliance else None), alliance_holidays(alliance)


def holiday_name(countries: Iterable[str | None], day: date) -> str | None:
    """What the day is, and where ("Independence Day (US)"), for a message that explains a clock; None on a workday."""
    supported = holidays.list_supported_countries()
    for code in dict.fromkeys(c for c in countries if c):
        if code in supported and (name := _country(code).get(day)):
            return f"{name} ({code})"
    return None
