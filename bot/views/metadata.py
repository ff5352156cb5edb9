"""Versioned, typed state that travels in a view's private_metadata or a button's value: one codec for all.

Every reference is compact JSON with its version in "v" (`{"v":1,"decision":7}`); reading checks
the version and each field's type, and anything else (a button from an older release, a foreign or
hand-made value) is a `UserError` telling the person what to do, never a crash.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.domain.errors import UserError

VERSION = 1
_MISSING = object()


def pack(**fields: str | int | None) -> str:
    """Fields as versioned JSON, well under Slack's limits (2000 characters for a value, 3000 for metadata)."""
    return json.dumps({"v": VERSION, **fields}, separators=(",", ":"))


def unpack(raw: str | None, stale: str, **fields: Any) -> dict[str, Any]:
    """Read `pack`'s output back. `fields` names each expected field's type (`int`, `str`), or a
    `(type, default)` pair for a field older values may lack; `stale` is what the person is told
    when the value cannot be read."""
    try:
        data = json.loads(raw or "")
        if not isinstance(data, dict) or data.get("v") != VERSION:
            raise ValueError("unknown version")
        out: dict[str, Any] = {}
        for name, spec in fields.items():
            kind, default = spec if isinstance(spec, tuple) else (spec, _MISSING)
            value = data.get(name, default)
            if value is _MISSING or not ((value is None and default is None) or (isinstance(value, kind) and not isinstance(value, bool))):
                raise ValueError(f"{name} missing or of the wrong type")
            out[name] = value
        return out
    except (ValueError, TypeError) as error:
        raise UserError(stale) from error


@dataclass(frozen=True)
class ChannelRef:
    """Which channel a modal was opened from (modals do not carry their channel)."""

    channel_id: str

    def encode(self) -> str:
        """Serialise for private_metadata."""
        return pack(channel_id=self.channel_id)

    @classmethod
    def decode(cls, raw: str | None) -> ChannelRef:
        """Read it back; stale or foreign metadata is a user-facing error, not a crash."""
        return cls(**unpack(raw, "This form is out of date. Close it and run the command again.", channel_id=str))
