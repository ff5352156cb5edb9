"""An alliance team sets up its channel: partners, and who speaks for which."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.alliance import (
    MAX_PARTNERS,
    NAME_MAX,
    PARTNER_NAME_MAX,
    Alliance,
    Member,
    MemberMapping,
    Partner,
    PartnerDraft,
    build_alliance,
    implied_alliance,
    organisation_names,
    organisation_of,
    partner_of,
    people,
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


# -- the alliance a Slack Connect channel implies (no set-up step before its first decision) ----------------

ALPHA, BETA, GAMMA, GRID = "TALPHA", "TBETA", "TGAMMA", "EGRID"


def person(user_id: str, team: str, enterprise: str | None = None, **flags: bool) -> Member:
    return Member(user_id, team, f"Name of {user_id}", enterprise_id=enterprise, **flags)


@pytest.mark.parametrize(
    ("members", "names", "host", "expected"),
    [
        # Nobody, or everyone from one organisation: no partners can be inferred.
        ([], {}, None, None),
        ([person("U1", ALPHA), person("U2", ALPHA)], {ALPHA: "Alpha"}, ALPHA, None),
        # Bots and deactivated accounts do not make a channel shared.
        ([person("U1", ALPHA), person("UB", BETA, is_bot=True), person("UD", BETA, deleted=True)], {}, ALPHA, None),
        # Two organisations: the host's first, named by Slack.
        ([person("U1", BETA), person("U2", BETA), person("U3", ALPHA)], {ALPHA: "Alpha Pharma", BETA: "Beta Bio"}, ALPHA,
         ("Alpha Pharma – Beta Bio", [("Alpha Pharma", ALPHA), ("Beta Bio", BETA)])),
        # Without a host among them, the larger first; a team Slack will not name is "Partner <n>".
        ([person("U1", BETA), person("U2", BETA), person("U3", ALPHA)], {ALPHA: "Alpha Pharma"}, None,
         ("Partner 1 – Alpha Pharma", [("Partner 1", BETA), ("Alpha Pharma", ALPHA)])),
        # Two organisations Slack calls the same keep apart by number; names are tidied.
        ([person("U1", ALPHA), person("U2", BETA)], {ALPHA: "  Acme\n Corp ", BETA: "acme corp"}, ALPHA,
         ("Acme Corp – acme corp (2)", [("Acme Corp", ALPHA), ("acme corp (2)", BETA)])),
        # An Enterprise Grid organisation is one partner, whichever of its workspaces its people are in.
        ([person("U1", ALPHA), person("U2", "TGRID1", GRID), person("U3", "TGRID2", GRID)], {GRID: "Grid Corp"}, ALPHA,
         ("Partner 1 – Grid Corp", [("Partner 1", ALPHA), ("Grid Corp", GRID)])),
        # More organisations than the alliance holds: the host's and the largest three.
        ([person("U0", ALPHA)] + [person(f"U{t}{i}", f"T{t}") for t in "BCDE" for i in range(ord(t) - 64)], {}, ALPHA,
         ("Partner 1 – Partner 2 – Partner 3 – Partner 4", [("Partner 1", ALPHA), ("Partner 2", "TE"), ("Partner 3", "TD"), ("Partner 4", "TC")])),
    ],
)
def test_the_partners_a_channel_implies(members: list[Member], names: dict[str, str], host: str | None,
                                        expected: tuple[str, list[tuple[str, str]]] | None) -> None:
    implied = implied_alliance("C1", members, names, host)
    if expected is None:
        assert implied is None
        return
    assert implied is not None
    assert (implied.name, [(p.name, p.slack_team_id) for p in implied.partners]) == expected
    assert implied.mapping is MemberMapping.SLACK_TEAM and implied.channel_id == "C1"


def test_grid_people_map_to_their_organisation_and_old_workspace_setups_still_hold() -> None:
    grid_person = person("U2", "TGRID1", GRID)
    assert organisation_of(grid_person) == GRID and organisation_of(maria) == ACME
    by_org = Alliance("C1", "A", MemberMapping.SLACK_TEAM, (Partner("Acme", ACME), Partner("Grid", GRID)))
    by_workspace = Alliance("C1", "A", MemberMapping.SLACK_TEAM, (Partner("Acme", ACME), Partner("Grid", "TGRID1")))
    assert partner_of(by_org, grid_person).name == "Grid"
    assert partner_of(by_workspace, grid_person).name == "Grid"
    assert [(t.team_id, t.member_count) for t in teams_seen([grid_person, person("U3", "TGRID2", GRID), maria])] == [(GRID, 2), (ACME, 1)]


def test_long_names_fit_the_alliance() -> None:
    implied = implied_alliance("C1", [person("U1", ALPHA), person("U2", BETA)], {ALPHA: "A" * 300, BETA: "a" * 300}, ALPHA)
    assert implied is not None
    assert [len(p.name) for p in implied.partners] == [PARTNER_NAME_MAX, PARTNER_NAME_MAX]
    assert len(implied.name) == NAME_MAX and implied.name.endswith("…")
    # Cut where a space falls, a name keeps no trailing space (the setup form would strip it).
    implied = implied_alliance("C1", [person("U1", ALPHA), person("U2", BETA)], {ALPHA: "word " * 30, BETA: "word " * 30}, ALPHA)
    assert implied is not None
    assert [p.name for p in implied.partners] == ["word " * 19 + "word", "word " * 19 + "w (2)"]


teams = st.sampled_from([ALPHA, BETA, GAMMA, "TDELTA", "TEPS", "TGRID1", "TGRID2", ""])
channel_people = st.lists(st.builds(
    lambda i, team, grid, bot, deleted: Member(f"U{i}", team, f"P{i}", enterprise_id=GRID if grid and team.startswith("TGRID") else None,
                                               is_bot=bot, deleted=deleted),
    st.integers(0, 10_000), teams, st.booleans(), st.booleans(), st.booleans()), max_size=40, unique_by=lambda m: m.user_id)
slack_names = st.dictionaries(st.sampled_from([ALPHA, BETA, GAMMA, "TDELTA", "TEPS", GRID]),
                              st.one_of(st.sampled_from(["Acme", "acme", "Partner 2", "Acme (2)", " ", "", "Ω" * 120, "word " * 30]), st.text(max_size=30)))


@given(channel_people, slack_names, st.sampled_from([ALPHA, BETA, None]))
def test_implied_partners_are_a_valid_setup_that_maps_everyone_it_can(members: list[Member], names: dict[str, str], host: str | None) -> None:
    implied = implied_alliance("C1", members, names, host)
    organisations = {organisation_of(m) for m in people(members) if organisation_of(m)}
    if len(organisations) < 2:
        assert implied is None
        return
    assert implied is not None
    # What the setup form would accept, unchanged: names unique, short enough, every partner an organisation.
    drafts = [PartnerDraft(p.name, p.slack_team_id) for p in implied.partners]
    assert build_alliance("C1", implied.name, MemberMapping.SLACK_TEAM, drafts) == implied
    assert len(implied.partners) == min(len(organisations), MAX_PARTNERS)
    if host in organisations:
        assert implied.partners[0].slack_team_id == host
    # Each person of a partner organisation speaks for it; nobody else is claimed.
    chosen = {p.slack_team_id for p in implied.partners}
    for member in people(members):
        found = partner_of(implied, member)
        if organisation_of(member) in chosen:
            assert found is not None and found.slack_team_id == organisation_of(member)
        else:
            assert found is None
    assert implied_alliance("C1", list(reversed(members)), names, host) == implied  # the order Slack lists people in does not matter


def test_a_grid_organisation_is_named_as_slack_names_it_with_its_people() -> None:
    people = [Member("U1", "TGRID1", "Ana", enterprise_id=GRID, enterprise_name="Grid Corp"),
              Member("U2", "TGRID2", "Bo", enterprise_id=GRID, enterprise_name="Grid Corp"), person("U3", ALPHA)]
    assert organisation_names(people) == {GRID: "Grid Corp"}
    implied = implied_alliance("C1", people, organisation_names(people), ALPHA)
    assert implied is not None and [p.name for p in implied.partners] == ["Partner 1", "Grid Corp"]


def test_a_partners_country_is_a_known_two_letter_code_or_nothing() -> None:
    drafts = [PartnerDraft("Acme", ACME, (), " us "), PartnerDraft("Globex", GLOBEX, (), "")]
    built = build_alliance("C1", "A", MemberMapping.SLACK_TEAM, drafts, countries={"US", "DE"})
    assert [p.country for p in built.partners] == ["US", None]
    for wrong in ("USA", "1X", "FR"):
        with pytest.raises(FormErrors) as problem:
            build_alliance("C1", "A", MemberMapping.SLACK_TEAM, [drafts[0], PartnerDraft("Globex", GLOBEX, (), wrong)], countries={"US", "DE"})
        assert set(problem.value.errors) == {"partner_2_country"}
