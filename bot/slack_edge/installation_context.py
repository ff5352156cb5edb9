"""Which installation the current request or piece of due work belongs to, for the gateway's token.

Listeners and senders keep calling `services.gateway` as in single-workspace mode; the installation
middleware (per request) and the scheduler (per piece of work) bind the installation here, and the
gateway reads it to pick that workspace's bot token. Context variables do not cross into threads
by themselves, so the executors that run listeners copy the caller's context.
"""
from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

current_installation: contextvars.ContextVar[int | None] = contextvars.ContextVar("current_installation", default=None)
# The installation Slack delivered the request to, when it is not the one that holds the request's channel (a shared
# channel whose alliance lives under the partner's installation): modals belong to the trigger's installation.
requesting_installation: contextvars.ContextVar[int | None] = contextvars.ContextVar("requesting_installation", default=None)


def bind_installation(installation_id: int | None, requested_through: int | None = None) -> None:
    """Make `installation_id` current for the rest of this context (a request thread's next request rebinds it), and
    `requested_through` the installation that opens the request's modals (None: the current one)."""
    current_installation.set(installation_id)
    requesting_installation.set(requested_through)


@contextmanager
def bound_installation(installation_id: int | None) -> Iterator[None]:
    """Make `installation_id` the current installation inside the block."""
    token = current_installation.set(installation_id)
    through = requesting_installation.set(None)
    try:
        yield
    finally:
        requesting_installation.reset(through)
        current_installation.reset(token)


class ContextThreadPoolExecutor(ThreadPoolExecutor):
    """A thread pool whose tasks run in a copy of the submitter's context (so they keep its installation)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        context = contextvars.copy_context()
        return super().submit(context.run, fn, *args, **kwargs)
