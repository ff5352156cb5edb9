"""Milestones and the payments that flow with them: reading commands, nudge times, totals, slips."""
from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

from bot.domain.dates import (
    check_not_past,
    example_day,
    shown,
    trailing_date,
)
from bot.domain.errors import FormErrors, UserError
from bot.domain.recurrence import local_instant

NAME_MAX = 200
DEFAULT_OFFSETS = (30, 7, 1, 0)  # days before the due date; 0 is the day itself
NUDGE_AT = time(9, 0)
OVERDUE_EVERY = timedelta(weeks=1)
MAX_AMOUNT = Decimal("1e15")
PAYMENT_EXAMPLE = "`payment 25000000 USD in`"
# Active ISO 4217 codes (2024 list, without funds codes and precious metals).
CURRENCIES = frozenset(["AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VES", "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG"])
_DIGITS = re.compile(r"^(?:\d{1,3}(?:[,_]\d{3})+|\d+)(?:\.\d+)?$")  # "," and "_" only between thousands
_SHORTHAND = re.compile(r"^[$€£¥]?(\d+(?:\.\d+)?)\s*(k|m|mm|mn|mio|bn|b)?$", re.IGNORECASE)
_SCALE = {"k": 3, "m": 6, "mm": 6, "mn": 6, "mio": 6, "b": 9, "bn": 9}
_WINDOW = re.compile(r"^(\d{1,3})\s*(m|mo|months?)$")


class Kind(StrEnum):
    """What sort of milestone it is."""

    CLINICAL = "clinical"
    REGULATORY = "regulatory"
    COMMERCIAL = "commercial"
    CONTRACTUAL = "contractual"


class Direction(StrEnum):
    """Whether the payment comes to us or goes to the partner."""

    IN = "in"
    OUT = "out"


class PaymentState(StrEnum):
    """Where an achieved milestone's payment stands."""

    INVOICED = "invoiced"
    RECEIVED = "received"


@dataclass(frozen=True)
class Payment:
    """A milestone payment: an exact amount in an ISO 4217 currency, in or out."""

    amount: Decimal
    currency: str
    direction: Direction


@dataclass(frozen=True)
class Slip:
    """One move of a milestone's date, and why."""

    from_date: date
    to_date: date
    reason: str
    by_user: str
    at: datetime


@dataclass(frozen=True)
class MilestoneDraft:
    """A new milestone as typed or filled in, checked."""

    name: str
    due: date
    kind: Kind = Kind.CLINICAL
    payment: Payment | None = None
    partner: str | None = None
    owner_id: str | None = None


@dataclass(frozen=True)
class Milestone:
    """A tracked milestone of a channel's alliance."""

    id: int
    channel_id: str
    name: str
    kind: Kind
    due: date
    created_by: str
    payment: Payment | None = None
    partner: str | None = None
    owner_id: str | None = None
    achieved_on: date | None = None
    payment_state: PaymentState | None = None
    snoozed: bool = False
    slips: tuple[Slip, ...] = field(default=())

    @property
    def ref(self) -> str:
        """How people name it in commands: `M-12`."""
        return f"M-{self.id}"

    @property
    def is_open(self) -> bool:
        """Not achieved yet."""
        return self.achieved_on is None

    def is_overdue(self, today: date) -> bool:
        """Open and past its due date."""
        return self.is_open and self.due < today


def _shorthand(text: str) -> str | None:
    """`5m`, `$5M`, `2.5bn` written out in digits (for a suggestion, never applied)."""
    match = _SHORTHAND.match(text.strip())
    if not match or not (match.group(2) or text.strip()[:1] in "$€£¥"):
        return None
    amount = Decimal(match.group(1)).scaleb(_SCALE[(match.group(2) or "").lower()] if match.group(2) else 0)
    return format_amount(amount).replace(",", "") if 0 < amount < MAX_AMOUNT else None


def parse_amount(text: str) -> Decimal:
    """An exact amount: `25000000`, `25,000,000`, `1250000.50`; positive, at most 2 decimals."""
    typed = text.strip()
    if not _DIGITS.match(typed):
        meant = _shorthand(typed)
        hint = f" Did you mean `{meant}`?" if meant else ""
        raise UserError(f"I could not read the amount `{shown(text)}`.{hint} Write the whole amount in digits (`,` only between "
                        "thousands, `.` before cents) and the currency as its code after it, e.g. `25,000,000 EUR` or `1250000.50 USD`.")
    amount = Decimal(typed.replace(",", "").replace("_", ""))
    if amount <= 0 or amount >= MAX_AMOUNT:
        raise UserError(f"The amount `{shown(text)}` must be a positive number below 10^15, e.g. `25000000`.")
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise UserError(f"The amount `{shown(text)}` has more than 2 decimals.")
    return amount


def parse_currency(text: str) -> str:
    """An ISO 4217 currency code such as `USD`, `EUR` or `CHF`."""
    code = text.strip().upper()
    if code not in CURRENCIES:
        meant = difflib.get_close_matches(code, CURRENCIES, 1, 0.8) if code.isalpha() else []
        hint = f" Did you mean `{meant[0]}`?" if meant else ""
        raise UserError(f"`{shown(text)}` is not an ISO 4217 currency code.{hint} Use e.g. `USD`, `EUR`, `CHF`, `GBP` or `JPY`.")
    return code


def parse_direction(text: str) -> Direction:
    """`in` (we receive it) or `out` (we pay it)."""
    try:
        return Direction(text.strip().lower())
    except ValueError:
        raise UserError(f"Say whether the payment comes `in` or goes `out`, not `{text[:10]}`.") from None


def parse_payment(amount: str, currency: str, direction: str) -> Payment:
    """The three payment words, each checked."""
    return Payment(parse_amount(amount), parse_currency(currency), parse_direction(direction))


def add_example(today: date) -> str:
    """A whole `/milestone add` command that works on the typist's today."""
    return f"`/milestone add First patient dosed {example_day(today).isoformat()} {PAYMENT_EXAMPLE[1:-1]}`"


def _payment_words(words: list[str], today: date) -> Payment:
    """`<amount> <CUR> in|out` after the word `payment`; anything else is named back, and nothing is added."""
    if len(words) == 3 and words[0].upper() in CURRENCIES and words[1].upper() not in CURRENCIES:
        meant = _shorthand(words[1]) or words[1]
        raise UserError(f"Write the amount before the currency: `payment {shown(meant)} {words[0].upper()} {shown(words[2])}`, "
                        f"not `payment {shown(' '.join(words))}`. Nothing was added.")
    if len(words) != 3:
        raise UserError(f"I could not read the payment `payment {shown(' '.join(words))}`: write it as `payment <amount> <CUR> in|out`, "
                        f"e.g. {PAYMENT_EXAMPLE}. Nothing was added; for example {add_example(today)}.")
    try:
        return parse_payment(*words)
    except UserError as problem:
        raise UserError(f"{problem.message} Nothing was added.") from None


def parse_add(text: str, today: date) -> MilestoneDraft:
    """`<name> <date> [payment <amount> <CUR> in|out]`: the date is the longest readable end of what comes before
    the last `payment` (up to four words: `end of march 2027`); nothing half-read is added."""
    words = text.split()
    cut = max((i for i, w in enumerate(words) if w.lower() == "payment"), default=len(words))
    if cut < len(words) and not _date_ends(words[:cut], today):
        cut = len(words)  # "Upfront payment 2027-01-01": no payment clause after a date, so `payment` is part of the name
    try:
        name, due = trailing_date(words[:cut], today) if cut else ([], today)
        check_not_past(due, today)
    except UserError as problem:
        raise UserError(f"{problem.message} Nothing was added; write the name and then the date, e.g. {add_example(today)}.") from None
    payment = _payment_words(words[cut + 1:], today) if cut < len(words) else None
    return check_draft(MilestoneDraft(name=" ".join(name), due=due, payment=payment), today)


def _date_ends(words: list[str], today: date) -> bool:
    """Whether `words` are a name followed by a readable date."""
    try:
        return bool(trailing_date(words, today)[0])
    except UserError:
        return False


def check_draft(draft: MilestoneDraft, today: date) -> MilestoneDraft:
    """A name that fits, a date not in the past."""
    name = draft.name.strip()
    if not name:
        raise UserError(f"Give the milestone a name, e.g. {add_example(today)}.", field="name")
    if len(name) > NAME_MAX:
        raise UserError(f"Keep the name under {NAME_MAX} characters.", field="name")
    check_not_past(draft.due, today)
    return MilestoneDraft(name, draft.due, draft.kind, draft.payment, draft.partner, draft.owner_id)


def check_form(name: str, kind: str | None, due: str | None, partner: str | None, owner: str | None,
               amount: str | None, currency: str | None, direction: str | None, today: date) -> MilestoneDraft:
    """The modal's fields, with an error per field that is wrong."""
    errors: dict[str, str] = {}
    payment = None
    due_day: date | None = None
    try:
        due_day = check_not_past(date.fromisoformat(due), today) if due else None
        if due_day is None:
            errors["due"] = "Pick a due date."
    except (UserError, ValueError) as problem:
        errors["due"] = getattr(problem, "message", "Pick a due date.")
    if amount and amount.strip():
        for key, read in (("amount", lambda: parse_amount(amount)), ("currency", lambda: parse_currency(currency or "")),
                          ("direction", lambda: parse_direction(direction or ""))):
            try:
                read()
            except UserError as problem:
                errors[key] = problem.message
        if not errors.get("amount") and not errors.get("currency") and not errors.get("direction"):
            payment = parse_payment(amount, currency or "", direction or "")
    if not name.strip() or len(name.strip()) > NAME_MAX:
        errors["name"] = f"Give the milestone a name of at most {NAME_MAX} characters."
    if errors or due_day is None:
        raise FormErrors(errors)
    return MilestoneDraft(name.strip(), due_day, Kind(kind or Kind.CLINICAL), payment, partner or None, owner or None)


def parse_window(text: str) -> int | None:
    """`/milestone list [6m|24m|all]`: months ahead (24 by default), None for everything."""
    word = text.strip().lower()
    if word == "":
        return 24
    if word == "all":
        return None
    match = _WINDOW.match(word)
    if match and 0 < int(match.group(1)) <= 240:
        return int(match.group(1))
    raise UserError(f"I could not read `{shown(text)}` as a number of months. "
                    "List the next months with `/milestone list 6m`, `/milestone list 24m` or `/milestone list all`.")


def parse_ref(text: str) -> int:
    """`M-12`, `m12` or `12`."""
    match = re.match(r"^(?:m-?)?(\d{1,9})$", text.strip().lower())
    if not match:
        raise UserError(f"`{shown(text)}` is not a milestone id. Name the milestone by its id, e.g. `/milestone done M-12` (see `/milestone list`).")
    return int(match.group(1))


def parse_offsets(text: str) -> tuple[int, ...]:
    """Nudge offsets in days before the due date: `30 7 1 0` (0 is the day itself)."""
    try:
        days = sorted({int(word) for word in text.replace(",", " ").split()}, reverse=True)
    except ValueError:
        raise UserError(f"I could not read `{shown(text)}` as nudge days. Give them as numbers, e.g. `/milestone nudges 30 7 1 0` "
                        "(0 is the due day).") from None
    if not days or days[-1] < 0 or days[0] > 365 or len(days) > 8:
        raise UserError("Give one to eight nudge days between 0 and 365, e.g. `/milestone nudges 30 7 1 0`.")
    return tuple(days)


def nudge_times(due: date, offsets: Sequence[int], zone: str, now: datetime) -> list[tuple[int, datetime]]:
    """(days before, instant) of each nudge still ahead: 09:00 in the alliance's zone, right across DST."""
    times = [(days, local_instant(due - timedelta(days=days), NUDGE_AT, zone)) for days in offsets]
    return [(days, at) for days, at in times if at > now]


def first_overdue_nudge(due: date, zone: str) -> datetime:
    """The first weekly reminder of an overdue milestone: a week after the due day, 09:00 local."""
    return local_instant(due + OVERDUE_EVERY, NUDGE_AT, zone)


def next_overdue_nudge(after: date, zone: str) -> datetime:
    """The weekly reminder after the one on local day `after`."""
    return local_instant(after + OVERDUE_EVERY, NUDGE_AT, zone)


def payment_totals(milestones: Iterable[Milestone]) -> dict[tuple[str, Direction], Decimal]:
    """Payments summed per currency and direction (never across currencies)."""
    totals: dict[tuple[str, Direction], Decimal] = {}
    for milestone in milestones:
        if milestone.payment is not None:
            key = (milestone.payment.currency, milestone.payment.direction)
            totals[key] = totals.get(key, Decimal(0)) + milestone.payment.amount
    return dict(sorted(totals.items()))


def check_achieved(milestone: Milestone, on: date, today: date) -> date:
    """When an open milestone was achieved: today or before (its own zone's today)."""
    if not milestone.is_open:
        raise UserError(f"{milestone.ref} was already marked achieved on {milestone.achieved_on}.")
    if on > today:
        raise UserError("It cannot be achieved in the future.", field="achieved_on")
    return on


def check_move(milestone: Milestone, to_date: date, reason: str, today: date) -> tuple[date, str]:
    """A new date that differs and is not past, and a reason for the slip."""
    if not milestone.is_open:
        raise UserError(f"{milestone.ref} is already achieved.", field="date")
    check_not_past(to_date, today)
    if to_date == milestone.due:
        raise UserError("That is the date it already has.", field="date")
    if not reason.strip():
        raise UserError("Say why the date moves; the slip history keeps it.", field="reason")
    return to_date, reason.strip()[:500]


def format_amount(amount: Decimal) -> str:
    """`25,000,000` or `1,250,000.50`."""
    return f"{amount:,.2f}".removesuffix(".00")
