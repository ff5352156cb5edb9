"""The HTTP server in front of the edge: waitress, with read deadlines and a connection limit slow clients cannot exhaust.

Waitress reads every request whole on its one loop thread before an app thread sees it, so a slow
client never holds an app thread. What it lacks (waitress 3.0, `server.py` and `channel.py`): its
only timeout, `channel_timeout`, counts *silence*, so a client that sends a byte every few seconds
is never closed; and at `connection_limit` it stops accepting, so 100 such clients (the default
limit) lock Slack out (issue #18). `SlackHttpServer` adds, on waitress's own maintenance pass:

- a header deadline: a request's headers must arrive within `HEADER_TIMEOUT` of its first byte (of
  the connection, for the first request); its body within `BODY_TIMEOUT` after the headers;
- a soft connection limit: at `CONNECTION_LIMIT` open connections the one that has waited longest
  without a whole request is closed to make room, so a request sent whole (as Slack and a
  buffering proxy send them) is always accepted, however many slow clients are connected;
- up to `ACCEPTS_PER_PASS` new connections accepted per pass of the loop instead of one.

Why waitress rather than another server: docs/reliability.md, "Slow and abusive clients".
"""
from __future__ import annotations

import heapq
import logging
import socket
import threading
import time
from typing import Any

from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer

from bot.slack_edge.http_edge import MAX_BODY
from bot.startup import Failure

logger = logging.getLogger("alliancebot.http")

HTTP_THREADS = 16
HEADER_TIMEOUT = 5.0  # s; Slack gives the whole request 3 s, and sends its headers in one packet
BODY_TIMEOUT = 10.0  # s after the headers; Slack's bodies are at most a few hundred KB
IDLE_TIMEOUT = 60  # s a kept-alive connection may stay silent between requests (a proxy's pool)
CONNECTION_LIMIT = 1000  # open connections per process before the slowest is closed for a new one
ACCEPTS_PER_PASS = 32  # new connections taken from the backlog per pass of waitress's loop
EVICTION_GRACE = 1.0  # s a connection must have waited for its client before it can be closed to make room
BACKLOG = 2048


class DeadlineChannel(HTTPChannel):  # type: ignore[misc]
    """A waitress connection that knows since when it has been waiting for its client, and whether the headers are in."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.since = time.monotonic()  # opened, or the last request came in whole, or the next one began
        self.owes_request = True  # a new connection owes its first request; a kept-alive one only once it begins one
        self.headers_in_at: float | None = None

    def received(self, data: bytes) -> bool:
        now = time.monotonic()
        if self.request is None and not self.owes_request:
            self.since, self.owes_request = now, True
        result: bool = super().received(data)
        if self.request is None:  # nothing left half-read: idle until the next request's first byte
            self.since, self.owes_request, self.headers_in_at = now, False, None
        elif self.request.headers_finished and self.headers_in_at is None:
            self.headers_in_at = now
        return result

    def waiting_since(self) -> float | None:
        """Since when this connection has waited for its client (None while it has a whole request to serve)."""
        return None if self.requests or self.will_close else self.since

    def has_unread_bytes(self) -> bool:
        """True when the client sent something the loop has not read yet (so it is not the client that is slow)."""
        if self.socket is None:  # closed already
            return False
        try:
            return bool(self.socket.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT))
        except OSError:  # BlockingIOError: nothing unread; others: the connection is gone
            return False

    def overdue(self, now: float, header_timeout: float, body_timeout: float) -> bool:
        """True when the request being read is past its header or body deadline."""
        if self.requests or self.will_close or not self.owes_request:
            return False
        if self.headers_in_at is None:
            return now - self.since > header_timeout
        return now - self.headers_in_at > body_timeout


class SlackHttpServer(TcpWSGIServer):  # type: ignore[misc]
    """Waitress's TCP server with read deadlines and a connection limit that makes room (see the module docstring)."""

    channel_class = DeadlineChannel

    def __init__(self, *args: Any, header_timeout: float, body_timeout: float, soft_limit: int, **kwargs: Any) -> None:
        self.header_timeout, self.body_timeout, self.soft_limit = header_timeout, body_timeout, soft_limit
        self.closed_for_room = 0
        super().__init__(*args, **kwargs)

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # waitress's own: silent connections past channel_timeout
        monotonic = time.monotonic()
        late = [c for c in self.active_channels.values() if c.overdue(monotonic, self.header_timeout, self.body_timeout)]
        for channel in late:
            channel.will_close = True  # closed by the loop on its next pass, as waitress closes its own
        if late or self.closed_for_room:
            logger.info("closed %d connection(s) that sent a request too slowly and %d to make room for new ones",
                        len(late), self.closed_for_room)
            self.closed_for_room = 0

    def handle_accept(self) -> None:
        # Waitress accepts one connection per pass of its loop; behind a crowd of reconnecting slow
        # clients Slack's connection would wait in the backlog for one pass per connection ahead.
        for _ in range(ACCEPTS_PER_PASS):
            before = len(self._map)
            super().handle_accept()
            if len(self._map) == before:  # nothing left to accept (or accept failed: waitress logged it)
                return

    def readable(self) -> bool:
        if self.accepting:
            self._make_room()
        return bool(super().readable())

    def _make_room(self) -> None:
        if len(self.active_channels) < self.soft_limit:
            return
        to_close = 1 + sum(1 for channel in self.active_channels.values() if not channel.will_close) - self.soft_limit
        # Only a connection that has waited EVICTION_GRACE for its client, and whose client has sent
        # nothing unread, is slow: one just accepted, or whose request is in the socket, is not.
        cutoff = time.monotonic() - EVICTION_GRACE
        waiting = heapq.nsmallest(2 * to_close + 8, ((since, id(channel), channel) for channel in self.active_channels.values()
                                                     if (since := channel.waiting_since()) is not None and since < cutoff))
        for _since, _id, channel in waiting:
            if to_close <= 0:
                break
            if not channel.has_unread_bytes():
                channel.will_close = True
                self.closed_for_room += 1
                to_close -= 1


def bind(host: str, port: int, flag: str = "--port") -> socket.socket:
    """The listening socket, or a one-line failure naming the option that chose the port."""
    try:
        return socket.create_server((host, port), backlog=BACKLOG)
    except OSError as error:
        raise Failure(f"{flag} {port}: cannot listen on {host}:{port} ({error.strerror})", 2) from error


def make_http_server(app: Any, listen: socket.socket, *, threads: int = HTTP_THREADS, header_timeout: float = HEADER_TIMEOUT,
                     body_timeout: float = BODY_TIMEOUT, connection_limit: int = CONNECTION_LIMIT) -> SlackHttpServer:
    """Serve the WSGI `app` on the bound socket `listen` (call run() to start)."""
    return SlackHttpServer(
        app, None, True, listen, bind_socket=False, sockinfo=(listen.family, listen.type, listen.proto, listen.getsockname()),
        header_timeout=header_timeout, body_timeout=body_timeout, soft_limit=connection_limit,
        threads=threads, ident="alliancebot", backlog=BACKLOG,
        max_request_body_size=MAX_BODY + 1,  # 413 from waitress (its limit is exclusive), the rest unread
        # waitress's own limit stays above ours, so it only stops accepting if every connection has a
        # whole request being served; poll() because select() cannot watch descriptors above 1024.
        connection_limit=connection_limit + 100, asyncore_use_poll=True,
        channel_timeout=IDLE_TIMEOUT, cleanup_interval=1)


def stop_waitress(server: Any, thread: threading.Thread | None = None, timeout: float = 5.0) -> None:
    """Let running requests finish, then close every socket from the server's own loop thread (closing
    them from here raced its select() on a closed descriptor), so the loop ends with an empty map."""
    server.task_dispatcher.shutdown(cancel_pending=False, timeout=timeout)

    def close_all() -> None:
        for channel in list(server._map.values()):
            channel.close()

    try:
        server.trigger.pull_trigger(close_all)
    except OSError:
        # The loop had already ended and closed its trigger (seen once in a loaded test run): with
        # no loop left to race, close what is left from here.
        logger.warning("the HTTP server's loop had already stopped; closing its connections directly")
        close_all()
    if thread is not None:
        thread.join(timeout=timeout)
