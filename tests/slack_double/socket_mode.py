"""Socket Mode over a real WebSocket: hello, envelopes in Slack's shape, acks timed, disconnects."""
from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

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


class NetworkLink:
    """A loopback TCP relay between the app and the Socket Mode server, so that a test can make a
    connection go dead without closing it: after `cut()`, whatever either side sends on the
    connections open now is lost (no close, no RST), as on a network that drops packets. Pings then
    go unanswered and only the app's own ping timeout can tell. New connections are not affected:
    Slack serves them from another edge."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._relays: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._closed = False
        threading.Thread(target=self._accept, name="socket-mode-link", daemon=True).start()

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    def _accept(self) -> None:
        while not self._closed:
            try:
                app_side, _ = self._listener.accept()
            except OSError:
                return
            try:
                slack_side = socket.create_connection(self.target)
            except OSError:
                app_side.close()
                continue
            relay: dict[str, Any] = {"dead": False, "sockets": (app_side, slack_side)}
            with self._lock:
                self._relays.append(relay)
            for source, sink in ((app_side, slack_side), (slack_side, app_side)):
                threading.Thread(target=self._pump, args=(relay, source, sink), name="socket-mode-pump", daemon=True).start()

    def _pump(self, relay: dict[str, Any], source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if not relay["dead"]:
                    sink.sendall(data)
        except OSError:
            pass
        if not relay["dead"]:  # a dead link passes on nothing, not even the end of the stream
            for end in relay["sockets"]:
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        """From now on, the connections open now carry nothing either way."""
        with self._lock:
            for relay in self._relays:
                relay["dead"] = True

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        with self._lock:
            relays, self._relays = list(self._relays), []
        for relay in relays:
            for end in relay["sockets"]:
                try:
                    end.close()
                except OSError:
                    pass


class SocketModeServer:
    """The WebSocket side of Socket Mode (the app reaches it via apps.connections.open).

    As Slack does: each URL that apps.connections.open hands out carries a ticket that opens one
    connection only (reconnecting needs a new URL: python-slack-sdk issue #1379 shows a client that
    reused its URL failing for ever); the first frame is `hello`; each envelope must be acked with
    its envelope_id; `disconnect` asks the app to move to a new connection.
    """

    def __init__(self, double: SlackDouble) -> None:
        self.double = double
        self.acks: list[AckRecord] = []
        self.envelopes: list[dict[str, Any]] = []
        self._connections: list[ServerConnection] = []
        # envelope_id -> (acked, the ack's payload, the connection it was delivered on)
        self._waiting: dict[str, tuple[threading.Event, list[Any], Any]] = {}
        self._acked_at: dict[str, float] = {}
        self._lock = threading.Condition()
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._tickets: set[str] = set()
        self.opened = 0  # connections opened so far (each said hello)
        self.link: NetworkLink | None = None

    @property
    def url(self) -> str:
        """ws://127.0.0.1:<port>/link/ (without a ticket), through the network link."""
        assert self.link is not None, "start() first"
        return f"ws://127.0.0.1:{self.link.port}/link/"

    def new_link(self) -> str:
        """A connection URL as apps.connections.open hands it out: one ticket per call, good for one connection."""
        ticket = str(uuid.uuid4())
        with self._lock:
            self._tickets.add(ticket)
        return f"{self.url}?ticket={ticket}&app_id={self.double.app_id}"

    def start(self) -> None:
        """Listen on 127.0.0.1:0 in a daemon thread, behind a network link the tests can cut."""
        # close_timeout: a connection whose network was cut never answers a close; don't wait 10 s for it.
        self._server = serve(self._handle, "127.0.0.1", 0, compression=None, ping_interval=None, max_size=None,
                             close_timeout=1, process_request=self._check_ticket)
        self.link = NetworkLink(self._server.socket.getsockname()[:2])
        self._thread = threading.Thread(target=self._server.serve_forever, name="socket-mode-double", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Close every connection and stop listening."""
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            connection.close()
        if self.link is not None:
            self.link.close()
        if self._server is not None:
            self._server.shutdown()

    def _check_ticket(self, connection: ServerConnection, request: Any) -> Any:
        """Refuse a URL without a ticket from apps.connections.open, or one already used."""
        ticket = parse_qs(urlsplit(request.path).query).get("ticket", [""])[0]
        with self._lock:
            known = ticket in self._tickets
            self._tickets.discard(ticket)
        if not known:
            return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid or used ticket\n")
        return None

    def cut_network(self) -> None:
        """The app's open connections go dead: nothing arrives either way, nothing is closed."""
        assert self.link is not None
        self.link.cut()

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
                self._on_frame(frame, connection)
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                if connection in self._connections:
                    self._connections.remove(connection)

    def _on_frame(self, frame: str | bytes, connection: ServerConnection) -> None:
        try:
            data = json.loads(frame)
        except ValueError:
            return
        envelope_id = data.get("envelope_id")
        with self._lock:
            waiter = self._waiting.get(envelope_id)
            # An ack counts on the connection that carried the envelope (strict: whether Slack takes
            # one on another connection of the app is not documented; a client that acks on a new
            # connection after a reconnect must not pass here and fail in production).
            if waiter is None or waiter[2] is not connection:
                return
            self._acked_at.setdefault(envelope_id, time.monotonic())
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
            connection = self._connections[-1]
            self._waiting[envelope_id] = (event, box, connection)
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

    def send_burst(self, deliveries: list[tuple[str, dict[str, Any]]], timeout: float = PATIENCE) -> list[AckResult]:
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
                self._waiting[envelope["envelope_id"]] = (event, box, connection)
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
