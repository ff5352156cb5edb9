"""A decision in a one-vote-per-party JSC (issue 19): each party's members settle its position among themselves, seen
only by their own company, and the party's lead casts the party's vote, which is all the other company ever sees."""
from __future__ import annotations

import json

from bot.domain.consensus import Outcome
from bot.views.consensus_export import export_record, to_csv, to_json
from storage.decisions import decision_history, load_decision
from tests.e2e.conftest import CHANNEL, RunningBot, eventually, with_alliance
from tests.e2e.test_governance import JSC, bodies
from tests.e2e.test_home import home_text

FORM = {"Proposal": "Approve the 2027 joint development budget"}
SECRET = "Alpha's own CMC budget is at risk"  # an Alpha member's concern: never for Beta's eyes


def decision_text(bot: RunningBot) -> str:
    messages = [m for m in bot.slack.messages(CHANNEL) if "Decision 1" in m.text]
    return str(messages[-1].blocks) if messages else ""


def with_jsc(bot: RunningBot) -> RunningBot:
    with_alliance(bot)
    maria = bot.person("UMARIA")
    maria.run("/alliance", "body add", channel=CHANNEL)
    eventually(lambda: bot.slack.open_views("UMARIA"), what="the body form")
    assert maria.submit_view(JSC).acked
    eventually(lambda: bodies(bot), what="the JSC stored")
    return bot


def private_to(bot: RunningBot, user: str, needle: str) -> list[str]:
    return [f"{m.text} {m.blocks}" for m in bot.slack.ephemerals(CHANNEL, user) if needle in f"{m.text} {m.blocks}"]


def test_a_party_settles_its_position_and_its_lead_casts_the_vote(bot2: RunningBot) -> None:
    bot = with_jsc(bot2)
    maria, lee, kenji, anna = (bot.person(u) for u in ("UMARIA", "ULEE", "UKENJI", "UANNA"))

    # The form: the type redraws it with its facts and its usual body (the JSC), the deadline in business days.
    assert maria.run("/consensus", "", channel=CHANNEL).acked
    eventually(lambda: bot.slack.open_views("UMARIA"), what="the decision form")
    assert maria.select("Decision type", "Budget approval").acked
    form = eventually(lambda: [v for v in bot.slack.open_views("UMARIA") if "Amount and currency" in str(v["blocks"])], what="redrawn")[-1]
    body_select = next(b for b in form["blocks"] if b.get("block_id") == "decision_body")
    assert body_select["element"]["initial_option"]["value"] == "JSC"
    deadline = next(b for b in form["blocks"] if b.get("block_id") == "deadline")["element"]
    assert deadline["initial_date_time"] > bot.services.clock.now().timestamp() + 10 * 86400  # 10 business days: two weeks on
    missing = maria.submit_view({**FORM, "Body that decides": "JSC", "Amount and currency": "   ", "Budget period": "FY2027"})
    assert missing.payload and "amount and currency" in str(missing.payload["errors"]).lower()
    assert maria.submit_view({**FORM, "Body that decides": "JSC", "Amount and currency": "USD 2.4M", "Budget period": "FY2027"}).acked
    eventually(lambda: "decided by the *JSC*" in decision_text(bot), what="the decision in the JSC")
    assert "USD 2.4M" in decision_text(bot) and "not met yet" in decision_text(bot)

    # Alpha's members disagree among themselves: Maria supports, Lee blocks with a concern.
    assert maria.click("Support", channel=CHANNEL).acked
    assert lee.click("Block", channel=CHANNEL).acked
    eventually(lambda: bot.slack.open_views("ULEE"), what="Lee's concern form")
    lee.submit_view({"Which interest of yours is not addressed?": SECRET})
    assert anna.click("Accept", channel=CHANNEL).acked
    eventually(lambda: bot.slack.open_views("UANNA"), what="Anna's form")
    anna.submit_view({"Your concern (optional)": "Beta's FTE plan"})

    def positions(person, user: str) -> str:  # type: ignore[no-untyped-def]
        before = len(bot.slack.ephemerals(CHANNEL, user))
        assert person.click("Our party's positions", channel=CHANNEL).acked
        return str(eventually(lambda: bot.slack.ephemerals(CHANNEL, user)[before:], what="the positions")[-1].blocks)

    # Stored after the ack, in no set order: Lee sees Alpha's two positions once both are in.
    eventually(lambda: SECRET in positions(lee, "ULEE") and "*Support*" in positions(lee, "ULEE"), what="Alpha's positions")
    # Home: Maria, Alpha's lead, still owes the party's vote after giving her own position; Lee owes nothing now.
    for person in (maria, lee):
        assert person.open_home().acked
    eventually(lambda: "Approve the 2027 joint development budget" in home_text(bot, "UMARIA"), what="Maria's Home")
    eventually(lambda: "Nothing waiting for you" in home_text(bot, "ULEE"), what="Lee's Home")
    seen_by_beta = positions(kenji, "UKENJI")
    assert "Beta's FTE plan" in seen_by_beta and SECRET not in seen_by_beta and "<@UMARIA>" not in seen_by_beta
    assert SECRET not in decision_text(bot) and "Beta's FTE plan" not in decision_text(bot)

    # Only a party's lead casts its vote; Anna is told so, privately.
    assert anna.click("Cast party vote", channel=CHANNEL).acked
    eventually(lambda: private_to(bot, "UANNA", "Only each party's lead"), what="Anna's refusal")
    assert kenji.click("Cast party vote", channel=CHANNEL).acked
    cast_form = eventually(lambda: bot.slack.open_views("UKENJI"), what="Kenji's form")[-1]
    assert "Beta's FTE plan" in str(cast_form["blocks"]) and SECRET not in str(cast_form["blocks"])
    refused = kenji.submit_view({"Beta Bio's vote": "Block"})
    assert refused.payload and refused.payload["response_action"] == "errors"
    assert kenji.submit_view({"Beta Bio's vote": "Support"}).acked
    eventually(lambda: "*Beta Bio*: *Support* — cast by <@UKENJI>" in decision_text(bot), what="Beta's vote shown")

    # Maria, Alpha's lead, weighs Lee's block and casts Alpha's vote: Accept, with the party's concern.
    assert maria.click("Cast party vote", channel=CHANNEL).acked
    alpha_form = eventually(lambda: bot.slack.open_views("UMARIA"), what="Maria's form")[-1]
    assert SECRET in str(alpha_form["blocks"])
    assert maria.submit_view({"Alpha Pharma's vote": "Accept", "Alpha Pharma's concern (a block must give one)": "Revisit CMC costs in Q2"}).acked
    eventually(lambda: ":white_check_mark: met" in decision_text(bot), what="the quorum met")
    assert "*Alpha Pharma*: *Accept* — cast by <@UMARIA>" in decision_text(bot)

    assert maria.click("Close decision", channel=CHANNEL).acked
    eventually(lambda: "Qualified consensus" in decision_text(bot), what="the outcome")
    text = decision_text(bot)
    assert "Revisit CMC costs in Q2" in text and SECRET not in text  # the party's concern is the assumption; Lee's block is not
    with bot.services.db.read() as session:
        decision = load_decision(session, bot.services.default_installation_id, 1)
        records = [export_record(d, rounds) for d, rounds in decision_history(session, bot.services.default_installation_id, CHANNEL)]
    assert decision is not None and decision.outcome is Outcome.QUALIFIED and decision.decision_type == "budget_approval"
    exported = to_json(records) + to_csv(records)
    assert SECRET not in exported and "Beta's FTE plan" not in exported and "Revisit CMC costs in Q2" in exported
    assert json.loads(to_json(records))["decisions"][0]["body"] == "JSC"
    # The log, for anyone (Kenji, through the panel's command text), shows the outcome and nothing of the positions.
    assert maria.run("/consensus", "log", channel=CHANNEL).acked
    log = eventually(lambda: private_to(bot, "UMARIA", "Decision log"), what="the log")[-1]
    assert "Qualified consensus" in log and SECRET not in log


def test_a_type_choice_whose_form_was_redrawn_meanwhile_changes_nothing(bot2: RunningBot) -> None:
    from bot.usecases import body_decisions

    bot = with_jsc(bot2)
    maria = bot.person("UMARIA")
    maria.run("/consensus", "", channel=CHANNEL)
    first = eventually(lambda: bot.slack.open_views("UMARIA"), what="the decision form")[-1]
    assert maria.select("Decision type", "Supply decision").acked
    eventually(lambda: "Product, strength and quantity" in str(bot.slack.open_views("UMARIA")[-1]["blocks"]), what="redrawn")
    # A second choice that Slack sent with the form as it was before the redraw: Slack answers hash_conflict, and the
    # later redraw stands (no error for the person, no crash).
    body_decisions.type_chosen(bot.services, bot.services.default_installation_id, first, {"value": "budget_approval"})
    assert "Product, strength and quantity" in str(bot.slack.open_views("UMARIA")[-1]["blocks"])
    assert not [m for m in bot.slack.ephemerals(CHANNEL, "UMARIA") if "went wrong" in m.text]
