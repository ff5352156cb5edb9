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

if TYPE_CHECKING:
    from tests.slack_double.double import SlackDouble


@dataclass
class AckResult:
    """How the app answered a delivery: in time or not, how fast, and with what payload."""

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
        self._waiting: dict[str, tuple[threading.Event, list[Any]]] = {}
        self._acked_at: dict[str, float] = {}
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
            with self._lock:
                self._acked_at.setdefault(envelope_id, time.monotonic())
            waiter[1].append(data.get("payload"))
            waiter[0].set()

    def wait_connected(self, timeout: float = 5.0) -> bool:
        """True once an app holds an open connection."""
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
             timeout: float = 5.0) -> AckResult:
        """Deliver an envelope to one connection and wait for the ack with the same envelope_id."""
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
            self._acked_at.pop(envelope_id, None)
            self.envelopes.append(envelope)
            self.acks.append(AckRecord(envelope_id, envelope_type, acked, latency))
        return AckResult(acked, latency, box[0] if box else None)

    def send_burst(self, deliveries: list[tuple[str, dict[str, Any]]], timeout: float = 30.0) -> list[AckResult]:
        """Deliver many envelopes at once, as Slack does when many people click together: every frame
        is written to the connection back to back (a few milliseconds for hundreds of large ones),
        then the acks are awaited. Each latency runs from when its own frame was written."""
        if not self.wait_connected(timeout):
            raise AssertionError("no app is connected over Socket Mode")
        waiters: list[tuple[dict[str, Any], threading.Event, list[Any]]] = []
        with self._lock:
            connection = self._connections[-1]
            for envelope_type, payload in deliveries:
                envelope = {"envelope_id": str(uuid.uuid4()), "type": envelope_type, "payload": payload,
                            "accepts_response_payload": envelope_type != "events_api", "retry_attempt": 0, "retry_reason": ""}
                event, box = threading.Event(), list[Any]()
                self._waiting[envelope["envelope_id"]] = (event, box)
                waiters.append((envelope, event, box))
        frames = [json.dumps(envelope) for envelope, _, _ in waiters]
        sent_at: list[float] = []
        for frame in frames:
            sent_at.append(time.monotonic())
            try:
                connection.send(frame)
            except ConnectionClosed:
                break  # the rest never left; they count as not acked
        deadline = time.monotonic() + timeout
        results: list[AckResult] = []
        for index, (envelope, event, box) in enumerate(waiters):
            acked = index < len(sent_at) and event.wait(max(0.0, deadline - time.monotonic()))
            latency = (self._acked_at.get(envelope["envelope_id"], time.monotonic()) - sent_at[index]) if index < len(sent_at) else 0.0
            results.append(AckResult(bool(acked), latency, box[0] if box else None))
        with self._lock:
            for (envelope, _, _), result in zip(waiters, results):
                self._waiting.pop(envelope["envelope_id"], None)
                self._acked_at.pop(envelope["envelope_id"], None)
                self.envelopes.append(envelope)
                self.acks.append(AckRecord(envelope["envelope_id"], envelope["type"], result.acked, result.latency))
        return results

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
