"""Long-running processes: the bot (Socket Mode or HTTP) with its scheduler, and the scheduler alone."""
from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from bot.app import build_app, build_services
from bot.jobs import build_senders, housekeeping
from bot.scheduler import Scheduler
from bot.scheduler.leadership import Leadership
from bot.services import Services
from bot.settings import ConfigError, Settings
from bot.slack_edge.gateway import SlackCallError
from bot.startup import Failure, check_tz_data, explain_slack_failure, first_line, open_migrated_database, verify_slack
from bot.stop_signal import StopSignal
from bot.usecases.consensus import catch_up_messages

logger = logging.getLogger("alliancebot")


def start_services(settings: Settings) -> Services:
    """Check the time zone data, migrate the database and connect to Slack, or fail with one line."""
    logger.info("time zone data %s", check_tz_data())
    db = open_migrated_database(settings.database_url)
    try:
        return build_services(settings, db=db)
    except SlackCallError as error:
        raise Failure(explain_slack_failure(error.error, settings), 2) from error


def make_scheduler(services: Services) -> Scheduler:
    """The scheduler ticking over this process's senders."""
    worker = f"{socket.gethostname()}:{os.getpid()}"
    # One active scheduler across every process on the database (web workers and `alliancebot
    # scheduler` alike); the others stand by and take over within about 20 s.
    return Scheduler(services.db, build_senders(services), clock=services.clock, worker=worker,
                     housekeeping=lambda: housekeeping(services.db, services.clock),
                     leadership=Leadership(services.db, services.clock, worker))


def on_stop_signals(handler: Callable[[int, FrameType | None], Any]) -> None:
    """Route SIGTERM and SIGINT to `handler`."""
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def serves_http(settings: Settings, force_http: bool) -> bool:
    """Whether `run` serves HTTP (no app-level token, or --http); --http needs the signing secret."""
    if force_http and not settings.signing_secret:
        raise ConfigError("SLACK_SIGNING_SECRET", "is not set (needed for --http)", "copy it from the app's Basic Information page")
    return not settings.socket_mode or force_http


def run_bot(settings: Settings, *, port: int, host: str, force_http: bool, with_scheduler: bool,
            listen: socket.socket | None = None, health_port: int | None = None, feed_port: int | None = None) -> int:
    """`alliancebot run` in one process: serve Slack until SIGTERM, then finish in-flight work and stop."""
    started = time.monotonic()
    http = serves_http(settings, force_http)
    # Every token the mode uses, tried quietly first: a refusal or an unreachable Slack is one line
    # and status 2, not retries logged for ever.
    verify_slack(settings, socket_mode=not http)
    services = start_services(settings)
    app = build_app(services)
    caught_up = catch_up_messages(services)
    if caught_up:
        logger.info("bringing %d decision message(s) up to date with the stored votes", caught_up)
    scheduler = make_scheduler(services) if with_scheduler else None
    try:
        if scheduler:
            scheduler.start()
        if settings.socket_mode and not force_http:
            # OAuth mode over Socket Mode: Slack's events come over the connection, installers' browsers to the install pages.
            serve_socket_mode(app, services, started, (host, health_port) if health_port is not None else None,
                              install_pages=(host, port) if services.oauth_flow is not None else None,
                              feeds=(host, feed_port) if feed_port is not None else None)
        else:
            serve_http(app, services, host, port, started, listen)
    finally:
        logger.info("stopping: finishing in-flight work")
        services.listener_executor.shutdown(wait=True)
        if scheduler:
            scheduler.stop(wait=True)
        services.close()
        logger.info("stopped")
    return 0


def serve_socket_mode(app: Any, services: Services, started: float, health: tuple[str, int] | None = None,
                      install_pages: tuple[str, int] | None = None, feeds: tuple[str, int] | None = None) -> None:
    """Connect over Socket Mode (apps.connections.open through SLACK_API_URL) and wait for a stop signal; in OAuth
    mode, serve the install pages (/slack/install, /slack/oauth_redirect) on `install_pages` meanwhile, and the
    calendar feeds on `feeds` (`--feed-port`)."""
    from bot.slack_edge.socket_mode import SocketModeConnection

    settings = services.settings
    stop = StopSignal()  # before connecting: a SIGTERM during start-up is not lost
    connection = SocketModeConnection(app, settings.app_token or "", settings.api_url)
    servers: list[Any] = []
    try:
        try:
            connection.connect()
        except Exception as error:
            raise Failure(f"SLACK_APP_TOKEN: could not open a Socket Mode connection ({first_line(error)})", 2) from error
        if health:
            servers.append(serve_health(services, connection, health))
        if install_pages:
            servers.append(serve_install_pages(app, services, install_pages))
        if feeds:
            servers.append(serve_feeds(services, feeds))
        logger.info("connected to Slack over Socket Mode in %.2fs", time.monotonic() - started)
        stop.wait()
    finally:
        stop.close()
        for server in servers:
            server.close()
        connection.close()


def serve_health(services: Services, connection: Any, where: tuple[str, int]) -> Any:
    """Serve /healthz (database and Socket Mode connection) on `where` in a thread; returns a closer."""
    from bot.slack_edge.health import HealthApp

    closer = _serve_in_thread(HealthApp(services.db, connection), where, "--health-port", "health")
    logger.info("health check at http://%s:%s/healthz", where[0], closer.port)
    return closer


def serve_install_pages(app: Any, services: Services, where: tuple[str, int]) -> Any:
    """Serve the OAuth install pages on `where` in a thread (Socket Mode: Slack's requests come over the connection;
    a signed POST to /slack/events is still refused without SLACK_SIGNING_SECRET); returns a closer."""
    from bot.slack_edge.http_edge import SlackHttpEdge

    edge = SlackHttpEdge(app, services.db, services.clock, services.settings.signing_secret or "", services.oauth_flow,
                         routes=feed_routes(services))
    closer = _serve_in_thread(edge, where, "--port", "install-pages")
    logger.info("install pages at http://%s:%s/slack/install", where[0], closer.port)
    return closer


def feed_routes(services: Services) -> dict[str, Any]:
    """The calendar feeds beside Slack's paths, when the deployment has a public address for them."""
    from bot.feed_server import FeedApp
    from bot.usecases.feeds import FEED_PATH

    return {FEED_PATH: FeedApp(services)} if services.settings.public_url else {}


def serve_feeds(services: Services, where: tuple[str, int]) -> Any:
    """Socket Mode: serve the calendar feeds on `where` (`--feed-port`) in a thread; returns a closer."""
    from bot.feed_server import FeedApp

    closer = _serve_in_thread(FeedApp(services), where, "--feed-port", "feeds")
    logger.info("calendar feeds at http://%s:%s/calendar/", where[0], closer.port)
    return closer


def _serve_in_thread(wsgi: Any, where: tuple[str, int], flag: str, name: str) -> Any:
    """A small waitress server for `wsgi` on `where`, in a daemon thread; returns a closer with its `port`."""
    from bot.http_server import bind, make_http_server, stop_waitress

    host, port = where
    server = make_http_server(wsgi, bind(host, port, flag=flag), threads=2)
    thread = threading.Thread(target=server.run, name=name, daemon=True)
    thread.start()

    class Closer:
        port = server.effective_port

        def close(self) -> None:
            stop_waitress(server, thread)

    return Closer()


def serve_http(app: Any, services: Services, host: str, port: int, started: float, listen: socket.socket | None = None) -> None:
    """Serve /slack/events and /healthz with waitress until a stop signal (on `listen` when a parent bound it)."""
    from bot.http_server import bind, make_http_server
    from bot.slack_edge.http_edge import SlackHttpEdge

    edge = SlackHttpEdge(app, services.db, services.clock, services.settings.signing_secret or "", services.oauth_flow,
                         routes=feed_routes(services))
    server = make_http_server(edge, listen if listen is not None else bind(host, port))

    def stop(_signum: int, _frame: FrameType | None) -> None:
        # waitress ends its loop on SystemExit and lets running requests finish.
        raise SystemExit(0)

    on_stop_signals(stop)
    logger.info("listening on http://%s:%s/slack/events (pid %s, ready in %.2fs)", host, server.effective_port,
                os.getpid(), time.monotonic() - started)
    server.run()


def run_scheduler(settings: Settings) -> int:
    """`alliancebot scheduler`: only the scheduler, for deployments with several web workers."""
    services = start_services(settings)
    scheduler = make_scheduler(services)
    stop = StopSignal()
    logger.info("scheduler running")
    try:
        scheduler.start()
        stop.wait()
    finally:
        stop.close()
        scheduler.stop(wait=True)
        services.close()
    return 0
