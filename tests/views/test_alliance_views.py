"""Every /alliance message and modal is valid Block Kit, whatever the channel looks like."""
from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from bot.domain.alliance import Alliance, Member, MemberMapping, Partner, TeamSeen, roster
from bot.slack_edge.blockkit import check_message, check_view
from bot.views import alliance as views
from bot.views.ids import Block, partner_block
from bot.views.metadata import ChannelRef

REF = ChannelRef("C1")
LONG = "Ω" * 200


def alliance(name: str = "Acme–Globex", mapping: MemberMapping = MemberMapping.SLACK_TEAM) -> Alliance:
    return Alliance("C1", name, mapping, (Partner("Acme", "TA"), Partner("Globex <script>", "TG", ("U9",))))


def members(count: int) -> list[Member]:
    return [Member(f"U{i}", "TA" if i % 2 else "TG", f"Person {i}", None if i % 7 == 0 else "Europe/Zurich") for i in range(count)]


@pytest.mark.parametrize("count", [0, 1, 3, 250])
def test_summary_is_valid_for_any_channel_size(count: int) -> None:
    text, blocks = views.summary_message(alliance(), roster(alliance(), members(count)), {"TA": "Acme Pharma"})
    check_message(text, blocks)
    assert "Acme Pharma" in str(blocks)


def test_summary_escapes_partner_names_and_caps_mentions() -> None:
    _, blocks = views.summary_message(alliance(), roster(alliance(), members(250)), {})
    rendered = str(blocks)
    assert "<script>" not in rendered and "&lt;script&gt;" in rendered
    # U9 is listed under Globex, so Acme has 124 people and Globex 126; 20 of each are named.
    assert "and 104 more" in rendered and "and 106 more" in rendered


def buttons(blocks: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["text"]["text"], e["value"]) for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_no_alliance_yet_points_to_setup_by_command_and_by_button() -> None:
    text, blocks = views.not_set_up_message(REF)
    check_message(text, blocks)
    assert "/alliance setup" in blocks[0]["text"]["text"]
    assert [(label, ChannelRef.decode(value)) for label, value in buttons(blocks)] == [("Set up the alliance", REF)]


@pytest.mark.parametrize("typed", [None, "", "Adopt the plan", "x & <y> ```z```" * 400])
def test_setup_needed_shows_what_was_asked_and_a_button(typed: str | None) -> None:
    text, blocks = views.setup_needed_message(REF, "so that votes are tallied per partner company", typed)
    check_message(text, blocks)
    rendered = str(blocks)
    assert "so that votes are tallied per partner company" in rendered and buttons(blocks)[0][0] == "Set up the alliance"
    assert ("What you asked" in rendered) is bool(typed)
    assert "<y>" not in rendered


@pytest.mark.parametrize("count", [0, 2, 25, 250])
def test_the_mapping_note_names_people_without_mentioning_them(count: int) -> None:
    people = [replace(m, name=f"Person <{m.user_id}>") for m in members(count)] + [Member("UX", "TX", "Outsider")]
    text, blocks = views.mapped_message(REF, alliance(), roster(alliance(), people))
    check_message(text, blocks)
    rendered = str(blocks)
    assert "<@" not in rendered
    assert ("Person &lt;U1&gt;" in rendered) is (count > 1)
    assert "Not mapped to a partner* — 1 person: Outsider" in rendered
    assert [label for label, _ in buttons(blocks)] == ["Edit the alliance"]
    if count > 20:
        assert "more" in rendered


def test_the_saved_setup_can_be_edited_by_a_click() -> None:
    text, blocks = views.saved_message(alliance(), roster(alliance(), members(3)), {}, "UMARIA")
    check_message(text, blocks)
    assert [(label, ChannelRef.decode(value).channel_id) for label, value in buttons(blocks)] == [("Edit the alliance", "C1")]


@pytest.mark.parametrize("teams", [[], [TeamSeen("TA", 3, "Acme")], [TeamSeen(f"T{i}", i + 1, LONG) for i in range(120)]])
@pytest.mark.parametrize("current", [None, alliance(), alliance(LONG[:150], MemberMapping.CONFIGURED)])
def test_setup_modal_is_valid(teams: list[TeamSeen], current: Alliance | None) -> None:
    view = views.setup_modal(REF, current, teams, members(12))
    check_view(view)
    assert ChannelRef.decode(view["private_metadata"]) == REF
    block_ids = [b.get("block_id") for b in view["blocks"]]
    assert Block.ALLIANCE_NAME in block_ids and partner_block(4, "members") in block_ids


def test_setup_modal_suggests_the_slack_connect_teams_as_partners() -> None:
    view = views.setup_modal(REF, None, [TeamSeen("TG", 5, "Globex"), TeamSeen("TA", 3, "Acme")], [])
    by_id = {b.get("block_id"): b for b in view["blocks"]}
    assert by_id[partner_block(1, "name")]["element"]["initial_value"] == "Globex"
    assert by_id[partner_block(2, "team")]["element"]["initial_option"]["value"] == "TA"
    assert by_id[Block.ALLIANCE_MAPPING]["element"]["initial_option"]["value"] == MemberMapping.SLACK_TEAM


def test_loading_help_and_problem_messages_are_valid() -> None:
    check_view(views.loading_modal(REF))
    check_message(*views.help_message())
    check_message(*views.problem_message("That did not work."))


def test_field_errors_land_on_the_right_blocks() -> None:
    assert views.field_block("name") == Block.ALLIANCE_NAME
    assert views.field_block("partner_2_team") == partner_block(2, "team")
