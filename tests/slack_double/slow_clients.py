"""Clients Slack is not: connections that send a request a byte at a time (slowloris), for tests and benchmarks.

Each connection sends the start of a POST to the app and then one more byte every `interval`
seconds, of its headers (`part="headers"`) or, after whole headers announcing a large body, of
the body (`part="body"`). A connection the server closes is counted, and opened again when
`reopen` is set, so that `count` stay open for as long as the clients run.
"""
from __future__ import annotations

import select
import socket
import threading
from urllib.parse import urlsplit

HEAD = b"POST /slack/events HTTP/1.1\r\nHost: app\r\nContent-Type: application/json\r\n"


class SlowClients:
    """`count` slow connections to `app_url`, one thread driving them all; start(), then stop()."""

    def __init__(self, app_url: str, count: int, *, part: str = "headers", interval: float = 0.5, reopen: bool = False) -> None:
        parts = urlsplit(app_url)
        self.address = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.count, self.part, self.interval, self.reopen = count, part, interval, reopen
        self.opened = self.closed_by_server = 0
        self._sockets: list[socket.socket] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._drive, name="slow-clients", daemon=True)

    def start(self) -> SlowClients:
        """Open every connection (the kernel's backlog takes them before the server accepts), then drip."""
        for _ in range(self.count):
            self._sockets.append(self._open())
        self._thread.start()
        return self

    def open_now(self) -> int:
        """How many of the connections the server has not closed."""
        with self._lock:
            return len(self._sockets)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        with self._lock:
            for sock in self._sockets:
                sock.close()
            self._sockets.clear()

    def _open(self) -> socket.socket:
        sock = socket.create_connection(self.address)
        first = HEAD + (b"Content-Length: 100000\r\n\r\n" if self.part == "body" else b"")
        sock.sendall(first)
        sock.setblocking(False)
        self.opened += 1
        return sock

    def _drive(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                sockets = list(self._sockets)
            closed = set(self._closed(sockets))
            for sock in sockets:
                if sock in closed:
                    continue
                try:
                    sock.send(b"{" if self.part == "body" else b"X")  # a header line that never ends, or more body
                except OSError:
                    closed.add(sock)
            with self._lock:
                for sock in closed:
                    sock.close()
                    self._sockets.remove(sock)
                self.closed_by_server += len(closed)
                if self.reopen and not self._stop.is_set():
                    for _ in closed:
                        try:
                            self._sockets.append(self._open())
                        except OSError:
                            break

    @staticmethod
    def _closed(sockets: list[socket.socket]) -> list[socket.socket]:
        """The connections the server has closed (readable with nothing left, or reset)."""
        poller, by_fd = select.poll(), {sock.fileno(): sock for sock in sockets}
        for fd in by_fd:
            poller.register(fd, select.POLLIN)
        found = []
        for fd, _event in poller.poll(0):
            sock = by_fd[fd]
            try:
                if not sock.recv(65536):
                    found.append(sock)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                found.append(sock)
        return found
