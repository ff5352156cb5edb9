"""Where "now" comes from: the system clock in production, a settable one in tests."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from threading import Lock
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current UTC instant."""

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        """The current instant in UTC."""
        return datetime.now(timezone.utc)


class FixedClock:
    """A clock that only moves when told to (for tests and simulations)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = start.astimezone(timezone.utc)
        self._lock = Lock()

    def now(self) -> datetime:
        """The instant the clock was last set to."""
        with self._lock:
            return self._now

    def set(self, instant: datetime) -> None:
        """Jump to `instant`."""
        with self._lock:
            self._now = instant.astimezone(timezone.utc)

    def advance(self, delta: timedelta) -> None:
        """Move forward by `delta`."""
        with self._lock:
            self._now = self._now + delta
