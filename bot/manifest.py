"""Read the app manifest, and derive its HTTP (Events API request URL) variant."""
from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any
from urllib.parse import urlparse


def load_manifest() -> dict[str, Any]:
    """The Socket Mode manifest shipped in manifests/manifest.json."""
    return dict(json.loads(resources.files("manifests").joinpath("manifest.json").read_text(encoding="utf-8")))


def http_manifest(base: dict[str, Any], url: str) -> dict[str, Any]:
    """The same app served over HTTP at `url` (e.g. https://bot.example.com/slack/events)."""
    parsed = urlparse(url)
    if parsed.scheme != "https" or not parsed.netloc:
        raise ValueError(f"--http-url must be a public https URL such as https://bot.example.com/slack/events, not {url!r}")
    manifest = copy.deepcopy(base)
    settings = manifest["settings"]
    settings["socket_mode_enabled"] = False
    settings["interactivity"]["request_url"] = url
    if settings.get("event_subscriptions", {}).get("bot_events"):
        settings["event_subscriptions"]["request_url"] = url
    for command in manifest["features"].get("slash_commands", []):
        command["url"] = url
    return manifest
