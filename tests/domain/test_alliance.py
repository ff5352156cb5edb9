"""An alliance team sets up its channel: partners, and who speaks for which."""
from __future__ import annotations

import pytest

from bot.domain.alliance import (
    Alliance,
    Member,
    MemberMapping,
    Partner,
    PartnerDraft,
    build_alliance,
    partner_of,
    roster,
    teams_seen,
)
from bot.domain.errors import FormErrors

ACME, GLOBEX = "TACME", "TGLOBEX"
maria = Member("UMARIA", ACME, "Maria", "America/New_York")
kenji = Member("UKENJI", GLOBEX, "Kenji", "Asia/Tokyo")
anna = Member("UANNA", GLOBEX, "Anna", None)
bot = Member("UBOT", ACME, "Alliance Bot", None, is_bot=True)
gone = Member("UGONE", ACME, "Former", "UTC", deleted=True)

connect = Alliance("C1", "Acme–Globex", MemberMapping.SLACK_TEAM, (Partner("Acme", ACME), Partner("Globex", GLOBEX)))


def test_slack_connect_members_map_by_their_home_team() -> None:
    assert partner_of(connect, maria).name == "Acme"
    assert partner_of(connect, kenji).name == "Globex"
    assert partner_of(connect, Member("UX", "TOTHER", "Outsider")) is None


def test_an_explicit_list_wins_over_the_home_team() -> None:
    # A Globex consultant working from Acme's workspace speaks for Globex.
    alliance = Alliance("C1", "A", MemberMapping.SLACK_TEAM, (Partner("Acme", ACME), Partner("Globex", GLOBEX, ("UMARIA",))))
    assert partner_of(alliance, maria).name == "Globex"


def test_configured_mapping_ignores_teams() -> None:
    alliance = Alliance("C1", "A", MemberMapping.CONFIGURED, (Partner("Acme", ACME, ("UMARIA",)), Partner("Globex", None, ("UKENJI",))))
    assert partner_of(alliance, maria).name == "Acme"
    assert partner_of(alliance, anna) is None


def test_teams_seen_counts_people_not_bots_and_orders_largest_first() -> None:
    seen = teams_seen([maria, kenji, anna, bot, gone])
    assert [(t.team_id, t.member_count) for t in seen] == [(GLOBEX, 2), (ACME, 1)]


def test_roster_groups_people_and_lists_the_unmapped() -> None:
    outsider = Member("UX", "TOTHER", "Outsider")
    result = roster(connect, [maria, kenji, anna, bot, outsider])
    assert [(p.name, [m.user_id for m in ms]) for p, ms in result.by_partner] == [("Acme", ["UMARIA"]), ("Globex", ["UKENJI", "UANNA"])]
    assert [m.user_id for m in result.unmapped] == ["UX"]


def test_a_valid_form_becomes_an_alliance() -> None:
    alliance = build_alliance("C1", "  Acme–Globex  ", MemberMapping.SLACK_TEAM,
                              [PartnerDraft("Acme", ACME), PartnerDraft("Globex", GLOBEX), PartnerDraft(), PartnerDraft()])
    assert alliance.name == "Acme–Globex"
    assert [p.name for p in alliance.partners] == ["Acme", "Globex"]


@pytest.mark.parametrize(
    ("name", "mapping", "drafts", "field"),
    [
        ("", MemberMapping.SLACK_TEAM, [PartnerDraft("A", ACME), PartnerDraft("B", GLOBEX)], "name"),
        ("x" * 151, MemberMapping.SLACK_TEAM, [PartnerDraft("A", ACME), PartnerDraft("B", GLOBEX)], "name"),
        ("N", MemberMapping.SLACK_TEAM, [PartnerDraft("A", ACME)], "partner_2_name"),
        ("N", MemberMapping.SLACK_TEAM, [], "partner_1_name"),
        ("N", MemberMapping.SLACK_TEAM, [PartnerDraft("A", ACME), PartnerDraft("a", GLOBEX)], "partner_2_name"),
        ("N", MemberMapping.SLACK_TEAM, [PartnerDraft("A", ACME), PartnerDraft("B", ACME)], "partner_2_team"),
        ("N", MemberMapping.SLACK_TEAM, [PartnerDraft("A", ACME), PartnerDraft("B")], "partner_2_team"),
        ("N", MemberMapping.CONFIGURED, [PartnerDraft("A", None, ("U1",)), PartnerDraft("B")], "partner_2_members"),
        ("N", MemberMapping.CONFIGURED, [PartnerDraft("A", None, ("U1",)), PartnerDraft("B", None, ("U1",))], "partner_2_members"),
        ("N", MemberMapping.SLACK_TEAM, [PartnerDraft("A", ACME), PartnerDraft("B", GLOBEX), PartnerDraft("", None, ("U1",))], "partner_3_name"),
        ("N", MemberMapping.SLACK_TEAM, [PartnerDraft("A", ACME), PartnerDraft("B" * 101, GLOBEX)], "partner_2_name"),
    ],
)
def test_a_bad_form_names_the_field_to_fix(name: str, mapping: MemberMapping, drafts: list[PartnerDraft], field: str) -> None:
    with pytest.raises(FormErrors) as caught:
        build_alliance("C1", name, mapping, drafts)
    assert field in caught.value.errors
    assert all(message.strip() for message in caught.value.errors.values())


def test_more_than_four_partners_are_not_taken() -> None:
    drafts = [PartnerDraft(f"P{i}", f"T{i}") for i in range(6)]
    assert len(build_alliance("C1", "N", MemberMapping.SLACK_TEAM, drafts).partners) == 4


def test_setup_needs_the_bot_in_the_channel() -> None:
    from bot.domain.alliance import require_bot_in_channel
    from bot.domain.errors import UserError

    require_bot_in_channel([maria, bot], "UBOT")
    with pytest.raises(UserError, match="/invite"):
        require_bot_in_channel([maria, kenji], "UBOT")
