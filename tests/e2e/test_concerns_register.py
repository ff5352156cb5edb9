"""The concerns register: a concern carried from round 1 to round 2, marked addressed by the revision, and exported."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from bot import retention
from bot.domain.consensus import Decision
from storage.decisions import load_decision
from tests.e2e.conftest import CHANNEL, RunningBot, eventually, with_alliance
from tests.e2e.test_consensus import decision_text

BLOCK = "Beta keeps co-promotion rights in Japan"
ACCEPT = "Supply costs stay under the agreed budget"
STALE = "First thoughts on the supply costs"
CONCERN, BLOCK_CONCERN = "Your concern (optional)", "Which interest of yours is not addressed?"


def vote(bot: RunningBot, user: str, level: str, concern: str, shown: str) -> None:
    """Vote with a concern and wait until the message shows the vote (votes are stored after their form's ack)."""
    person = bot.person(user)
    assert person.click(level, channel=CHANNEL).acked
    eventually(lambda: bot.slack.open_views(user), what=f"{user}'s concern form")
    assert person.submit_view({BLOCK_CONCERN if level == "Block" else CONCERN: concern}).acked
    eventually(lambda: shown in decision_text(bot), what=f"{user}'s vote on the message: {shown}")


def stored(bot: RunningBot) -> Decision:
    with bot.services.db.read() as session:
        decision = load_decision(session, bot.services.default_installation_id, 1)
    assert decision is not None
    return decision


def register(bot: RunningBot) -> dict[str, tuple[str, int | None]]:
    return {c.text: (c.status.value, c.addressed_in_round) for c in stored(bot).concerns}


def test_a_blocking_concern_carried_into_round_two_is_marked_addressed_and_exported(bot: RunningBot, tmp_path: Path) -> None:
    bot = with_alliance(bot)
    maria = bot.person("UMARIA")
    maria.run("/consensus", "License the antibody to a third party", channel=CHANNEL)
    eventually(lambda: "third party" in decision_text(bot), what="round 1")
    vote(bot, "UKENJI", "Block", BLOCK, BLOCK)
    vote(bot, "ULEE", "Accept", STALE, "*Alpha Pharma* (1/2 voted): Support 0 · Accept 1")
    # Lee changes his concern before the close: only the concern standing at the close enters the register.
    assert bot.person("ULEE").click("Accept", channel=CHANNEL).acked
    eventually(lambda: bot.slack.open_views("ULEE"), what="Lee's second form")
    bot.person("ULEE").submit_view({CONCERN: ACCEPT})
    eventually(lambda: any(v.concern == ACCEPT for v in stored(bot).votes), what="Lee's changed concern stored")
    assert register(bot) == {}  # nothing is registered while the round runs
    maria.click("Close decision", channel=CHANNEL)
    eventually(lambda: "Revise proposal" in decision_text(bot), what="no consensus, and the revise button")
    assert register(bot) == {BLOCK: ("open", None), ACCEPT: ("open", None)}

    maria.click("Revise proposal", channel=CHANNEL)
    form = eventually(lambda: next((v for v in bot.slack.views() if v.get("callback_id") == "consensus_revise_proposal"), None),
                      what="the revise form")
    assert form is not None
    [answers] = [b for b in form["blocks"] if b.get("label", {}).get("text") == "This round answers"]
    assert [o["text"]["text"] for o in answers["element"]["options"]] == [f"Block: {BLOCK}", f"Accept: {ACCEPT}"]
    ack = maria.submit_view({"Revised proposal": "License the antibody outside Japan; Beta co-promotes in Japan",
                             "This round answers": [f"Block: {BLOCK}"]})
    assert ack.acked and not (ack.payload or {}).get("response_action")

    round_two = eventually(lambda: [m for m in bot.slack.messages(CHANNEL) if "round 2" in m.text], what="round 2")[-1]
    text = "\n".join(b["text"]["text"] for b in round_two.blocks if b["type"] == "section")
    answered, still_open = text.split("*Answers:*")[1].split("*Still open:*")
    assert BLOCK in answered and "*Block* · Beta Bio · round 1" in answered and ACCEPT not in answered
    assert ACCEPT in still_open and "*Accept* · Alpha Pharma · round 1" in still_open and BLOCK not in still_open
    assert STALE not in str(round_two.blocks)
    assert register(bot) == {BLOCK: ("addressed", 2), ACCEPT: ("open", None)}

    # The export carries the register, in JSON and in CSV (one row per round, the concerns that round raised).
    target = tmp_path / "decisions.json"
    assert retention.export_decisions(bot.services.db, fmt="json", channel=CHANNEL, output=str(target), installation=None) == 1
    [record] = json.loads(target.read_text())["decisions"]
    assert record["concerns_register"] == [
        {"round": 1, "level": "block", "partners": ["Beta Bio"], "concern": BLOCK, "status": "addressed", "addressed_in_round": 2,
         "raised_by": ["UKENJI"]},
        {"round": 1, "level": "accept", "partners": ["Alpha Pharma"], "concern": ACCEPT, "status": "open", "addressed_in_round": None,
         "raised_by": ["ULEE"]},
    ]
    retention.export_decisions(bot.services.db, fmt="csv", channel=CHANNEL, output=str(tmp_path / "decisions.csv"), installation=None)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "decisions.csv").read_text())))
    assert [row["concerns_register"] for row in rows] == [
        f"block (Beta Bio): {BLOCK} [addressed in round 2] | accept (Alpha Pharma): {ACCEPT} [open]", ""]


