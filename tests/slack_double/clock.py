"""Time in the double: how long tests wait for things, and the clock Slack's time limits run on.

Nothing a test checks may depend on how fast the machine is (issue #15). So:

- A wait for something that should happen (an ack, a message, a connection) returns as soon as
  it happens and gives up only after PATIENCE seconds, a bound reached only when something is
  broken: a loaded 2-core machine can be ten times slower than an idle one.
- Slack's own time limits (a trigger_id lasts 3 s, a response_url 30 min, rate-limit windows)
  run on the double's clock. In tests that is a ManualClock, which moves only when a test
  advances it, so a limit is crossed exactly when the test says so and never because the
  machine was slow. Benchmarks give the double `time.monotonic` to hold the app to Slack's
  limits in real time.
"""
from __future__ import annotations

import threading

PATIENCE = 60.0


# Where a ManualClock starts: the same on every machine, and a float whole and halves add to exactly. Started at
# time.monotonic() (as it once was), 59.5 + 0.5 seconds could come out a hair short of 60 on one machine and not
# on another, and a test of a 60-second window failed in one loop run in nine.
START = 1_000_000.0


class ManualClock:
    """Monotonic seconds that only move when `advance` is called (a callable, like time.monotonic)."""

    def __init__(self, start: float = START) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Let `seconds` pass for the double (e.g. past a trigger_id's 3 s)."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        with self._lock:
            self._now += seconds
