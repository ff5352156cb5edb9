"""Reading what people type after a slash command."""
from __future__ import annotations

import pytest

from bot.domain.commands import split_command
from bot.domain.errors import UserError


@pytest.mark.parametrize(("text", "sub", "rest"), [("", "", ""), ("   ", "", ""), ("SETUP", "setup", ""), ("help me please", "help", "me please")])
def test_known_subcommands(text: str, sub: str, rest: str) -> None:
    parsed = split_command(text, ("", "setup", "help"), "/alliance")
    assert (parsed.subcommand, parsed.rest) == (sub, rest)


def test_an_unknown_subcommand_lists_the_known_ones() -> None:
    with pytest.raises(UserError) as caught:
        split_command("frobnicate now", ("", "setup", "help"), "/alliance")
    assert "frobnicate" in caught.value.message
    assert "`/alliance setup`" in caught.value.message and "`/alliance help`" in caught.value.message


def test_a_lookup_that_found_nothing_says_so_and_one_that_found_something_passes_it_on() -> None:
    import pytest

    from bot.domain.errors import UserError, present

    assert present(0, "gone") == 0 and present("x", "gone") == "x"  # falsy values are found values
    with pytest.raises(UserError, match="I cannot find this meeting any more"):
        present(None, "I cannot find this meeting any more.")
