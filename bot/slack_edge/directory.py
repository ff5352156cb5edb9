"""Who is in a channel, with each member's home team, time zone and email (users.info, cached)."""
from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from bot.clock import Clock
from bot.domain.alliance import Member
from bot.domain.tz import DATA_VERSION, canonical
from bot.slack_edge.gateway import ErrorCategory, SlackCallError, SlackGateway
from storage.db import Database
from storage.users import cached_members, save_members

logger = logging.getLogger(__name__)
CACHE_AGE = timedelta(hours=12)
# One @, no spaces, a dot in the domain: enough to keep a blank or odd value out of a mailto: URI.
PLAUSIBLE_EMAIL = re.compile(r"[^@\s<>\",;]+@[^@\s<>\",;]+\.[^@\s<>\",;.]+")
MAX_EMAIL = 254


def plausible_email(value: Any) -> str | None:
    """The address if `value` looks like one, else None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if len(value) <= MAX_EMAIL and PLAUSIBLE_EMAIL.fullmatch(value) else None


def member_from_user(user: dict[str, Any]) -> Member:
    """Read a `users.info` user object; `tz` stays None when Slack has none (never guessed), `enterprise_id`
    is None for people outside Enterprise Grid.

    `profile.email` comes only with the users:read.email scope, and for a Slack Connect person of
    another organisation only if that organisation shares it; otherwise `email` stays None.
    """
    profile = user.get("profile") or {}
    name = profile.get("real_name") or user.get("real_name") or profile.get("display_name") or user.get("name") or user["id"]
    return Member(
        user_id=user["id"], team_id=user.get("team_id") or profile.get("team") or "", name=name,
        tz=known_zone(user.get("tz"), user["id"]), is_bot=bool(user.get("is_bot")) or user["id"] == "USLACKBOT", deleted=bool(user.get("deleted")),
        is_admin=bool(user.get("is_admin") or user.get("is_owner")), email=plausible_email(profile.get("email")),
        enterprise_id=_enterprise_id(user), enterprise_name=_enterprise_name(user),
    )


def known_zone(given: object, user_id: str) -> str | None:
    """Slack's zone for a person when the bot's tz data knows it (its own spelling); None otherwise, said in one log line,
    so that their stated zone (or the planner's question) takes over rather than an error."""
    if not isinstance(given, str) or not given:
        return None
    try:
        return canonical(given)
    except ValueError:
        logger.warning("Slack gives %s the time zone %r, which the tz data %s does not know; using their stated zone instead",
                       user_id, given[:64], DATA_VERSION)
        return None


def _enterprise_id(user: dict[str, Any]) -> str | None:
    """An Enterprise Grid person's organisation (users.info has it at the top and under `enterprise_user`)."""
    grid = user.get("enterprise_user")
    found = user.get("enterprise_id") or (grid.get("enterprise_id") if isinstance(grid, dict) else None)
    return found if isinstance(found, str) and found else None


def _enterprise_name(user: dict[str, Any]) -> str | None:
    """The name of an Enterprise Grid person's organisation (`enterprise_user.enterprise_name`, required there by
    Slack's Web API spec)."""
    grid = user.get("enterprise_user")
    found = grid.get("enterprise_name") if isinstance(grid, dict) else None
    return found.strip()[:255] or None if isinstance(found, str) else None


class MemberDirectory:
    """Channel membership and user profiles, cached in the database between look-ups."""

    def __init__(self, gateway: SlackGateway, db: Database, clock: Clock, max_age: timedelta = CACHE_AGE) -> None:
        self.gateway = gateway
        self.db = db
        self.clock = clock
        self.max_age = max_age

    def members(self, installation_id: int, channel_id: str) -> list[Member]:
        """Everyone in the channel (bots included; callers filter), in Slack's order."""
        ids = list(self.gateway.channel_member_ids(channel_id))
        return self.users(installation_id, ids)

    def users(self, installation_id: int, user_ids: Sequence[str]) -> list[Member]:
        """Profiles for `user_ids`, from the cache where fresh, else from users.info."""
        now = self.clock.now()
        with self.db.read() as session:
            known = cached_members(session, installation_id, user_ids, now=now, max_age=self.max_age)
        fetched: list[Member] = []
        for user_id in user_ids:
            if user_id in known:
                continue
            try:
                fetched.append(member_from_user(self.gateway.user_info(user_id)))
            except SlackCallError as error:
                if error.category in (ErrorCategory.AUTH, ErrorCategory.TRANSIENT):
                    raise
                logger.warning("users.info %s failed: %s", user_id, error.error)
        if fetched:
            self.remember(installation_id, fetched)
            known.update({m.user_id: m for m in fetched})
        return [known[u] for u in user_ids if u in known]

    def is_admin(self, installation_id: int, user_id: str) -> bool:
        """Whether the person is a workspace admin or owner (users.info, cached like every profile)."""
        found = self.users(installation_id, [user_id])
        return bool(found and found[0].is_admin)

    def remember(self, installation_id: int, members: Sequence[Member]) -> None:
        """Store fresh profiles (e.g. from a `user_change` event)."""
        save_members(self.db, installation_id, members, now=self.clock.now())
