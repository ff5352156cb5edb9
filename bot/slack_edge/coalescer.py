"""Turns a burst of changes to one message into few `chat.update` calls that end at the latest state."""
from __future__ import annotations

import contextvars
import heapq
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.slack_edge.installation_context import current_installation

if TYPE_CHECKING:
    from bot.clock import Clock
    from storage.db import Database

logger = logging.getLogger(__name__)

# A render returns (text, blocks) read from committed state at send time, so the last update
# always shows the latest state however the requests interleaved.
Render = Callable[[], tuple[str, list[dict[str, Any]]]]
Send = Callable[[str, str, str, list[dict[str, Any]]], None]


@dataclass
class _Pending:
    render: Render
    due: float
    context: contextvars.Context = field(default_factory=contextvars.copy_context)
    running: bool = False
    dirty: bool = False
    last_sent: float = field(default=-1e9)


class UpdateCoalescer:
    """Schedules at most one update per message per `min_interval` seconds, always re-rendering.

    Slack allows about 50 `chat.update` calls a minute for an app in a workspace, and gives no
    ordering guarantee between concurrent updates; sending from one thread per message, always
    rendering the newest committed state, avoids both lost and out-of-order renders.

    With `db`, the same holds across processes (several web workers): the database says which
    process is updating a message and whether a newer render was asked for meanwhile
    (`storage.message_renders`), so a vote counted on one worker is never overwritten by an older
    render from another. Renders and sends run in the requester's context (its installation).
    """

    HOLD = timedelta(seconds=30)

    def __init__(self, send: Send, min_interval: float = 1.2, clock: Callable[[], float] = time.monotonic,
                 *, db: Database | None = None, clock_utc: Clock | None = None) -> None:
        self._db = db
        self._utc = clock_utc
        self._holder = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._send = send
        self._min_interval = min_interval
        self._clock = clock
        self._lock = threading.Condition()
        self._pending: dict[tuple[str, str], _Pending] = {}
        self._queue: list[tuple[float, tuple[str, str]]] = []
        self._last_sent: dict[tuple[str, str], float] = {}
        self._watches: dict[tuple[str, str], tuple[Render, contextvars.Context]] = {}
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="update-coalescer", daemon=True)
        self._thread.start()

    def request(self, channel: str, ts: str, render: Render) -> None:
        """Ask for message (channel, ts) to show what `render` returns, soon."""
        key = (channel, ts)
        if self._db is not None and not self._hold(channel, ts, note=True):
            # Another process is updating this message and will render our change too, unless it
            # died holding it (a crash, a restart): look again once its hold may have lapsed.
            self._watch(key, render)
            return
        with self._lock:
            now = self._clock()
            item = self._pending.get(key)
            if item is None:
                # Keep the pace even when the previous burst for this message has just finished.
                item = _Pending(render=render, due=max(now, self._last_sent.get(key, -1e9) + self._min_interval))
                self._pending[key] = item
                heapq.heappush(self._queue, (item.due, key))
                self._lock.notify()
                return
            item.render = render
            if item.running:
                item.dirty = True

    def _watch(self, key: tuple[str, str], render: Render) -> None:
        """Check back on a message held by another process after HOLD: if that process has let go
        (nothing outstanding) there is nothing to do; if its hold lapsed with a render still
        outstanding, it died, and this process takes the message over. Watches are not updates
        waiting to be sent: flush() does not wait for them."""
        with self._lock:
            if key not in self._watches:
                heapq.heappush(self._queue, (self._clock() + self.HOLD.total_seconds(), key))
            self._watches[key] = (render, contextvars.copy_context())
            self._lock.notify()

    def _check_watch(self, key: tuple[str, str]) -> None:
        with self._lock:
            render, context = self._watches.pop(key)
        if context.run(self._outstanding, key):
            context.run(self.request, key[0], key[1], render)

    def _outstanding(self, key: tuple[str, str]) -> bool:
        from storage.message_renders import requested

        assert self._db is not None
        with self._db.read() as session:
            return requested(session, current_installation.get() or 0, *key) > 0

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until no update is pending or running; True when everything was sent."""
        deadline = self._clock() + timeout
        with self._lock:
            while self._pending:
                remaining = deadline - self._clock()
                if remaining <= 0:
                    return False
                self._lock.wait(min(remaining, 0.05))
        return True

    def close(self, timeout: float = 10.0) -> None:
        """Send what is pending, then stop the worker thread."""
        self.flush(timeout)
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            with self._lock:
                while not self._closed and (not self._queue or self._queue[0][0] > self._clock()):
                    wait = self._queue[0][0] - self._clock() if self._queue else None
                    self._lock.wait(wait)
                if self._closed and not self._pending:
                    return  # watches are dropped at close: the next process's start-up catch-up covers them
                if not self._queue:
                    continue
                _, key = heapq.heappop(self._queue)
                item = self._pending.get(key)
                if item is None or (item.due > self._clock() and not self._closed):
                    if item is None and key in self._watches:
                        watched = True
                    else:
                        continue  # a watch entry for a key that is pending again, or stale
                else:
                    watched = False
                if item is not None and not watched:
                    item.running = True
                    item.dirty = False
                    render = item.render
            if watched:
                try:
                    self._check_watch(key)
                except Exception:
                    logger.exception("checking on message %s in %s failed", key[1], key[0])
                continue
            assert item is not None
            caught_up = True
            try:
                caught_up = item.context.run(self._render_and_send, key, render)
            except Exception:
                logger.exception("updating message %s in %s failed", key[1], key[0])
            with self._lock:
                if not caught_up:
                    item.dirty = True
                item.running = False
                item.last_sent = self._clock()
                self._last_sent[key] = item.last_sent
                if len(self._last_sent) > 10_000:
                    horizon = item.last_sent - self._min_interval
                    self._last_sent = {k: v for k, v in self._last_sent.items() if v > horizon}
                if item.dirty:
                    item.dirty = False
                    item.due = item.last_sent + self._min_interval
                    heapq.heappush(self._queue, (item.due, key))
                else:
                    del self._pending[key]
                self._lock.notify_all()

    def _render_and_send(self, key: tuple[str, str], render: Render) -> bool:
        """One update; False when another render was requested (on any worker) while it ran."""
        seen = 0
        if self._db is not None:
            from storage.message_renders import requested

            if not self._hold(*key, note=False):  # renew the hold for this round
                # Nothing is outstanding (an earlier round covered it), or another worker took the
                # message over after our hold lapsed: it renders the newest state, so sending here
                # could only race it.
                return True
            with self._db.read() as session:
                seen = requested(session, current_installation.get() or 0, *key)
        text, blocks = render()
        self._send(key[0], key[1], text, blocks)
        if self._db is None:
            return True
        from storage.message_renders import let_go

        with self._db.write() as session:
            return let_go(session, current_installation.get() or 0, *key, holder=self._holder, rendered=seen)

    def _hold(self, channel: str, ts: str, *, note: bool) -> bool:
        from storage.message_renders import hold, note_request

        assert self._db is not None and self._utc is not None
        now, installation_id = self._utc.now(), current_installation.get() or 0  # runs in the requester's context
        with self._db.write() as session:
            if note:
                note_request(session, installation_id, channel, ts)
            return hold(session, installation_id, channel, ts, holder=self._holder, now=now, until=now + self.HOLD)
