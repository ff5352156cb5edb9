"""When things happen to a decision: reminders before its deadline at a sane hour for each decider, the assumptions' review."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.domain import tz
from bot.domain.consensus import Decision, Outcome
from bot.domain.errors import UserError
from bot.domain.recurrence import local_instant

REMINDERS = (("24h", timedelta(hours=24)), ("1h", timedelta(hours=1)))


def reminder_times(deadline: datetime | None, now: datetime) -> list[tuple[str, datetime]]:
    """When non-voters are reminded: 24 h and 1 h before the deadline, where the deadline allows."""
    if deadline is None:
        return []
    return [(label, deadline - before) for label, before in REMINDERS if deadline - before > now]


def sane_hour(instant: datetime, zone: str | None, *, now: datetime, deadline: datetime) -> datetime:
    """Move a reminder into 08:00–20:00 of the recipient's own day, keeping it between now and the deadline."""
    if not zone:
        return instant
    local = instant.astimezone(tz.zone(zone))
    if 8 <= local.hour < 20:
        return instant
    day = local.date() if local.hour >= 20 else local.date() - timedelta(days=1)
    evening = local_instant(day, time(19, 0), zone)
    if now < evening < deadline:
        return evening
    morning_day = local.date() if local.hour < 8 else local.date() + timedelta(days=1)
    morning = local_instant(morning_day, time(8, 0), zone)
    return morning if now < morning < deadline else instant



def check_assumptions(decision: Decision, text: str, review_on: date | None, zone: str, now: datetime) -> tuple[tuple[str, ...], datetime | None]:
    """Read recorded assumptions (one per line) and the review day (reviewed at 09:00 in the alliance's zone)."""
    if decision.is_open or decision.outcome not in (Outcome.FULL, Outcome.QUALIFIED):
        raise UserError("Assumptions are recorded for decisions that reached consensus.")
    lines = tuple(dict.fromkeys(line.strip(" •-\t") for line in text.splitlines() if line.strip(" •-\t")))
    if not lines:
        raise UserError("Write at least one assumption, one per line.", field="assumptions")
    if len(lines) > 20 or any(len(line) > 500 for line in lines):
        raise UserError("Keep it to 20 assumptions of at most 500 characters each.", field="assumptions")
    if review_on is None:
        return lines, None
    review_at = local_instant(review_on, time(9, 0), zone)
    if review_at <= now:
        raise UserError("Pick a review date in the future.", field="review")
    return lines, review_at
