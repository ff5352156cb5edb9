"""The manifest declares exactly what the code registers and uses, and Slack's schema accepts it."""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from bot.manifest import http_manifest, load_manifest
from handlers import register_all
from tests.samples import sample_path

ROOT = Path(__file__).resolve().parents[1]

# The granular bot scopes each Web API method needs (Slack's method reference pages). A method
# the code starts to use must be added here, which makes the scope decision explicit.
METHOD_SCOPES: dict[str, set[str]] = {
    "auth.test": set(),
    "chat.postMessage": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "chat.update": {"chat:write"},
    "chat.delete": {"chat:write"},
    "conversations.members": {"channels:read", "groups:read"},
    # Read back only to find our own earlier post for due work before posting it again.
    "conversations.history": {"channels:history", "groups:history", "im:history"},
    "conversations.replies": {"channels:history", "groups:history", "im:history"},
    "conversations.open": {"im:write"},
    # users:read.email adds profile.email, for mailto: attendees in meeting invites.
    "users.info": {"users:read", "users:read.email"},
    "team.info": {"team:read"},
    "views.open": set(),
    "views.update": set(),
    "views.push": set(),
    "views.publish": set(),
    "apps.connections.open": set(),  # app-level token, connections:write
    "chat.getPermalink": set(),  # Slack lists no scope for it
    "files.getUploadURLExternal": {"files:write"},
    "files.completeUploadExternal": {"files:write"},
    "pins.add": {"pins:write"},  # the alliance panel stays pinned in its channel
}
EVENT_SCOPES = {"reaction_added": {"reactions:read"}, "user_change": {"users:read"},
                "app_home_opened": set(), "app_uninstalled": set(), "tokens_revoked": set()}


class Recorder:
    """Stands in for the Bolt app and records what each feature registers."""

    def __init__(self) -> None:
        self.registered: dict[str, set[str]] = {}

    def __getattr__(self, kind: str) -> Callable[..., Callable[[Any], Any]]:
        def register(key: Any, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
            self.registered.setdefault(kind, set()).add(key if isinstance(key, str) else json.dumps(key, sort_keys=True))
            return lambda listener: listener
        return register


def registered() -> dict[str, set[str]]:
    recorder = Recorder()
    register_all(recorder)  # type: ignore[arg-type]  # registration does no I/O
    return recorder.registered


def methods_used() -> set[str]:
    """Web API methods the application calls."""
    known = set(json.loads(sample_path("openapi", "web_api_methods.json").read_text())["paths"])
    known |= {"/apps.connections.open", "/files.getUploadURLExternal", "/files.completeUploadExternal"}
    found: set[str] = set()
    for folder in ("bot", "handlers"):
        for path in (ROOT / folder).rglob("*.py"):
            # Every Web API call goes through SlackGateway.call("method", ...).
            for name in re.findall(r"\.call\(\s*[\"']([a-z]+\.[a-zA-Z.]+)[\"']", path.read_text()):
                if "/" + name in known:
                    found.add(name)
    return found


def test_commands_match_the_registrations() -> None:
    manifest = load_manifest()
    declared = {c["command"] for c in manifest["features"].get("slash_commands", [])}
    assert declared == registered().get("command", set())


def test_events_match_the_registrations() -> None:
    manifest = load_manifest()
    declared = set(manifest["settings"].get("event_subscriptions", {}).get("bot_events", []))
    assert declared == registered().get("event", set())


def test_interactivity_is_on_exactly_when_something_needs_it() -> None:
    interactive = {"view", "action", "shortcut", "options", "block_action", "message_shortcut"} & set(registered())
    assert load_manifest()["settings"]["interactivity"]["is_enabled"] == bool(interactive)


def test_shortcuts_match_the_registrations() -> None:
    declared = {s["callback_id"] for s in load_manifest()["features"].get("shortcuts", [])}
    assert declared == registered().get("shortcut", set()) | registered().get("message_shortcut", set())


def test_scopes_are_exactly_what_the_code_needs() -> None:
    used = methods_used()
    assert {"chat.postMessage", "users.info", "conversations.members"} <= used  # the scan sees the calls
    unknown = used - set(METHOD_SCOPES)
    assert not unknown, f"add the scopes these methods need to METHOD_SCOPES: {sorted(unknown)}"
    needed = set().union(*(METHOD_SCOPES[m] for m in used))
    needed |= set().union(*(EVENT_SCOPES[e] for e in registered().get("event", set())))
    if registered().get("command"):
        needed.add("commands")
    assert set(load_manifest()["oauth_config"]["scopes"]["bot"]) == needed
    assert "user" not in load_manifest()["oauth_config"]["scopes"]  # no user-token scopes


@pytest.mark.parametrize("variant", ["socket", "http"])
def test_manifest_is_valid_against_slacks_schema(variant: str) -> None:
    manifest = load_manifest() if variant == "socket" else http_manifest(load_manifest(), "https://bot.example.com/slack/events")
    schema = json.loads(sample_path("schemas", "manifest", "manifest.schema.1.0.0.json").read_text())
    jsonschema.Draft7Validator(schema).validate(manifest)


def test_schema_is_not_a_rubber_stamp() -> None:
    schema = json.loads(sample_path("schemas", "manifest", "manifest.schema.1.0.0.json").read_text())
    broken = load_manifest()
    del broken["display_information"]
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken))


def test_http_variant_points_everything_at_the_request_url() -> None:
    manifest = http_manifest(load_manifest(), "https://bot.example.com/slack/events")
    assert manifest["settings"]["socket_mode_enabled"] is False
    assert all(c["url"] == "https://bot.example.com/slack/events" for c in manifest["features"]["slash_commands"])
    assert manifest["settings"]["interactivity"]["request_url"].endswith("/slack/events")
    with pytest.raises(ValueError):
        http_manifest(load_manifest(), "http://insecure.example.com")
