"""Governance bodies set up as the alliance agreement writes them (issue 19): by command, and by clicks for a partner's
person, with the form refusing what the agreement's rules cannot be."""
from __future__ import annotations

from bot.domain.governance import DecisionRule, FallbackKind
from storage.governance import body_history, channel_bodies
from tests.e2e.conftest import CHANNEL, RunningBot, eventually, with_alliance
from tests.e2e.test_panel import panels

JSC = {"Name": "JSC", "Alpha Pharma: members": ["UMARIA", "ULEE"], "Alpha Pharma: lead": "UMARIA",
       "Beta Bio: members": ["UKENJI", "UANNA"], "Beta Bio: lead": "UKENJI", "Resolution window (business days)": "15",
       "At the top, when the window ends unresolved": "One party decides (named decision types)", "The party that decides": "Alpha Pharma",
       "For these decision types (none chosen: all)": ["Budget approval", "Supply decision"], "The agreement's clause": "§4.3(b)"}


def bodies(bot: RunningBot):  # type: ignore[no-untyped-def]
    with bot.services.db.read() as session:
        return channel_bodies(session, bot.services.default_installation_id, CHANNEL)


def test_the_jsc_by_command_and_a_jdc_by_a_partners_clicks(bot2: RunningBot) -> None:
    bot = with_alliance(bot2)
    maria, kenji = bot.person("UMARIA"), bot.person("UKENJI")
    assert maria.run("/alliance", "body add", channel=CHANNEL).acked
    eventually(lambda: bot.slack.open_views("UMARIA"), what="the body form")

    # A one-vote-per-party body needs each party's lead: refused in the form, nothing stored.
    refused = maria.submit_view({**JSC, "Beta Bio: lead": None})
    assert refused.payload and refused.payload["response_action"] == "errors" and "Beta Bio" in str(refused.payload["errors"])
    assert bodies(bot) == []
    assert maria.submit_view(JSC).acked
    [jsc] = eventually(lambda: bodies(bot), what="the JSC stored")
    assert (jsc.rule, jsc.window_days, jsc.escalates_to) == (DecisionRule.PARTY_UNANIMOUS, 15, None)
    assert jsc.lead_of("Beta Bio") == "UKENJI" and jsc.fallback is not None and jsc.fallback.kind is FallbackKind.PARTY_DECIDES
    assert (jsc.fallback.party, jsc.fallback.decision_types, jsc.fallback.clause) == ("Alpha Pharma", ("budget_approval", "supply_decision"), "§4.3(b)")
    eventually(lambda: any("set up the JSC" in m.text for m in bot.slack.messages(CHANNEL)), what="the channel told")

    # Kenji (Beta Bio: no commands) lists the bodies from the panel and adds the JDC by the list's button.
    maria.run("/alliance", "panel", channel=CHANNEL)
    panel = eventually(lambda: panels(bot), what="the panel")[-1]
    assert kenji.click("Governance bodies", channel=CHANNEL, message_ts=panel.ts).acked
    listing = eventually(lambda: [m for m in bot.slack.ephemerals(CHANNEL, "UKENJI") if "Governance bodies" in str(m.blocks)],
                         what="the list")[-1]
    assert "JSC" in str(listing.blocks) and "§4.3(b)" in str(listing.blocks)
    assert kenji.click("Add a body", channel=CHANNEL).acked
    eventually(lambda: bot.slack.open_views("UKENJI"), what="Kenji's form")
    jdc = {**JSC, "Name": "JDC", "Resolution window (business days)": "10", "An unresolved dispute then goes to": "JSC"}
    duplicate = kenji.submit_view({**jdc, "Name": "JSC"})
    assert duplicate.payload and "already has a body called JSC" in str(duplicate.payload["errors"])
    assert kenji.submit_view(jdc).acked
    eventually(lambda: [b.name for b in bodies(bot)] == ["JSC", "JDC"], what="the JDC stored")
    stored = bodies(bot)[1]
    assert (stored.escalates_to, stored.window_days, stored.fallback) == ("JSC", 10, None)
    with bot.services.db.read() as session:
        [(_, by, snapshot)] = body_history(session, bot.services.default_installation_id, CHANNEL, "JDC")
    assert by == "UKENJI" and snapshot["escalates_to"] == "JSC"


def test_a_body_changes_membership_with_its_date_and_a_running_decision_keeps_its_body(bot2: RunningBot) -> None:
    from storage.decisions import load_decision

    bot = with_alliance(bot2)
    maria, kenji = bot.person("UMARIA"), bot.person("UKENJI")
    maria.run("/alliance", "body add", channel=CHANNEL)
    eventually(lambda: bot.slack.open_views("UMARIA"), what="the body form")
    assert maria.submit_view(JSC).acked
    eventually(lambda: bodies(bot), what="the JSC stored")
    maria.run("/consensus", "", channel=CHANNEL)
    eventually(lambda: bot.slack.open_views("UMARIA"), what="the decision form")
    assert maria.submit_view({"Proposal": "Adopt the phase 3 governance charter", "Body that decides": "JSC"}).acked
    eventually(lambda: any("decided by the *JSC*" in str(m.blocks) for m in bot.slack.messages(CHANNEL)), what="the decision")

    # Phase 3: Beta Bio's lead changes. Kenji (no commands on Beta's side) edits the JSC from the panel's list.
    maria.run("/alliance", "panel", channel=CHANNEL)
    panel = eventually(lambda: panels(bot), what="the panel")[-1]
    assert kenji.click("Governance bodies", channel=CHANNEL, message_ts=panel.ts).acked
    eventually(lambda: [m for m in bot.slack.ephemerals(CHANNEL, "UKENJI") if "Governance bodies" in str(m.blocks)], what="the list")
    assert kenji.click("Edit", channel=CHANNEL).acked
    form = eventually(lambda: bot.slack.open_views("UKENJI"), what="the prefilled form")[-1]
    name = next(b for b in form["blocks"] if b["block_id"] == "gov_name")
    assert name["element"]["initial_value"] == "JSC" and "§4.3(b)" in str(form["blocks"])
    assert kenji.submit_view({**JSC, "Beta Bio: lead": "UANNA"}).acked
    eventually(lambda: bodies(bot)[0].lead_of("Beta Bio") == "UANNA", what="the change stored")
    assert len(bodies(bot)) == 1
    eventually(lambda: any("changed the JSC" in m.text for m in bot.slack.messages(CHANNEL)), what="the channel told")
    with bot.services.db.read() as session:
        history = body_history(session, bot.services.default_installation_id, CHANNEL, "JSC")
        running = load_decision(session, bot.services.default_installation_id, 1)
    assert [(by, snap["members"][2]["lead"]) for _, by, snap in history] == [("UMARIA", True), ("UKENJI", False)]
    assert history[0][0] <= history[1][0]  # each change kept with its date
    # The decision that was already running keeps the JSC as it stood when it started.
    assert running is not None and running.body is not None and running.body.lead_of("Beta Bio") == "UKENJI"
