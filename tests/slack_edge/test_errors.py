"""The error boundary's words: a refused command is shown back as typed, to fix and send again."""
from __future__ import annotations

from bot.slack_edge.errors import ECHO_MAX, with_what_was_typed


def test_a_refused_command_is_echoed_as_typed_with_mentions_back_as_names() -> None:
    body = {"command": "/action", "text": "Send the deck <@UKENJI|kenji> by nxt friday &amp; more"}
    text = with_what_was_typed("I could not read the date `nxt friday`.", body)
    assert text.startswith("I could not read the date `nxt friday`.\n")
    assert text.endswith("```/action Send the deck @kenji by nxt friday &amp; more```")


def test_only_commands_with_text_are_echoed_and_never_more_than_fits() -> None:
    assert with_what_was_typed("No.", {"type": "block_actions"}) == "No."
    assert with_what_was_typed("No.", {"command": "/action", "text": "  "}) == "No."
    long = with_what_was_typed("No.", {"command": "/action", "text": "```" + "x" * 9000})
    assert "``````" not in long and len(long) < ECHO_MAX + 100
