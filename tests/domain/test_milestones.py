"""Reading milestone commands, payments and nudge times as an alliance manager types them."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bot.domain.dates import add_months
from bot.domain.errors import FormErrors, UserError
from bot.domain.milestones import (
    Direction,
    Kind,
    Milestone,
    Payment,
    check_form,
    nudge_times,
    parse_add,
    parse_amount,
    parse_offsets,
    parse_ref,
    parse_window,
    payment_totals,
)

TODAY = date(2026, 11, 29)


@pytest.mark.parametrize("text, amount", [("25000000", "25000000"), ("25,000,000", "25000000"), ("1250000.50", "1250000.50"),
                                          ("0.01", "0.01")])
def test_amounts_are_exact(text: str, amount: str) -> None:
    assert parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize("text", ["abc", "-5", "0", "1.001", "NaN", "Infinity", "1e20", ""])
def test_bad_amounts_are_refused(text: str) -> None:
    with pytest.raises(UserError):
        parse_amount(text)


def test_add_reads_name_date_and_payment() -> None:
    draft = parse_add("First patient dosed 2027-03-31 payment 25000000 usd in", TODAY)
    assert (draft.name, draft.due, draft.payment) == ("First patient dosed", date(2027, 3, 31), Payment(Decimal(25000000), "USD", Direction.IN))
    assert parse_add("Opt-in decision in 2 weeks", TODAY).due == TODAY + timedelta(days=14)
    assert parse_add("Audit friday", TODAY).due == date(2026, 12, 4)


@pytest.mark.parametrize("text", ["First patient dosed", "X 2027-02-30", "X 2026-01-01", "X 2027-01-01 payment 5 EURO in",
                                  "X 2027-01-01 payment 5 EUR maybe", "X 2027-01-01 payment five EUR in"])
def test_add_refuses_with_examples(text: str) -> None:
    with pytest.raises(UserError):
        parse_add(text, TODAY)


def test_a_half_written_payment_says_how_to_write_it() -> None:
    with pytest.raises(UserError, match="payment <amount> <CUR> in|out"):
        parse_add("Upfront 2027-01-01 payment 5000000 USD", TODAY)


def test_the_form_reports_each_bad_field() -> None:
    with pytest.raises(FormErrors) as caught:
        check_form("", "clinical", "2020-01-01", None, None, "x", "ZZZ", "in", TODAY)
    assert set(caught.value.errors) == {"name", "due", "amount", "currency"}
    draft = check_form("BLA", "regulatory", "2027-01-01", "Beta Bio", "U1", "", None, None, TODAY)
    assert (draft.kind, draft.payment) == (Kind.REGULATORY, None)


def test_windows_refs_and_offsets() -> None:
    assert (parse_window(""), parse_window("6m"), parse_window("all")) == (24, 6, None)
    assert parse_ref("M-12") == parse_ref("12") == 12
    assert parse_offsets("30, 7 1 0 7") == (30, 7, 1, 0)
    assert add_months(date(2027, 1, 31), 1) == date(2027, 2, 28)
    for bad in ("-1", "x", "400"):
        with pytest.raises(UserError):
            parse_offsets(bad)


def test_nudges_at_nine_local_across_dst_and_only_ahead() -> None:
    # Due Monday 2027-04-05 in Zurich; 7 days before is 2027-03-29, the day after the change to CEST.
    times = dict(nudge_times(date(2027, 4, 5), (30, 7, 1, 0), "Europe/Zurich", datetime(2027, 3, 1, tzinfo=timezone.utc)))
    assert times[30] == datetime(2027, 3, 6, 8, 0, tzinfo=timezone.utc)  # CET
    assert times[7] == datetime(2027, 3, 29, 7, 0, tzinfo=timezone.utc)  # CEST
    later = nudge_times(date(2027, 4, 5), (30, 7, 1, 0), "Europe/Zurich", datetime(2027, 4, 1, tzinfo=timezone.utc))
    assert [d for d, _ in later] == [1, 0]


def test_payments_are_summed_per_currency_and_direction() -> None:
    def m(n: int, amount: str, cur: str, direction: Direction) -> Milestone:
        return Milestone(n, "C", f"m{n}", Kind.CLINICAL, TODAY, "U", Payment(Decimal(amount), cur, direction))
    totals = payment_totals([m(1, "0.10", "USD", Direction.IN), m(2, "0.20", "USD", Direction.IN), m(3, "5", "USD", Direction.OUT),
                             m(4, "7", "EUR", Direction.IN)])
    assert totals == {("EUR", Direction.IN): Decimal("7"), ("USD", Direction.IN): Decimal("0.30"), ("USD", Direction.OUT): Decimal("5")}


@pytest.mark.parametrize(("payment", "named", "meant"), [
    ("payment $5M USD in", "`$5M`", "Did you mean `5000000`?"),
    ("payment 5m EUR in", "`5m`", "Did you mean `5000000`?"),
    ("payment 5,5 EUR in", "`5,5`", "`,` only between thousands"),
    ("payment EUR 5m in", "`payment EUR 5m in`", "`payment 5000000 EUR in`"),
    ("payment 5000000 EURO in", "`EURO`", "Did you mean `EUR`?"),
    ("payment 5000000 EUR", "`payment 5000000 EUR`", "payment <amount> <CUR> in|out"),
])
def test_an_unreadable_payment_is_refused_by_name_with_what_was_probably_meant(payment: str, named: str, meant: str) -> None:
    with pytest.raises(UserError) as refused:
        parse_add(f"Upfront 2027-01-01 {payment}", TODAY)
    assert named in refused.value.message and meant in refused.value.message and "Nothing was added" in refused.value.message


def test_the_date_is_the_longest_readable_end_and_a_misspelt_start_is_refused() -> None:
    assert parse_add("First patient dosed next friday payment 5,000,000 EUR in", TODAY).due == date(2026, 12, 4)
    assert parse_add("BLA submission end of march 2027", TODAY).name == "BLA submission"
    assert parse_add("Upfront payment 2027-01-01", TODAY).name == "Upfront payment"  # no payment clause after the date
    with pytest.raises(UserError, match="could not read the date `nxt friday`. Did you mean `next friday`"):
        parse_add("First patient dosed nxt friday", TODAY)
    with pytest.raises(UserError) as refused:
        parse_add("First patient dosed someday", TODAY)
    assert "`someday`" in refused.value.message and "2026-12-29" in refused.value.message  # the example is a month after today


def test_a_milestone_is_achieved_today_or_before_and_only_once() -> None:
    from bot.domain.milestones import Kind, Milestone, check_achieved

    open_one = Milestone(3, "C", "First patient dosed", Kind.CLINICAL, TODAY, "U")
    assert check_achieved(open_one, TODAY, TODAY) == TODAY
    assert check_achieved(open_one, TODAY - timedelta(days=10), TODAY) == TODAY - timedelta(days=10)
    with pytest.raises(UserError, match="cannot be achieved in the future") as future:
        check_achieved(open_one, TODAY + timedelta(days=1), TODAY)
    assert future.value.field == "achieved_on"
    with pytest.raises(UserError, match="M-3 was already marked achieved"):
        check_achieved(Milestone(3, "C", "First patient dosed", Kind.CLINICAL, TODAY, "U", achieved_on=TODAY), TODAY, TODAY)
