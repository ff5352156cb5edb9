"""Socket Mode for the (synchronous) Bolt app over slack_sdk's aiohttp client.

Why this client (docs/architecture.md, "Socket Mode"): slack_sdk's built-in client reads frames
recursively and dies on a burst of large envelopes (RecursionError, python-slack-sdk PR #1232);
the websocket-client one survives but checks UTF-8 in pure Python (a burst of 300 envelopes of
100 KB took 8 s to ack before any app work); the aiohttp one parses frames in C, pings Slack every
`ping_interval` seconds and reconnects, with a new URL from apps.connections.open, when the
connection closes, Slack sends `disconnect`, or pongs stop coming. It is asynchronous, so it runs
on an event loop in a thread of its own and hands each envelope to the Bolt app on a thread pool;
the ack goes back on the loop as soon as the listener acks.

Health: `alive()` is true while a connection is open and answered a ping recently; the runner
serves it at /healthz when asked (`alliancebot run --health-port`). Each reconnection is logged in
one line.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode.async_internals import send_async_response
from slack_bolt.adapter.socket_mode.internals import run_bolt_app
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.web.async_client import AsyncWebClient

logger = logging.getLogger("alliancebot")

PING_INTERVAL = 5.0  # seconds between pings; a connection with no pong for 4 of them is replaced
DISPATCH_THREADS = 64  # envelopes handed to Bolt at once; a thread is held only until its ack (a vote waits for its group commit)
WATCH_INTERVAL = 0.5


class SocketModeConnection:
    """The app's Socket Mode connection: connect(), alive(), close()."""

    def __init__(self, app: App, app_token: str, api_url: str, *, ping_interval: float = PING_INTERVAL,
                 dispatch_threads: int = DISPATCH_THREADS) -> None:
        self.app = app
        self.ping_interval = ping_interval
        self._dispatch = ThreadPoolExecutor(max_workers=dispatch_threads, thread_name_prefix="socket-mode")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="socket-mode-loop", daemon=True)
        self._thread.start()
        self._up_since: float | None = None
        self._down_since: float | None = None
        # slack_sdk logs every step of a reconnection at INFO; the operator gets our one line instead.
        sdk_logger = logging.getLogger("alliancebot.socket_mode.sdk")
        sdk_logger.setLevel(max(logging.WARNING, logger.getEffectiveLevel()))
        self.client: _Client = self._run(self._make_client(app_token, api_url, sdk_logger), timeout=10)

    async def _make_client(self, app_token: str, api_url: str, sdk_logger: logging.Logger) -> SocketModeClient:
        # The client and its aiohttp session must be created on the loop that runs them.
        client = _Client(app_token=app_token, logger=sdk_logger, web_client=AsyncWebClient(base_url=api_url),
                         ping_interval=self.ping_interval)
        client.on_connected = self._on_connected
        client.socket_mode_request_listeners.append(self._on_request)
        return client

    def _run(self, coroutine: Any, timeout: float) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    async def _on_request(self, client: AsyncBaseSocketModeClient, request: SocketModeRequest) -> None:
        started = time.time()
        response = await self._loop.run_in_executor(self._dispatch, run_bolt_app, self.app, request)
        await send_async_response(client, request, response, started)

    def connect(self, timeout: float = 30.0) -> None:
        """Open the first connection (apps.connections.open, then the WebSocket), and watch it."""
        self._run(self.client.connect(), timeout)
        self._up_since = time.monotonic()
        asyncio.run_coroutine_threadsafe(self._watch(), self._loop)

    def _on_connected(self, previous_was_open: bool, first: bool) -> None:
        """Called on the loop as soon as a new connection is up: one log line per replacement."""
        now = time.monotonic()
        if not first:
            if previous_was_open:
                logger.info("Socket Mode: moved to a new connection (Slack asked us to)")
            else:
                gap = now - self._down_since if self._down_since is not None else 0.0
                logger.warning("Socket Mode: reconnected to Slack after %.1fs without a connection", gap)
        self._down_since, self._up_since = None, now

    async def _watch(self) -> None:
        """Notes when the connection went down (for the reconnect line and /healthz); silent otherwise."""
        while not self.client.closed:
            await asyncio.sleep(WATCH_INTERVAL)
            if not self.alive() and self._down_since is None:
                self._down_since, self._up_since = time.monotonic(), None

    def alive(self) -> bool:
        """True while a connection is open and Slack answered a ping in the last four intervals."""
        session = self.client.current_session
        if self.client.closed or session is None or session.closed or self.client.stale:
            return False
        last_pong = self.client.last_ping_pong_time
        return last_pong is None or time.time() - last_pong < 4 * self.ping_interval

    def status(self) -> dict[str, Any]:
        """For the health endpoint: connected or not, and for how long."""
        now = time.monotonic()
        if self.alive():
            return {"socket_mode": "connected", "for_seconds": round(now - (self._up_since or now), 1)}
        return {"socket_mode": "reconnecting", "for_seconds": round(now - (self._down_since or now), 1)}

    def close(self, timeout: float = 10.0) -> None:
        """Close the connection, let envelopes being handled finish, and stop the loop thread.
        Each step is bounded by `timeout`; a step that overruns is logged and the next one runs."""
        for step in (lambda: self._run(self.client.close(), timeout),  # type: ignore[no-untyped-call]  # also closes its aiohttp session
                     lambda: self._dispatch.shutdown(wait=True),
                     lambda: self._run(_finish_tasks(), timeout)):
            try:
                step()
            except Exception as error:
                logger.warning("Socket Mode: closing did not finish cleanly (%s)", type(error).__name__)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=timeout)
        if not self._loop.is_running():
            self._loop.close()


class _Client(SocketModeClient):
    """slack_sdk's aiohttp client, telling us each time a new connection is up, and whether the one
    it replaced was still open (Slack's `disconnect`) or had closed or gone quiet (a drop)."""

    on_connected: Any = None

    async def connect(self) -> None:
        previous = self.current_session
        previous_was_open = previous is not None and not previous.closed and not self.stale
        await super().connect()  # type: ignore[no-untyped-call]  # slack_sdk leaves it unannotated
        if self.on_connected is not None and self.current_session is not previous and self.current_session is not None:
            self.on_connected(previous_was_open, previous is None)


async def _finish_tasks() -> None:
    """Cancel what is still pending on the loop (the client's receiver and monitor, our watcher) and
    let each finish its cancellation, so that the loop stops with nothing left half-done."""
    tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
