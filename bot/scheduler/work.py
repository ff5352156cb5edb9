"""What a sender returns for one piece of due work, and how failures turn into retries."""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.slack_edge.gateway import ErrorCategory, SlackCallError
from storage.due_work import ClaimedWork

logger = logging.getLogger(__name__)

# 30 s, 2 min, 10 min, 1 h, then hourly: long enough to ride out a Slack outage, short enough
# that a reminder is still useful. With 8 attempts the last try is about 5 hours after the first.
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(hours=1))
MAX_ATTEMPTS = 8
MAX_REASON = 500
AUTH_RETRY = timedelta(hours=1)
# After the gateway has waited out Retry-After several times in a row: leave the slot to other
# work and come back a little later (a 429 means Slack did not process the call).
RATE_LIMIT_RETRY = timedelta(minutes=1)


@dataclass(frozen=True)
class Sent:
    """Delivered; `result` is kept on the row (e.g. the Slack channel and message ts)."""

    result: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RetryLater:
    """Not delivered this time; try again after `delay`."""

    delay: timedelta
    reason: str
    # Waiting on something outside the work itself (a revoked token an admin must fix, Slack's
    # rate limit): retried without using up attempts, so it is never given up for that.
    until_fixed: bool = False


@dataclass(frozen=True)
class Failed:
    """Will never be delivered (e.g. the channel is gone); the reason is kept for operators."""

    reason: str


Outcome = Sent | RetryLater | Failed
Sender = Callable[[ClaimedWork], Outcome]


def backoff(attempt: int) -> timedelta:
    """How long to wait after the given (1-based) failed attempt."""
    return BACKOFF[min(max(attempt, 1), len(BACKOFF)) - 1]


def run_sender(work: ClaimedWork, senders: Mapping[str, Sender]) -> Outcome:
    """Call the sender for the work's kind; an exception becomes a retry with backoff."""
    sender = senders.get(work.kind)
    if sender is None:
        return Failed(f"no sender for kind {work.kind!r}")
    try:
        return sender(work)
    except SlackCallError as error:
        # One clear line per refused attempt, with Slack's own code; never the payload.
        if error.category is ErrorCategory.AUTH:
            logger.warning("due work %s (%s) waits: Slack refused the token on %s (%s); it is retried hourly until the app "
                           "is reinstalled or the token works again", work.id, work.kind, error.method, error.error)
            return RetryLater(AUTH_RETRY, f"{error.method}: {error.error}", until_fixed=True)
        if error.error == "ratelimited":
            logger.warning("due work %s (%s) waits: Slack kept rate-limiting %s; retrying in %s without counting an attempt",
                           work.id, work.kind, error.method, RATE_LIMIT_RETRY)
            return RetryLater(RATE_LIMIT_RETRY, f"{error.method}: ratelimited", until_fixed=True)
        delay = backoff(work.attempt)
        logger.warning("due work %s (%s) attempt %s: Slack answered %s to %s (%s); retrying in %s", work.id, work.kind,
                       work.attempt, error.error, error.method, error.category, delay)
        return RetryLater(delay, f"{error.method}: {error.error} ({error.category})")
    except Exception as error:
        # Id and kind only: the payload can carry confidential alliance text.
        logger.exception("sending due work %s (%s) failed on attempt %s", work.id, work.kind, work.attempt)
        return RetryLater(backoff(work.attempt), f"{type(error).__name__}: {error}"[:MAX_REASON])


def settle(outcome: Outcome, attempt: int, max_attempts: int = MAX_ATTEMPTS) -> Outcome:
    """The outcome to record: a retry past the last attempt becomes a failure."""
    if isinstance(outcome, RetryLater) and attempt >= max_attempts and not outcome.until_fixed:
        return Failed(f"gave up after {attempt} attempts: {outcome.reason}")
    return outcome
