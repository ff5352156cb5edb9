"""What a sender returns for one piece of due work, and how failures are retried."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from storage.due_work import ClaimedWork

# 30 s, 2 min, 10 min, 1 h, then hourly: long enough for Slack outages, short enough for reminders.
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(hours=1))
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Sent:
    """Delivered; `result` is kept (e.g. the Slack message ts)."""

    result: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RetryLater:
    """Not delivered this time; try again after `delay`."""

    delay: timedelta
    reason: str


@dataclass(frozen=True)
class Failed:
    """Will never be delivered (e.g. the channel is gone); the reason is kept for operators."""

    reason: str


Outcome = Sent | RetryLater | Failed
Sender = Callable[[ClaimedWork], Outcome]


def backoff(attempt: int) -> timedelta:
    """How long to wait after the given (1-based) failed attempt."""
    return BACKOFF[min(attempt, len(BACKOFF)) - 1]
