"""No set-up step before the first decision in a Slack Connect channel: its organisations are its partners.

Beta Bio's people (Kenji, Anna) act by clicks only: their company has not installed the app, so
Slack would not let them run its slash commands.
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.clock import FixedClock
from bot.domain.alliance import Alliance, MemberMapping, Partner
from bot.jobs import build_senders
from bot.scheduler import Scheduler
from storage.alliances import get_alliance
from storage.decisions import load_decision
from tests.e2e.conftest import CHANNEL, HOME, PARTNER, RunningBot, eventually
from tests.e2e.test_panel import panels
from tests.slack_double.clock import PATIENCE

INTERNAL = "C0INTERNAL"
NOTE = "so I have set up its alliance"


def saved(bot: RunningBot, channel: str = CHANNEL) -> Alliance | None:
    with bot.services.db.read() as session:
        return get_alliance(session, bot.services.default_installation_id, channel)


def notes(bot: RunningBot, channel: str = CHANNEL) -> list[Any]:
    return [m for m in bot.slack.messages(channel) if NOTE in str(m.blocks)]


def decisions(bot: RunningBot, channel: str = CHANNEL) -> list[Any]:
    return [m for m in bot.slack.messages(channel) if m.text.startswith("Decision")]


def private(bot: RunningBot, channel: str, user: str) -> str:
    return "\n".join(str(m.text) + str(m.blocks) for m in bot.slack.ephemerals(channel, user))


def test_the_first_decision_in_a_shared_channel_sets_up_its_partners(bot: RunningBot) -> None:
    maria, kenji = bot.person("UMARIA"), bot.person("UKENJI")
    assert saved(bot) is None
    assert maria.run("/consensus", "Move the Phase 2 start to Q3", channel=CHANNEL).acked
    decision = eventually(lambda: decisions(bot), what="the decision message")[-1]

    # Both companies decide: the tally is per partner, each named as Slack names the organisation.
    assert "*Alpha Pharma* (0/2 voted)" in str(decision.blocks) and "*Beta Bio* (0/2 voted)" in str(decision.blocks)
    assert saved(bot) == Alliance(CHANNEL, "Alpha Pharma – Beta Bio", MemberMapping.SLACK_TEAM, (Partner("Alpha Pharma", HOME), Partner("Beta Bio", PARTNER)))

    # The channel was told once, before the decision, how people were mapped; by name, nobody notified.
    note = notes(bot)
    assert len(note) == 1 and float(note[0].ts) < float(decision.ts)
    text = str(note[0].blocks)
    assert "*Beta Bio* — 2 people: Kenji Sato, Anna Berg" in text and "Maria Silva" in text and "<@" not in text

    # A partner's person votes by click, for their own company.
    assert kenji.click("Support", channel=CHANNEL).acked
    eventually(lambda: "*Beta Bio* (1/2 voted): Support 1" in str(decisions(bot)[-1].blocks), what="Kenji's vote for Beta Bio")
    with bot.services.db.read() as session:
        stored = load_decision(session, bot.services.default_installation_id, 1)
    assert stored is not None and stored.partner_of("UKENJI") == "Beta Bio" and stored.partner_of("UMARIA") == "Alpha Pharma"

    # The next decision finds the alliance: no second note.
    bot.person("ULEE").run("/consensus", "Adopt the joint publication plan", channel=CHANNEL)
    eventually(lambda: len(decisions(bot)) == 2, what="the second decision")
    bot.settle()
    assert len(notes(bot)) == 1


def test_a_partners_person_renames_the_partners_by_a_click(bot2: RunningBot) -> None:
    bot = bot2
    bot.person("UMARIA").run("/consensus", "Extend the term sheet deadline", channel=CHANNEL)
    eventually(lambda: notes(bot), what="the mapping note")
    anna = bot.person("UANNA")
    assert anna.click("Edit the alliance", channel=CHANNEL).acked
    form = eventually(lambda: next((v for v in bot.slack.open_views("UANNA") if v.get("callback_id") == "alliance_setup"), None),
                      what="the setup form, filled in")
    prefilled = {b.get("block_id"): b.get("element", {}) for b in form["blocks"]}
    assert prefilled["alliance_name"]["initial_value"] == "Alpha Pharma – Beta Bio"
    assert prefilled["partner_2_name"]["initial_value"] == "Beta Bio"
    assert prefilled["partner_2_team"]["initial_option"]["value"] == PARTNER
    ack = anna.submit_view({"Alliance name": "Alpha–Beta oncology", "Partner 1 name": "Alpha Pharma", "Partner 2 name": "Beta Biologics"})
    assert ack.acked and not (ack.payload or {}).get("response_action")
    eventually(lambda: (a := saved(bot)) is not None and a.partners[1] == Partner("Beta Biologics", PARTNER), what="the renamed partner")
    assert saved(bot).name == "Alpha–Beta oncology"  # type: ignore[union-attr]


def test_two_first_decisions_at_once_make_one_alliance(bot2: RunningBot) -> None:
    bot = bot2
    start = threading.Barrier(2)
    acks: list[bool] = []

    def propose(user: str, proposal: str) -> None:
        start.wait()
        acks.append(bot.person(user).run("/consensus", proposal, channel=CHANNEL).acked)

    threads = [threading.Thread(target=propose, args=("UMARIA", "Adopt plan A")), threading.Thread(target=propose, args=("ULEE", "Adopt plan B"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(PATIENCE)
    assert acks == [True, True]
    eventually(lambda: len(decisions(bot)) == 2, what="both decisions")
    bot.settle()
    assert len(notes(bot)) == 1
    assert all("*Alpha Pharma* (0/2 voted)" in str(m.blocks) and "*Beta Bio* (0/2 voted)" in str(m.blocks) for m in decisions(bot))


def test_an_organisation_slack_will_not_name_gets_a_neutral_name(bot2: RunningBot) -> None:
    # Gamma's team is unknown to team.info here (team_not_found): the decision still goes out.
    bot = bot2
    bot.slack.add_user("UGIL", "T0GAMMA", "gil", real_name="Gil Ortega", tz="Europe/Madrid")
    bot.slack.add_channel("C0GAMMA", "alpha-gamma", members=["UMARIA", "UGIL", "UBOT"], is_ext_shared=True)
    bot.person("UMARIA").run("/consensus", "Share the assay data", channel="C0GAMMA")
    decision = eventually(lambda: decisions(bot, "C0GAMMA"), what="the decision")[-1]
    assert "*Alpha Pharma* (0/1 voted)" in str(decision.blocks) and "*Partner 2* (0/1 voted)" in str(decision.blocks)
    assert [(p.name, p.slack_team_id) for p in saved(bot, "C0GAMMA").partners] == [("Alpha Pharma", HOME), ("Partner 2", "T0GAMMA")]  # type: ignore[union-attr]
    assert "Edit the alliance" in str(notes(bot, "C0GAMMA")[0].blocks)


def test_a_channel_of_one_organisation_still_asks_for_setup_with_a_button(bot2: RunningBot) -> None:
    bot = bot2
    bot.slack.add_channel(INTERNAL, "alpha-internal", members=["UMARIA", "ULEE", "UBOT"])
    maria = bot.person("UMARIA")
    assert maria.run("/consensus", "Adopt plan A", channel=INTERNAL).acked
    asked = eventually(lambda: private(bot, INTERNAL, "UMARIA"), what="the way to set up")
    assert "Set up this channel's alliance first" in asked and "Adopt plan A" in asked  # what she typed, to send again
    bot.settle()
    assert not bot.slack.messages(INTERNAL) and saved(bot, INTERNAL) is None

    # The button leads to the form (the same one `/alliance setup` opens).
    assert maria.click("Set up the alliance", channel=INTERNAL).acked
    eventually(lambda: any(v.get("callback_id") == "alliance_setup" for v in bot.slack.open_views("UMARIA")), what="the setup form")


def test_milestones_and_the_zone_need_no_setup_step_either(bot2: RunningBot) -> None:
    bot = bot2
    lee = bot.person("ULEE")
    lee.run("/alliance", "zone Europe/Zurich", channel=CHANNEL)
    eventually(lambda: "time zone is now Europe/Zurich" in private(bot, CHANNEL, "ULEE"), what="the zone set")
    assert saved(bot).time_zone == "Europe/Zurich"  # type: ignore[union-attr]
    lee.run("/milestone", "", channel=CHANNEL)
    form = eventually(lambda: next((v for v in bot.slack.open_views("ULEE") if v.get("callback_id") == "milestone_add"), None), what="the form")
    partner = next(b for b in form["blocks"] if b.get("block_id") == "milestone_partner")
    assert [o["value"] for o in partner["element"]["options"]] == ["Alpha Pharma", "Beta Bio"]
    bot.settle()
    assert len(notes(bot)) == 1


def tick_at(bot: RunningBot, instant: datetime) -> None:
    Scheduler(bot.services.db, build_senders(bot.services), clock=FixedClock(instant), worker="test").tick()


@pytest.mark.parametrize("fault", ["error", "reset_after_commit"])
def test_a_mapping_note_slack_did_not_take_is_posted_later_once(bot2: RunningBot, fault: str) -> None:
    """"error": Slack refused the post; "reset_after_commit": Slack posted it but the answer never came back."""
    bot, maria = bot2, bot2.person("UMARIA")
    bot.slack.inject("chat.postMessage", fault, error="internal_error")
    assert maria.run("/consensus", "Move the Phase 2 start to Q3", channel=CHANNEL).acked
    eventually(lambda: saved(bot) is not None and bot.slack.ephemerals(CHANNEL, "UMARIA"), what="the alliance, and Maria told")
    bot.settle()
    before = len(notes(bot))
    assert before == (1 if fault == "reset_after_commit" else 0)

    tick_at(bot, bot.services.clock.now() + timedelta(minutes=3))
    bot.settle()
    assert len(notes(bot)) == 1, "posted once: now, or found where the lost answer left it"
    assert len(panels(bot)) == 1
    tick_at(bot, bot.services.clock.now() + timedelta(minutes=30))
    assert len(notes(bot)) == 1 and len(panels(bot)) == 1
