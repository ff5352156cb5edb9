"""Every milestone message and form is valid Block Kit and says what people need to act."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from bot.domain.errors import UserError
from bot.domain.milestones import Direction, Kind, Milestone, Payment, Slip
from bot.slack_edge.blockkit import check_message, check_view
from bot.views import milestones as views

TODAY = date(2027, 3, 1)
PAID = Milestone(7, "C1", "First patient dosed", Kind.CLINICAL, date(2027, 3, 31), "UMARIA",
                 Payment(Decimal("25000000"), "USD", Direction.IN), "Beta Bio", "ULEE",
                 slips=(Slip(date(2027, 2, 28), date(2027, 3, 31), "CMC delay", "UKENJI", datetime(2027, 2, 1, tzinfo=timezone.utc)),))


def test_nudges_carry_the_three_buttons_and_the_payment() -> None:
    for days in (30, 1, 0, None):
        text, blocks = views.nudge_message(PAID, days, "Europe/Zurich", TODAY)
        check_message(text, blocks)
        labels = [e["text"]["text"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
        assert labels == ["Achieved", "Move date", "Snooze nudges"]
        assert "25,000,000 USD incoming" in str(blocks) and "<!date^" in str(blocks)
    assert views.milestone_id_from(blocks[-1]["elements"][0]["value"]) == 7
    with pytest.raises(UserError):
        views.milestone_id_from("7")


def test_forms_are_valid_and_ask_about_the_payment_only_when_there_is_one() -> None:
    check_view(views.add_modal("C1", ["Alpha Pharma", "Beta Bio"]))
    check_view(views.move_modal(PAID))
    assert "Invoiced" in str(views.achieved_modal(PAID, TODAY))
    unpaid = Milestone(8, "C1", "IND", Kind.REGULATORY, date(2027, 4, 1), "U")
    check_view(views.achieved_modal(unpaid, TODAY))
    assert "Invoiced" not in str(views.achieved_modal(unpaid, TODAY))


def test_the_list_sums_payments_and_shows_slips() -> None:
    text, blocks = views.milestone_list([PAID] * 45, 24, "UTC", TODAY)
    check_message(text, blocks)
    assert "and 5 more" in str(blocks) and "1,125,000,000 USD in" in str(blocks) and "CMC delay" in str(blocks)


def test_an_alliance_without_a_zone_is_told_where_nudges_land() -> None:
    assert "zone Area/City" in str(views.added_message(PAID, "UTC", TODAY)[1])
    assert "zone Area/City" not in str(views.added_message(PAID, "Europe/Zurich", TODAY)[1])
