"""Reading a slash command's text: the subcommand word and what follows it."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.errors import UserError


@dataclass(frozen=True)
class CommandText:
    """A command's text split into its subcommand (lower-cased) and the rest."""

    subcommand: str
    rest: str


def split_command(text: str | None, known: Iterable[str], command: str) -> CommandText:
    """Split `text`; an unknown first word is refused with the list of known ones."""
    stripped = (text or "").strip()
    word, _, rest = stripped.partition(" ")
    word = word.lower()
    known = list(known)
    if word not in known:
        choices = ", ".join(f"`{command} {k}`".replace("  ", " ").rstrip() for k in known)
        raise UserError(f"`{command} {stripped[:60]}` is not something I know. Try one of: {choices}.")
    return CommandText(word, rest.strip())
