"""Socket Mode over a real WebSocket: hello, envelopes in Slack's shape, acks timed, disconnects."""
from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

from tests.slack_double.clock import PATIENCE

if TYPE_CHECKING:
    from tests.slack_double.double import SlackDouble


@dataclass
class AckResult:
    """How the app answered a delivery: whether it acked, after how long, and with what payload.

    `latency` is for benchmarks, which hold it to Slack's 3 seconds; tests check only that the
    ack came (issue #15: no test asserts on timing).
    """

    acked: bool
    latency: float
    payload: dict[str, Any] | None = None
    status: int | None = None


@dataclass
class AckRecord:
    """One envelope's fate: its type, whether the app acked it, and after how long."""

    envelope_id: str
    envelope_type: str
    acked: bool
    latency: float


class SocketModeServer:
    """The WebSocket side of Socket Mode (the app reaches it via apps.connections.open)."""

    def __init__(self, double: SlackDouble) -> None:
        self.double = double
        self.acks: list[AckRecord] = []
        self.envelopes: list[dict[str, Any]] = []
        self._connections: list[ServerConnection] = []
        self.opened = 0  # connections that got their hello so far, closed ones included
        self._waiting: dict[str, tuple[threading.Event, list[Any]]] = {}
        self._lock = threading.Condition()
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """ws://127.0.0.1:<port>/link/ (without a ticket)."""
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/link/"

    def new_link(self) -> str:
        """A connection URL as apps.connections.open hands it out: one ticket per call."""
        return f"{self.url}?ticket={uuid.uuid4()}&app_id={self.double.app_id}"

    def start(self) -> None:
        """Listen on 127.0.0.1:0 in a daemon thread."""
        self._server = serve(self._handle, "127.0.0.1", 0, compression=None, ping_interval=None)
        self._thread = threading.Thread(target=self._server.serve_forever, name="socket-mode-double", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Close every connection and stop listening."""
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            connection.close()
        if self._server is not None:
            self._server.shutdown()

    def _handle(self, connection: ServerConnection) -> None:
        # Slack only serves the /link/ path; anything else is refused.
        if not (connection.request and connection.request.path.startswith("/link")):
            connection.close(1008, "unknown path")
            return
        hello = {"type": "hello", "num_connections": len(self._connections) + 1,
                 "debug_info": {"host": "applink-double", "build_number": 1, "approximate_connection_time": 18060},
                 "connection_info": {"app_id": self.double.app_id}}
        connection.send(json.dumps(hello))
        with self._lock:
            self._connections.append(connection)
            self.opened += 1
            self._lock.notify_all()
        try:
            for frame in connection:
                self._on_frame(frame)
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                if connection in self._connections:
                    self._connections.remove(connection)

    def _on_frame(self, frame: str | bytes) -> None:
        try:
            data = json.loads(frame)
        except ValueError:
            return
        envelope_id = data.get("envelope_id")
        with self._lock:
            waiter = self._waiting.get(envelope_id)
        if waiter is not None:
            waiter[1].append(data.get("payload"))
            waiter[0].set()

    def wait_connected(self, timeout: float = PATIENCE) -> bool:
        """True once an app holds an open connection (False after `timeout` seconds without one)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while not self._connections:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._lock.wait(remaining)
        return True

    @property
    def connected(self) -> int:
        """How many apps are connected now."""
        with self._lock:
            return len(self._connections)

    def send(self, envelope_type: str, payload: dict[str, Any], retry_attempt: int = 0, retry_reason: str = "",
             timeout: float = PATIENCE) -> AckResult:
        """Deliver an envelope to the newest connection and wait for the ack with the same envelope_id.

        The wait ends as soon as the ack arrives; `timeout` only bounds an app that never acks.
        """
        if not self.wait_connected(timeout):
            raise AssertionError("no app is connected over Socket Mode")
        envelope_id = str(uuid.uuid4())
        envelope = {"envelope_id": envelope_id, "type": envelope_type, "payload": payload,
                    "accepts_response_payload": envelope_type != "events_api", "retry_attempt": retry_attempt, "retry_reason": retry_reason}
        event, box = threading.Event(), list[Any]()
        with self._lock:
            self._waiting[envelope_id] = (event, box)
            connection = self._connections[-1]
        started = time.monotonic()
        try:
            connection.send(json.dumps(envelope))
            acked = event.wait(timeout)
        except ConnectionClosed:
            acked = False  # the app went away mid-delivery; Slack would retry later
        latency = time.monotonic() - started
        with self._lock:
            self._waiting.pop(envelope_id, None)
            self.envelopes.append(envelope)
            self.acks.append(AckRecord(envelope_id, envelope_type, acked, latency))
        return AckResult(acked, latency, box[0] if box else None)

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask connected apps to reconnect, as Slack does before it recycles a connection."""
        frame = json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-double"}})
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.send(frame)
            except ConnectionClosed:
                pass  # already gone; nothing to ask

    def hard_close(self) -> None:
        """Drop every connection without a disconnect frame, as a network failure would."""
        with self._lock:
            connections, self._connections = list(self._connections), []
        for connection in connections:
            # shutdown() wakes the thread blocked in recv(); close() alone would not.
            try:
                connection.socket.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            connection.socket.close()
