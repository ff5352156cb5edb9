"""`alliancebot run --http --workers N`: a pre-forking supervisor, like gunicorn's, around waitress.

The parent migrates the database and binds the port once, then forks N workers that each accept
on the shared socket and build their own services (database pool, Slack client) after the fork.
Nothing a request needs lives only in one worker's memory: dedupe, replay protection, OAuth state,
tokens, due work and message-update coalescing are all in the database. Each worker also runs a
scheduler, but only the one holding the database lease is active. A worker that dies is replaced;
SIGTERM stops them all gracefully.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import time
from types import FrameType
from typing import Protocol

from bot.http_server import bind
from bot.settings import Settings
from bot.startup import MISTAKE, Failure, open_migrated_database, verify_slack


class RunOne(Protocol):
    """What each worker runs: the single-process bot (bot.runner.run_bot), handed in by the command line."""

    def __call__(self, settings: Settings, *, port: int, host: str, force_http: bool, with_scheduler: bool,
                 listen: socket.socket | None = None) -> int: ...

logger = logging.getLogger("alliancebot")
RESPAWN_PAUSE = 1.0


def serve_workers(settings: Settings, *, host: str, port: int, workers: int, with_scheduler: bool, run: RunOne) -> int:
    """Bind, fork `workers` HTTP workers, keep them running until SIGTERM/SIGINT."""
    # What would stop every worker at start stops the supervisor instead, with the same one line and
    # status 2 as `run`: a refused token or unreachable Slack, a database that cannot be opened.
    verify_slack(settings, socket_mode=False)
    db = open_migrated_database(settings.database_url)
    db.dispose()  # no connection may cross the fork
    if settings.database_url.startswith("sqlite") and workers > 1:
        logger.warning("several workers on SQLite serialise every write; use PostgreSQL (DATABASE_URL) in production")
    listen = bind(host, port)
    listen.set_inheritable(True)
    children: dict[int, int] = {}
    stopping = False
    failed = 0

    def spawn(slot: int) -> None:
        pid = os.fork()
        if pid == 0:
            os._exit(_worker(settings, host, port, with_scheduler, listen, run))
        children[pid] = slot

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            _signal(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for slot in range(workers):
        spawn(slot)
    logger.info("supervising %s HTTP workers on http://%s:%s/slack/events", workers, host, port)
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        freed = children.pop(pid, None)
        code = os.waitstatus_to_exitcode(status)
        if freed is None or stopping:
            continue
        if code == MISTAKE:
            # A setting or token problem (the worker logged its line): a new worker would fail the
            # same way, so stop them all rather than restart one every second for ever.
            logger.error("worker %s stopped on a setting or token problem; stopping all workers", pid)
            stop(signal.SIGTERM, None)
            failed = MISTAKE
            continue
        logger.error("worker %s exited (status %s); starting a new one", pid, code)
        time.sleep(RESPAWN_PAUSE)
        spawn(freed)
    listen.close()
    logger.info("all workers stopped")
    if failed:
        raise Failure("a worker could not start (see the line above); fix the setting and run again", failed)
    return 0


def _worker(settings: Settings, host: str, port: int, with_scheduler: bool, listen: socket.socket, run: RunOne) -> int:
    """One worker: the ordinary single-process bot (`run`, which is bot.runner.run_bot), accepting on the parent's socket."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        return run(settings, port=port, host=host, force_http=True, with_scheduler=with_scheduler, listen=listen)
    except Failure as error:
        logger.error("worker %s: %s", os.getpid(), error)
        return error.status
    except Exception:
        logger.exception("worker %s crashed", os.getpid())
        return 1


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass
