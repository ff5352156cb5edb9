"""Which time zone a person's dates and times are in: one rule for every feature.

What is known of a person comes from three places: Slack's profile, the zone they stated in
`/meeting prefs` (asked only when Slack has none), and the zone of the channel's alliance. Their
own zone is Slack's, else the one they stated; the zone their dates are read and shown in is their
own, else the channel's: its alliance's, else UTC.
"""
from __future__ import annotations

from dataclasses import dataclass

UTC = "UTC"


def channel_zone(alliance: str | None) -> str:
    """A channel's zone: its alliance's, else UTC."""
    return alliance or UTC


@dataclass(frozen=True)
class ZoneClues:
    """What is known of where a person is: Slack's zone for them, the one they stated, their channel's alliance zone."""

    slack: str | None = None
    stated: str | None = None
    alliance: str | None = None

    @property
    def own(self) -> str | None:
        """The person's own zone, Slack's else the one they stated; None when neither says (the planner asks, never guesses)."""
        return self.slack or self.stated or None

    @property
    def zone(self) -> str:
        """The zone the person's dates and times are read and shown in: their own, else the channel's."""
        return self.own or channel_zone(self.alliance)
