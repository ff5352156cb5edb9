"""People named in command text: Slack's escaped mentions, and `@names` Slack could not resolve.

With `should_escape` on, Slack sends a mention picked from its list as `<@U123|name>`; an `@name`
it could not match to anyone in the workspace arrives as plain text. That plain `@name` is
someone the person meant but Slack does not know, so it is refused rather than left in the text.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from bot.domain.alliance import Member
from bot.domain.errors import UserError

MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_UNRESOLVED = re.compile(r"(?<![\w<])@([\w.\-]+)")


def mentioned(text: str) -> tuple[str, ...]:
    """The user ids mentioned in `text`, first mention first, each once."""
    return tuple(dict.fromkeys(m.group(1) for m in MENTION.finditer(text)))


def without_mentions(text: str) -> str:
    """`text` with its mentions taken out (single-spaced)."""
    return " ".join(MENTION.sub(" ", text).split())


def as_typed(text: str) -> str:
    """Command text the way the person typed it: `<@U123|maria>` back to `@maria`."""
    return MENTION.sub(lambda m: f"@{m.group(2) or m.group(1)}", text)


def check_resolved(text: str, example: str) -> None:
    """Refuse an `@name` that Slack did not turn into a mention: nobody it knows in this workspace."""
    unresolved = _UNRESOLVED.findall(MENTION.sub("", text))
    if unresolved:
        raise UserError(f"I do not know @{unresolved[0]} in this workspace. Pick people from Slack's @-mention list, e.g. {example}.")


def check_known(wanted: Iterable[str], found: Iterable[Member]) -> None:
    """Refuse a mentioned person Slack has no profile for, a deactivated account or a bot."""
    people = {m.user_id: m for m in found if not m.deleted and not m.is_bot}
    missing = [u for u in wanted if u not in people]
    if missing:
        raise UserError(f"I cannot find <@{missing[0]}> in this workspace (or it is a bot). Choose a person.")
