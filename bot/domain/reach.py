"""How the bot reaches one person privately: a DM, or an ephemeral in the channel when Slack refuses DMs to them."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

# Slack refused a DM to this person (typically someone of a partner organisation in a Slack Connect
# channel): the channel is used instead, and the DM is tried again only after this long.
DM_RECHECK = timedelta(days=7)


class Route(Enum):
    """The way a private message reached (or is to reach) a person."""

    DM = "dm"
    EPHEMERAL = "ephemeral"  # chat.postEphemeral in the channel the message is about


@dataclass(frozen=True)
class KnownRoute:
    """What the last private message to a person found: the route that worked, and when DMs were last tried."""

    route: Route
    checked_at: datetime


def tries_dm_first(known: KnownRoute | None, now: datetime) -> bool:
    """Try a DM unless Slack refused one to this person within the last `DM_RECHECK`."""
    return known is None or known.route is Route.DM or now - known.checked_at >= DM_RECHECK


def is_person(target: str) -> bool:
    """True for a Slack user id (U… or, in Enterprise Grid, W…), false for a conversation id."""
    return target.startswith(("U", "W"))


@dataclass(frozen=True)
class Readiness:
    """How ready one partner's people are to use the bot: whether their organisation installed the app (else
    they use the pinned panel, with no slash commands, shortcuts or App Home), and how private messages reach them."""

    members: int
    app_installed: bool
    dm_works: int = 0  # a DM reached them last time
    dm_refused: int = 0  # Slack refused a DM: private messages come as ephemerals in the channel
    not_tried: int = 0  # nothing private sent to them yet

    @staticmethod
    def of(user_ids: Sequence[str], app_installed: bool, routes: Mapping[str, KnownRoute]) -> Readiness:
        """Count a partner's people by what is known of reaching them."""
        found = [routes.get(u) for u in user_ids]
        return Readiness(len(user_ids), app_installed, dm_works=sum(1 for r in found if r is not None and r.route is Route.DM),
                         dm_refused=sum(1 for r in found if r is not None and r.route is Route.EPHEMERAL),
                         not_tried=sum(1 for r in found if r is None))
