"""The holiday test comes from the maintained `holidays` tables: each partner's country stops the clock."""
from __future__ import annotations

from datetime import date

from bot.domain.business_days import add_business_days
from bot.usecases.business_calendar import holiday_name, holiday_test


def test_either_partners_holiday_stops_the_clock() -> None:
    us_ch = holiday_test(["US", "CH", None, "XX"])
    assert us_ch(date(2027, 7, 5))  # Independence Day observed (US)
    assert us_ch(date(2027, 8, 2)) is False and us_ch(date(2027, 5, 6))  # Ascension Day (CH)
    # Friday 2 July 2027 + 1 business day: the weekend and the US holiday on Monday are skipped.
    assert add_business_days(date(2027, 7, 2), 1, us_ch) == date(2027, 7, 6)
    assert add_business_days(date(2027, 7, 2), 1, holiday_test(["CH"])) == date(2027, 7, 5)
    assert holiday_name(["CH", "US"], date(2027, 7, 5)) == "Independence Day (observed) (US)"
    assert holiday_name(["US"], date(2027, 7, 6)) is None
