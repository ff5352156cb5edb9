"""Which installation's rows a request works on, when both organisations of a Slack Connect channel installed the app.

Slack delivers a request to one installation: a command to the typist's organisation's, a click to
the one whose bot posted the message, an event to whichever installation Slack names in
`authorizations` (docs/slack-connect.md). A shared channel has one alliance whatever the
installation, so the request is worked under the channel's home (storage/channel_homes.py). The
channel is read from the payload: its channel, the channel a modal was opened from, or the channel
of the decision, item, meeting or milestone a button names. A request that names no channel
(App Home, a DM) stays with the installation it came through.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from bot.clock import Clock
from bot.slack_edge.payloads import where_to_answer
from storage.channel_homes import REFERENCES, channel_home, channel_of_reference, record_sighting
from storage.db import Database
from storage.retention import move_alliance

logger = logging.getLogger(__name__)

# A channel's home changes only when its home uninstalls; a burst of clicks should not look it up once per click.
HOME_CACHE_SECONDS = 30.0


def is_conversation(channel: object) -> bool:
    """A channel or private channel id (C…, G…), not a DM (D…)."""
    return isinstance(channel, str) and channel[:1] in ("C", "G")


def _packed(raw: object) -> Mapping[str, Any] | None:
    """Our versioned JSON (bot/views/metadata.py) from a value or private_metadata, if it is that."""
    if not isinstance(raw, str) or not raw.startswith("{"):
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) and "v" in data else None


def _carried(body: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """What the app itself put in the payload: the clicked element's value, the modal's private_metadata."""
    actions = body.get("actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], dict):
        action = actions[0]
        selected = action.get("selected_option")
        for raw in (action.get("value"), selected.get("value") if isinstance(selected, dict) else None):
            packed = _packed(raw)
            if packed is not None:
                yield packed
    view = body.get("view")
    if isinstance(view, dict):
        packed = _packed(view.get("private_metadata"))
        if packed is not None:
            yield packed


def request_channel(body: Mapping[str, Any]) -> str | None:
    """The conversation the request is about, when it says so directly."""
    event = body.get("event")
    if isinstance(event, dict):
        item = event.get("item")
        for channel in (event.get("channel"), item.get("channel") if isinstance(item, dict) else None):
            if is_conversation(channel):
                return str(channel)
        return None
    for packed in _carried(body):
        if is_conversation(packed.get("channel_id")):
            return str(packed["channel_id"])
    channel, _ = where_to_answer(body)
    return channel if is_conversation(channel) else None


def request_reference(body: Mapping[str, Any]) -> tuple[str, int] | None:
    """The decision, item, meeting or milestone a button or modal names, e.g. ("decision", 7)."""
    for packed in _carried(body):
        for kind in REFERENCES:
            value = packed.get(kind)
            if isinstance(value, int) and not isinstance(value, bool):
                return kind, value
    return None


class SharedChannels:
    """Resolves a request's installation to its channel's home, remembering which installations saw which channel."""

    def __init__(self, db: Database, clock: Clock, *, oauth: bool,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.db, self.clock, self.oauth, self._monotonic = db, clock, oauth, monotonic
        self._lock = threading.Lock()
        self._seen: set[tuple[int, str]] = set()
        self._homes: dict[tuple[int, str], tuple[int, float]] = {}

    def home(self, installation_id: int, body: Mapping[str, Any]) -> int:
        """The installation whose rows the request works on. With one bot token (single-workspace mode) there is one
        installation, and nothing to resolve."""
        if not self.oauth:
            return installation_id
        channel = request_channel(body) or self._referenced_channel(installation_id, body)
        if channel is None:
            return installation_id  # no channel, or a row this installation may not see: its own lookup will say so
        self.seen(installation_id, channel)
        return self.channel_home(installation_id, channel)

    def channel_of(self, installation_id: int, body: Mapping[str, Any]) -> str | None:
        """The channel a request is about: named in the payload, or the channel of the row a button or modal names
        (where to answer a person who acted in a modal or on the Home tab)."""
        return request_channel(body) or self._referenced_channel(installation_id, body)

    def _referenced_channel(self, installation_id: int, body: Mapping[str, Any]) -> str | None:
        reference = request_reference(body)
        if reference is None:
            return None
        with self.db.read() as session:
            return channel_of_reference(session, installation_id, *reference)

    def seen(self, installation_id: int, channel_id: str) -> None:
        """Record that Slack showed the installation this channel (a signed request, or an answer to its token)."""
        with self._lock:
            if (installation_id, channel_id) in self._seen:
                return
        with self.db.write() as session:
            record_sighting(session, installation_id, channel_id, self.clock.now())
        with self._lock:
            self._seen.add((installation_id, channel_id))

    def channel_home(self, installation_id: int, channel_id: str) -> int:
        """The channel's home as seen from the installation (which has seen it); an alliance stranded under an
        uninstalled installation moves here first."""
        key = (installation_id, channel_id)
        with self._lock:
            cached = self._homes.get(key)
        if cached is not None and self._monotonic() - cached[1] < HOME_CACHE_SECONDS:
            return cached[0]
        with self.db.read() as session:
            found = channel_home(session, installation_id, channel_id)
        if found.stranded is not None:
            with self.db.write() as session:
                moved = move_alliance(session, found.stranded, installation_id, channel_id)
            logger.info("channel %s: installation %s uninstalled; its alliance moved to installation %s (%s)",
                        channel_id, found.stranded, installation_id, moved or "nothing moved: both had rows")
            return installation_id
        if found.settled:
            with self._lock:
                self._homes[key] = (found.home, self._monotonic())
        return found.home

    def forget(self, installation_id: int | None = None) -> None:
        """Drop cached homes (an installation uninstalled, or a channel moved)."""
        with self._lock:
            self._homes = {k: v for k, v in self._homes.items() if installation_id is not None and installation_id not in (k[0], v[0])}
