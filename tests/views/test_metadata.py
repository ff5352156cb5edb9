"""One codec for the references that travel in button values and private_metadata."""
from __future__ import annotations

import pytest

from bot.domain.consensus import Level
from bot.domain.errors import UserError
from bot.views import actions, consensus, meetings, milestones
from bot.views.metadata import ChannelRef, pack, unpack


def test_every_reference_reads_back_what_it_wrote() -> None:
    assert ChannelRef.decode(ChannelRef("C1").encode()) == ChannelRef("C1")
    assert actions.ItemDraft.decode(actions.ItemDraft("C1", "https://x.slack.com/p1").encode()) == actions.ItemDraft("C1", "https://x.slack.com/p1")
    assert actions.ItemDraft.decode(actions.ItemDraft("C1").encode()) == actions.ItemDraft("C1")
    assert actions.item_id_from(actions.item_value(12)) == 12
    assert consensus.decision_id_from(consensus.button_value(7)) == 7
    assert milestones.milestone_id_from(milestones.button_value(3)) == 3
    assert meetings.SlotRef.decode(meetings.SlotRef(4, 2).encode()) == meetings.SlotRef(4, 2)


def test_the_encoding_is_what_messages_already_posted_carry() -> None:
    # Buttons of messages posted by earlier releases must keep working: the wire format is unchanged.
    assert consensus.button_value(7) == '{"v":1,"decision":7}'
    assert meetings.SlotRef(4, 2).encode() == '{"v":1,"meeting":4,"slot":2}'
    assert meetings.SlotRef.decode('{"v":1,"meeting":4}') == meetings.SlotRef(4, 0)  # before slots were numbered
    metadata = pack(decision=7, level=Level.BLOCK.value)
    assert consensus.decision_id_from(metadata) == 7 and consensus.level_from_metadata(metadata) is Level.BLOCK


@pytest.mark.parametrize("raw", [None, "", "{not json", "[]", "null", '"x"', '{"v":2,"decision":7}', '{"v":1}',
                                 '{"v":1,"decision":"7"}', '{"v":1,"decision":true}', '{"v":1,"decision":7.5}', '{"decision":7}'])
def test_anything_else_is_a_plain_answer_not_a_crash(raw: str | None) -> None:
    with pytest.raises(UserError, match="out of date"):
        consensus.decision_id_from(raw)


def test_an_unknown_level_is_stale_too() -> None:
    with pytest.raises(UserError, match="Vote again"):
        consensus.level_from_metadata(pack(decision=7, level="veto"))


def test_optional_fields_take_their_default_and_are_still_type_checked() -> None:
    assert unpack('{"v":1,"a":1}', "stale", a=int, b=(str, None)) == {"a": 1, "b": None}
    with pytest.raises(UserError, match="stale"):
        unpack('{"v":1,"a":1,"b":3}', "stale", a=int, b=(str, None))
