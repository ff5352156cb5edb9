"""SIGTERM and SIGINT as something the main thread can wait for, without taking a lock in a signal handler.

The obvious way (a handler that calls `threading.Event.set()` while the main thread sits in
`event.wait()`) can deadlock: Python runs the handler in the main thread between two bytecodes,
and if those are inside `Event.wait()` while it holds the event's lock, `set()` waits for that lock
for ever. Seen as `alliancebot scheduler` not exiting after SIGTERM on a loaded machine. Here the
handler only records the signal; Python's C-level handler also writes the signal's number to a
socket (`signal.set_wakeup_fd`), and `wait()` blocks on reading that socket, which takes no lock.
"""
from __future__ import annotations

import signal
import socket
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class StopSignal:
    """Installed at once (from the main thread); `wait()` returns the first SIGTERM or SIGINT, even one
    that came before it was called."""

    def __init__(self) -> None:
        self._receive, self._send = socket.socketpair()
        self._send.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._send.fileno(), warn_on_full_buffer=False)
        self._previous = {signum: signal.signal(signum, self._note) for signum in STOP_SIGNALS}
        self.received: int | None = None

    def _note(self, signum: int, _frame: FrameType | None) -> None:
        self.received = signum  # nothing that takes a lock

    def wait(self) -> int:
        """Block until SIGTERM or SIGINT has arrived; return which."""
        while self.received is None:
            data = self._receive.recv(64)  # the C-level handler's byte; other signals' bytes are skipped
            for number in data:
                if number in STOP_SIGNALS and self.received is None:
                    self.received = number
        return self.received

    def close(self) -> None:
        """Put the previous handlers and wake-up descriptor back."""
        signal.set_wakeup_fd(self._previous_fd)
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._receive.close()
        self._send.close()
