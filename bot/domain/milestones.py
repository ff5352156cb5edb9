"""Milestones and the payments that flow with them: reading commands, nudge times, totals, slips."""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from bot.domain.dates import DATE_EXAMPLES, check_not_past, parse_day
from bot.domain.errors import FormErrors, UserError
from bot.domain.recurrence import local_instant

NAME_MAX = 200
DEFAULT_OFFSETS = (30, 7, 1, 0)  # days before the due date; 0 is the day itself
NUDGE_AT = time(9, 0)
OVERDUE_EVERY = timedelta(weeks=1)
MAX_AMOUNT = Decimal("1e15")
ADD_EXAMPLE = "`/milestone add First patient dosed 2027-03-31 payment 25000000 USD in`"
# Active ISO 4217 codes (2024 list, without funds codes and precious metals).
CURRENCIES = frozenset("""
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP
CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR
ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT
MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD
SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND
VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG""".split())
_ADD = re.compile(r"^(?P<name>.+?)\s+(?P<when>\S+(?:\s+\d{1,3}\s+(?:days?|weeks?))?)"
                  r"(?:\s+payment\s+(?P<amount>\S+)\s+(?P<cur>\S+)\s+(?P<dir>\S+))?$", re.IGNORECASE)
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


def parse_amount(text: str) -> Decimal:
    """An exact amount: `25000000`, `25,000,000`, `1250000.50`; positive, at most 2 decimals."""
    cleaned = text.strip().replace(",", "").replace("_", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise UserError(f"I could not read the amount `{text[:30]}`. Write digits, e.g. `25000000` or `1,250,000.50`.") from None
    if not amount.is_finite() or amount <= 0 or amount >= MAX_AMOUNT:
        raise UserError(f"The amount `{text[:30]}` must be a positive number, e.g. `25000000`.")
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise UserError(f"The amount `{text[:30]}` has more than 2 decimals.")
    return amount


def parse_currency(text: str) -> str:
    """An ISO 4217 currency code such as `USD`, `EUR` or `CHF`."""
    code = text.strip().upper()
    if code not in CURRENCIES:
        raise UserError(f"`{text[:10]}` is not an ISO 4217 currency code. Use e.g. `USD`, `EUR`, `CHF`, `GBP` or `JPY`.")
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


def parse_add(text: str, today: date) -> MilestoneDraft:
    """`<name> <date> [payment <amount> <CUR> in|out]`; bad input says how to write it."""
    match = _ADD.match(" ".join(text.split()))
    if not match:
        raise UserError(f"Write the name and then the date, e.g. {ADD_EXAMPLE}.")
    name, when = match.group("name"), match.group("when")
    try:
        due = check_not_past(parse_day(when, today), today)
    except UserError as problem:
        if re.search(r"\spayment\s", text, re.IGNORECASE):
            raise UserError(f"Write the payment as `payment <amount> <CUR> in|out`, e.g. {ADD_EXAMPLE}.") from None
        raise UserError(f"{problem.message} For example {ADD_EXAMPLE}.") from None
    payment = parse_payment(match.group("amount"), match.group("cur"), match.group("dir")) if match.group("amount") else None
    return check_draft(MilestoneDraft(name=name, due=due, payment=payment), today)


def check_draft(draft: MilestoneDraft, today: date) -> MilestoneDraft:
    """A name that fits, a date not in the past."""
    name = draft.name.strip()
    if not name:
        raise UserError(f"Give the milestone a name, e.g. {ADD_EXAMPLE}.", field="name")
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
            errors["due"] = f"Pick a due date. Dates look like {DATE_EXAMPLES}."
    except (UserError, ValueError) as problem:
        errors["due"] = getattr(problem, "message", f"Pick a date, e.g. {DATE_EXAMPLES}.")
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
    raise UserError("List the next months with `/milestone list 6m`, `/milestone list 24m` or `/milestone list all`.")


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def parse_ref(text: str) -> int:
    """`M-12`, `m12` or `12`."""
    match = re.match(r"^(?:m-?)?(\d{1,9})$", text.strip().lower())
    if not match:
        raise UserError("Name the milestone by its id, e.g. `/milestone done M-12` (see `/milestone list`).")
    return int(match.group(1))


def parse_offsets(text: str) -> tuple[int, ...]:
    """Nudge offsets in days before the due date: `30 7 1 0` (0 is the day itself)."""
    try:
        days = sorted({int(word) for word in text.replace(",", " ").split()}, reverse=True)
    except ValueError:
        raise UserError("Give the nudge days as numbers, e.g. `/milestone nudges 30 7 1 0` (0 is the due day).") from None
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
