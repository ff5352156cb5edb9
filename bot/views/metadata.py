"""Versioned, typed state that travels in a view's private_metadata or a button's value."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from bot.domain.errors import UserError

VERSION = 1


@dataclass(frozen=True)
class ChannelRef:
    """Which channel a modal was opened from (modals do not carry their channel)."""

    channel_id: str

    def encode(self) -> str:
        """Serialise for private_metadata (well under Slack's 3000 characters)."""
        return json.dumps({"v": VERSION, **asdict(self)}, separators=(",", ":"))

    @classmethod
    def decode(cls, raw: str | None) -> ChannelRef:
        """Read it back; stale or foreign metadata is a user-facing error, not a crash."""
        try:
            data = json.loads(raw or "")
            if data.get("v") != VERSION or not isinstance(data.get("channel_id"), str):
                raise ValueError("unknown metadata version")
            return cls(channel_id=data["channel_id"])
        except (ValueError, AttributeError, TypeError) as error:
            raise UserError("This form is out of date. Close it and run the command again.") from error
