"""Each person's time zone, loaded once for every feature, by the one rule of `bot.domain.zones`."""
from __future__ import annotations

from collections.abc import Iterable

from bot.domain.alliance import Member
from bot.domain.mentions import check_known
from bot.domain.zones import ZoneClues, channel_zone
from bot.services import Services
from storage.alliances import get_alliance
from storage.db import Session
from storage.meetings import stated_zones


def alliance_zone(session: Session, installation_id: int, channel_id: str) -> str:
    """The channel's zone: its alliance's, else UTC."""
    return channel_zone(_alliance_time_zone(session, installation_id, channel_id))


def clues(services: Services, installation_id: int, channel_id: str | None, user_ids: Iterable[str]) -> dict[str, ZoneClues]:
    """What is known of where each person is (Slack's zone, the one they stated, the channel's alliance zone)."""
    return _load(services, installation_id, channel_id, user_ids)[1]


def zones(services: Services, installation_id: int, channel_id: str | None, user_ids: Iterable[str]) -> dict[str, str]:
    """Each person's zone by the rule: Slack's, else the one stated in `/meeting prefs`, else the channel's alliance's, else UTC."""
    return {u: c.zone for u, c in clues(services, installation_id, channel_id, user_ids).items()}


def zone(services: Services, installation_id: int, channel_id: str | None, user_id: str) -> str:
    """One person's zone (see `zones`)."""
    return zones(services, installation_id, channel_id, [user_id])[user_id]


def known_zones(services: Services, installation_id: int, channel_id: str | None, user_ids: Iterable[str]) -> dict[str, str]:
    """`zones`, refusing (`UserError`) a person Slack has no profile for, a deactivated account or a bot."""
    members, found = _load(services, installation_id, channel_id, user_ids)
    check_known(found, members)
    return {u: c.zone for u, c in found.items()}


def own_zones(services: Services, installation_id: int, user_ids: Iterable[str]) -> dict[str, str]:
    """The people whose own zone is known (Slack's, else the one they stated), with it; the others are left out."""
    return {u: c.own for u, c in clues(services, installation_id, None, user_ids).items() if c.own}


def _load(services: Services, installation_id: int, channel_id: str | None,
          user_ids: Iterable[str]) -> tuple[list[Member], dict[str, ZoneClues]]:
    wanted = list(dict.fromkeys(user_ids))
    members = services.directory.users(installation_id, wanted)
    slack = {m.user_id: m.tz for m in members}
    with services.db.read() as session:
        stated = stated_zones(session, installation_id, wanted)
        alliance = _alliance_time_zone(session, installation_id, channel_id) if channel_id else None
    return members, {u: ZoneClues(slack.get(u), stated.get(u), alliance) for u in wanted}


def _alliance_time_zone(session: Session, installation_id: int, channel_id: str) -> str | None:
    alliance = get_alliance(session, installation_id, channel_id)
    return alliance.time_zone if alliance else None
