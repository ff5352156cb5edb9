"""Every command's date, owner and amount slots, fuzzed: read to what the text says, or refused by name.

The property, for each parser: either the text is read to a value it supports (the date the slot
reads as, the exact amount, the people mentioned) with nothing dropped around it, or a UserError
names the part it could not read, and any date it offers is one the person can still use
(nothing before their today, the examples computed from it).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timezone
from decimal import Decimal
from typing import TypeVar

from hypothesis import assume, given
from hypothesis import strategies as st

from bot.domain.actions import parse_capture
from bot.domain.dates import DAY_WORDS, QUALIFIERS, UNITS, date_examples, example_day, parse_day, read_day, shown
from bot.domain.errors import UserError
from bot.domain.meeting_requests import parse_add as parse_meeting
from bot.domain.meeting_requests import parse_cadence
from bot.domain.mentions import mentioned
from bot.domain.milestones import CURRENCIES, parse_amount, parse_currency
from bot.domain.milestones import parse_add as parse_milestone

T = TypeVar("T")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
_QUOTED = re.compile(r"`([^`]*)`")

todays = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


def _misspelt(word: str) -> st.SearchStrategy[str]:
    """The word, or the word with one letter dropped, doubled or swapped with the next."""
    def mangle(data: tuple[int, int]) -> str:
        at, how = data[0] % len(word), data[1]
        if how == 0:
            return word[:at] + word[at + 1:]
        if how == 1:
            return word[:at] + word[at] + word[at:]
        return word[:at] + word[at + 1:at + 2] + word[at:at + 1] + word[at + 2:]
    return st.tuples(st.integers(0, 50), st.integers(0, 3)).map(lambda d: word if d[1] == 3 else mangle(d))


date_word = st.sampled_from(sorted(DAY_WORDS | QUALIFIERS | UNITS | {"in", "the", "of"})).flatmap(_misspelt)
number = st.integers(0, 3000).map(str)
iso = st.tuples(st.integers(1990, 2040), st.integers(0, 13), st.integers(0, 32)).map(lambda t: f"{t[0]}-{t[1]:02d}-{t[2]:02d}")
noise = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-/.,'", min_size=1, max_size=12)
weekday = st.sampled_from(["monday", "tue", "wednesday", "thu", "friday", "sat", "sunday"])
month = st.sampled_from(["jan", "february", "mar", "april", "may", "jun", "july", "aug", "september", "oct", "nov", "december"])
readable = st.one_of(
    st.sampled_from(["today", "tomorrow", "eod"]), weekday, weekday.map("next {}".format), weekday.map("this {}".format),
    st.tuples(st.integers(0, 40), st.sampled_from(["days", "weeks", "months"])).map(lambda t: f"in {t[0]} {t[1]}"),
    st.tuples(month, st.integers(1, 31)).map(lambda t: f"{t[0]} {t[1]}"), month.map("end of {}".format),
    st.tuples(st.integers(1, 31), month, st.integers(2019, 2037)).map(lambda t: f"{t[0]} {t[1]} {t[2]}"), iso,
)
# What people type where a date goes: readable dates, misspellings, numbers, ISO-shaped text and noise, 1-4 words.
date_slot = st.one_of(readable, st.lists(st.one_of(date_word, date_word, number, iso, noise), min_size=1, max_size=4).map(" ".join))
amount_slot = st.one_of(
    st.integers(1, 10**14).map(str),
    st.integers(1, 10**14).map("{:,}".format),
    st.decimals(min_value=0, max_value=10**9, places=3, allow_nan=False).map(str),
    st.tuples(st.sampled_from(["", "$", "€", "EUR ", "£"]), st.integers(1, 999), st.sampled_from(["", "k", "m", "M", "bn", "mio"]))
    .map(lambda t: f"{t[0]}{t[1]}{t[2]}"),
    noise,
)
currency_slot = st.one_of(st.sampled_from(sorted(CURRENCIES)), st.sampled_from(sorted(CURRENCIES)).flatmap(_misspelt),
                          st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ$€", min_size=1, max_size=5))


def assert_refusal_names(problem: UserError, part: str, typed: str, today: date) -> None:
    """The refusal quotes the part that was not read (or says why it cannot be used), and offers no stale dates."""
    message, part = problem.message, " ".join(part.split())
    quoted = _QUOTED.findall(message)
    assert any(q.strip() and (q in part or shown(part)[:20] in q) for q in quoted) or "in the past" in message, (typed, message)
    read = read_day(part, today)
    for found in _ISO.findall(message):  # any date it shows is one it read from the person, or one they can still use
        assert found in typed or (read and found == read.isoformat()) or date.fromisoformat(found) >= today, (typed, message)
    if ("date" in message or "in the past" in message) and ("Try " in message or "e.g." in message):
        assert date_examples(today) in message or example_day(today).isoformat() in message or "friday" in message, message
    for example in quoted:
        day = read_day(example, today) if example not in typed else None
        assert day is None or day >= today, (typed, message, example)


@given(todays, date_slot)
def test_action_due_date_slot(today: date, slot: str) -> None:
    assume(" by " not in f" {slot.lower()} ")
    raw = f"Send the CMC package by {slot}"
    try:
        capture = parse_capture(raw, "UME", today)
    except UserError as problem:
        assert_refusal_names(problem, slot, raw, today)
        return
    if capture.due is None:  # prose: nothing dropped
        assert capture.text == " ".join(raw.split())
    else:
        assert capture.text == "Send the CMC package" and capture.due == parse_day(slot, today) >= today


@given(todays, st.lists(st.one_of(st.sampled_from(["UA1", "UB2", "W3"]).map(lambda u: f"<@{u}|x>"),
                                  st.from_regex(r"@[a-z][a-z.\-]{0,8}", fullmatch=True),
                                  st.sampled_from(["lee@example.com", "email", "the", "deck"])), max_size=5))
def test_action_owner_slot(today: date, words: list[str]) -> None:
    raw = " ".join(["Send", *words, "the", "deck"])
    unresolved = [w for w in words if w.startswith("@")]
    try:
        capture = parse_capture(raw, "UME", today)
    except UserError as problem:
        assert unresolved and f"@{unresolved[0][1:]}" in problem.message, (raw, problem.message)
        return
    assert not unresolved and capture.owner_ids == (mentioned(raw) or ("UME",))


@given(todays, date_slot)
def test_milestone_date_slot(today: date, slot: str) -> None:
    raw = f"Readout {slot}"
    try:
        draft = parse_milestone(raw, today)
    except UserError as problem:
        assert_refusal_names(problem, slot, raw, today)
        return
    words = raw.split()
    named = len(draft.name.split())
    assert words[:named] == draft.name.split() and read_day(" ".join(words[named:]), today) == draft.due >= today


@given(todays, amount_slot, currency_slot, st.sampled_from(["in", "out", "IN", "inn", "0ut"]))
def test_milestone_payment_slots(today: date, amount: str, currency: str, direction: str) -> None:
    due = example_day(today).isoformat()
    raw = f"Upfront {due} payment {amount} {currency} {direction}"
    try:
        draft = parse_milestone(raw, today)
    except UserError as problem:
        payment = " ".join([amount, currency, direction])
        assert any(part[:20] in problem.message or shown(payment)[:20] in problem.message
                   for part in (amount.strip(), currency.strip(), direction)), (raw, problem.message)
        assert_refusal_names(problem, payment, raw, today)
        return
    assert draft.payment is not None and draft.name == "Upfront"
    assert draft.payment.amount == Decimal(amount.replace(",", "")) and draft.payment.currency == currency.upper()
    assert draft.payment.direction.value == direction.lower()


def read_or_named(read: Callable[[str], T], text: str) -> T | None:
    """`read(text)`, or None once its refusal is checked to quote the text."""
    try:
        return read(text)
    except UserError as problem:
        assert f"`{shown(text)}`" in problem.message, (text, problem.message)
        return None


@given(amount_slot)
def test_amounts_are_exact_or_refused_by_name(text: str) -> None:
    amount = read_or_named(parse_amount, text)
    assert amount is None or (re.fullmatch(r"\d{1,3}(,\d{3})*(\.\d{1,2})?|\d+(\.\d{1,2})?", text.strip())
                              and amount == Decimal(text.replace(",", "")))


@given(currency_slot)
def test_currencies_are_codes_or_refused_by_name(text: str) -> None:
    code = read_or_named(parse_currency, text)
    assert code is None or code == text.strip().upper() in CURRENCIES


@given(todays, date_slot)
def test_meeting_add_date_slot(today: date, slot: str) -> None:
    assume(not re.search(r"\d+(m|min|h)$|/|:|am$|pm$", slot.lower()))  # the time, zone and duration slots come after
    raw = f"JSC review {slot} 15:00"
    now = datetime.combine(today, time(12, 0), timezone.utc)
    try:
        added = parse_meeting(raw, today, "UTC", now)
    except UserError as problem:
        assert_refusal_names(problem, slot, raw, today)
        return
    words = raw.split()[:-1]
    titled = len(added.title.split())
    assert words[:titled] == added.title.split() and read_day(" ".join(words[titled:]), today) == added.starts_at.date()


@given(todays, date_slot)
def test_meeting_cadence_first_date_slot(today: date, slot: str) -> None:
    words = slot.lower().split()
    assume(not any(w in ("weekly", "biweekly", "fortnightly", "monthly", "quarterly") for w in words))
    assume(not (len(words) >= 2 and words[-2] == "ahead"))
    raw = f"JSC quarterly {slot}"
    try:
        title, _, first, _, _ = parse_cadence(raw, today)
    except UserError as problem:
        assert_refusal_names(problem, slot, raw, today)
        return
    assert title == "JSC" and first == parse_day(slot, today) >= today


@given(todays, st.lists(st.one_of(st.sampled_from(["UA1", "UB2", "W3"]).map(lambda u: f"<@{u}|x>"),
                                  st.from_regex(r"@[a-z][a-z.\-]{0,8}", fullmatch=True)), max_size=4))
def test_meeting_cadence_people_slot(today: date, people: list[str]) -> None:
    raw = " ".join(["JSC", "quarterly", example_day(today).isoformat(), *people])
    unresolved = [w for w in people if w.startswith("@")]
    try:
        named = parse_cadence(raw, today)[4]
    except UserError as problem:
        assert unresolved and unresolved[0] in problem.message, (raw, problem.message)
        return
    assert not unresolved and named == mentioned(raw)
