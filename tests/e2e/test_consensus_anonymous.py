"""Anonymous decisions leak nothing; admins may close; the log and export show the governance load."""
from __future__ import annotations

import copy
import json
import logging
from typing import Any

import pytest
from sqlalchemy import MetaData, select

from bot.views.consensus_export import export_record
from storage.decisions import decision_history
from tests.e2e.conftest import CHANNEL, HOME, RunningBot, crowded_alliance, eventually, with_alliance
from tests.e2e.test_consensus import decision_text, stored

VOTERS = ("UMARIA", "ULEE", "UKENJI", "UANNA")
LEVELS = ("support", "accept", "wont_block", "block", "consensus_vote_")
ANONYMOUS_CHOICE = "Anonymous: only counts are shown; votes are final"
DECIDE = "Who decides (leave empty for the channel's members)"
CONCERN = "Your concern (optional)"
BLOCK_CONCERN = "Which interest of yours is not addressed?"
# Slack libraries log at WARNING at most in production (bot.cli.configure_logging).
SLACK_LOGGERS = ("slack_bolt", "slack_sdk", "websocket", "urllib3", "waitress")


@pytest.fixture
def alliance2(bot2: RunningBot) -> RunningBot:
    with_alliance(bot2)
    bot2.slack.add_user("UADMIN", HOME, "admin", real_name="Ada Admin", tz="UTC", is_admin=True)
    with bot2.slack.ws.lock:
        bot2.slack.ws.channels[CHANNEL].members.append("UADMIN")
    return bot2


def vote(bot: RunningBot, user: str, level: str, concern: str | None = None, message_ts: str | None = None) -> None:
    person = bot.person(user)
    assert person.click(level, channel=CHANNEL, message_ts=message_ts).acked
    if level != "Support":
        eventually(lambda: bot.slack.open_views(user), what=f"{user}'s concern form")
        person.submit_view({BLOCK_CONCERN if level == "Block" else CONCERN: concern or ""})


def links(cells: list[Any], people: tuple[str, ...], secrets: tuple[str, ...]) -> bool:
    """Whether one record names a voter and also a level or a concern."""
    text = json.dumps(cells, default=str)
    return any(p in text for p in people) and any(s in text for s in secrets)


def linking_rows(bot: RunningBot, secrets: tuple[str, ...]) -> list[tuple[str, Any]]:
    """Rows of any table (all columns) that name a voter together with a level or a concern."""
    metadata = MetaData()
    found = []
    with bot.services.db.read() as session:
        metadata.reflect(bind=session.connection())
        for table in metadata.sorted_tables:
            found += [(table.name, row) for row in session.execute(select(table)) if links(list(row), VOTERS, secrets)]
    return found


def test_anonymous_votes_cannot_be_linked_to_anyone(alliance2: RunningBot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    bot = alliance2
    maria = bot.person("UMARIA")
    maria.run("/consensus", "", channel=CHANNEL)
    eventually(lambda: bot.slack.open_views("UMARIA"), what="the form")
    maria.submit_view({"Proposal": "Share the assay data with the CRO", DECIDE: list(VOTERS), "Voting": ANONYMOUS_CHOICE})
    eventually(lambda: "assay data" in decision_text(bot), what="the decision")
    concerns = ("Timeline risk at the CMO", "Beta's know-how in the assay")

    vote(bot, "UMARIA", "Support")
    vote(bot, "ULEE", "Accept", concerns[0])
    vote(bot, "UKENJI", "Won't block")
    eventually(lambda: len(stored(bot).ballots) == 3, what="three ballots")
    maria.click("Accept", channel=CHANNEL)  # anonymous votes are final
    eventually(lambda: any("are final" in str(m.text) for m in bot.slack.ephemerals(CHANNEL, "UMARIA")), what="the refusal")
    vote(bot, "UANNA", "Block", concerns[1])
    eventually(lambda: "Not voted yet: everyone has voted" in decision_text(bot), what="all voted")
    text = decision_text(bot)
    assert "(2/2 voted)" in text and "Support 1" not in text and concerns[1] not in text  # no counts while open

    bot.person("UKENJI").click("Close decision", channel=CHANNEL)
    eventually(lambda: any("Only <@UMARIA>" in str(m.text) for m in bot.slack.ephemerals(CHANNEL, "UKENJI")), what="the refusal")
    bot.person("UADMIN").click("Close decision", channel=CHANNEL)  # a workspace admin may close
    eventually(lambda: "No consensus" in decision_text(bot), what="the outcome")
    text = decision_text(bot)
    assert "*All partners*: Support 1 · Accept 1 · Won't block 1 · Block 1" in text and concerns[1] in text
    assert "fewer than 3 votes" in text  # two votes per partner: counts per partner would reveal single votes

    # Round 2, still anonymous: fresh ballots.
    maria.click("Revise proposal", channel=CHANNEL)
    eventually(lambda: next((v for v in bot.slack.views() if v.get("callback_id") == "consensus_revise_proposal"), None), what="the form")
    maria.submit_view({"Revised proposal": "Share the assay data with the CRO under a know-how clause"})
    round_two = eventually(lambda: [m for m in bot.slack.messages(CHANNEL) if "round 2" in m.text], what="round 2")[-1]
    for user in ("UMARIA", "UKENJI"):
        vote(bot, user, "Support", message_ts=round_two.ts)
    eventually(lambda: len(stored(bot).ballots) == 2, what="round 2 ballots")
    maria.click("Close decision", channel=CHANNEL, message_ts=round_two.ts)
    eventually(lambda: stored(bot).status == "closed", what="the close")
    bot.settle()  # every update and call made, so the checks below see all of them

    secrets = (*LEVELS, *concerns)
    # 1. Every column of every row of every table.
    linked = linking_rows(bot, secrets)
    assert not linked, f"rows link a voter to a vote: {linked}"
    # 2. Every log line the app wrote (at the levels production logs).
    for record in caplog.records:
        if record.name.startswith(SLACK_LOGGERS) and record.levelno < logging.WARNING:
            continue
        assert not links([record.getMessage(), str(record.exc_info or "")], VOTERS, secrets), record.getMessage()
    # 3. The export.
    with bot.services.db.read() as session:
        exported = [export_record(d, rounds) for d, rounds in decision_history(session, bot.services.default_installation_id, CHANNEL)]
    record = json.dumps(exported[0], default=str)
    assert not any(p in record.replace('"creator_id": "UMARIA"', "") for p in VOTERS)
    assert exported[0]["rounds"][0]["votes_by_partner"] is None and exported[0]["rounds"][0]["votes"]["block"] == 1
    assert {c["concern"] for c in exported[0]["rounds"][0]["concerns"]} == set(concerns)
    # 4. Everything posted or updated in Slack names no voter but the creator.
    for call in bot.slack.calls():
        if call.method in ("chat.postMessage", "chat.update", "chat.postEphemeral", "views.open", "views.update"):
            shown = json.dumps(call.params, default=str).replace("<@UMARIA>, who started", "").replace("Started by <@UMARIA>", "")
            assert not any(f"<@{p}>" in shown for p in VOTERS), shown[:500]


def test_governance_load_in_the_log_and_the_export(alliance2: RunningBot) -> None:
    bot = alliance2
    maria, lee = bot.person("UMARIA"), bot.person("ULEE")
    maria.run("/consensus", "Pick the CMO for the Phase 2 batch", channel=CHANNEL)
    eventually(lambda: "CMO for the Phase 2" in decision_text(bot), what="the decision")
    vote(bot, "UMARIA", "Support")
    vote(bot, "UKENJI", "Accept", "Capacity in Q2")
    eventually(lambda: len(stored(bot).votes) == 2, what="two votes")
    vote(bot, "UKENJI", "Block", "Audit findings are open")  # a change, with a concern
    eventually(lambda: any(v.level.value == "block" for v in stored(bot).votes), what="the change")
    bot.person("UADMIN").click("Close decision", channel=CHANNEL)
    eventually(lambda: "Revise proposal" in decision_text(bot), what="closed without consensus")
    bot.person("UADMIN").click("Revise proposal", channel=CHANNEL)  # admins may revise too
    eventually(lambda: next((v for v in bot.slack.views() if v.get("callback_id") == "consensus_revise_proposal"), None), what="the form")
    bot.person("UADMIN").submit_view({"Revised proposal": "Pick the CMO once its audit findings are closed"})
    round_two = eventually(lambda: [m for m in bot.slack.messages(CHANNEL) if "round 2" in m.text], what="round 2")[-1]
    vote(bot, "UMARIA", "Support", message_ts=round_two.ts)
    vote(bot, "UKENJI", "Support", message_ts=round_two.ts)
    eventually(lambda: len(stored(bot).votes) == 2, what="round 2 votes")
    stale = copy.deepcopy(next(m for m in bot.slack.messages(CHANNEL) if m.ts == round_two.ts))  # as Lee's client still shows it
    maria.click("Close decision", channel=CHANNEL, message_ts=round_two.ts)
    eventually(lambda: stored(bot).status == "closed", what="the close")
    support = next(e for b in stale.blocks if b["type"] == "actions" for e in b["elements"] if e["text"]["text"] == "Support")
    bot.person("ULEE")._act("message", stale, {"action_id": support["action_id"], "block_id": "decision_actions", "type": "button",
                                                 "text": support["text"], "value": support["value"], "action_ts": "1.0"})
    eventually(lambda: any("decision is closed" in str(m.text) for m in bot.slack.ephemerals(CHANNEL, "ULEE")), what="the refusal")
    assert len(stored(bot).votes) == 2 and stored(bot).outcome.value == "full_consensus"  # unchanged

    # The check finds named votes (and only them): the votes, and the concerns register, which names who raised a concern
    # in a named decision.
    assert {name for name, _ in linking_rows(bot, LEVELS)} == {"votes", "decision_concerns"}
    load = stored(bot).load
    assert load is not None and (load.votes, load.vote_changes, load.concerns, load.revisions, load.reminders) == (4, 1, 2, 1, 0)
    lee.run("/consensus", "log", channel=CHANNEL)  # a command: for people of Alpha, which installed the app
    eventually(lambda: any("Governance load: *8 interactions*" in str(m.blocks) for m in bot.slack.ephemerals(CHANNEL, "ULEE")),
               what="the load in the log")
    with bot.services.db.read() as session:
        record = export_record(*decision_history(session, bot.services.default_installation_id, CHANNEL)[0])
    assert record["governance_load"]["total"] == 8 and len(record["rounds"]) == 2 and record["outcome"] == "full_consensus"
    assert record["rounds"][0]["votes_by_partner"]["Beta Bio"]["block"] == 1
    assert {"level": "block", "concern": "Audit findings are open", "voter_id": "UKENJI"} in record["rounds"][0]["concerns"]


def test_an_anonymous_burst_counts_every_ballot_once(bot2: RunningBot) -> None:
    from concurrent.futures import ThreadPoolExecutor

    bot = bot2
    people = crowded_alliance(bot, "C0ANON", 12)
    bot.person("UA000").run("/consensus", "", channel="C0ANON")
    eventually(lambda: bot.slack.open_views("UA000"), what="the form")
    bot.person("UA000").submit_view({"Proposal": "Adopt the shared data room", "Voting": ANONYMOUS_CHOICE})
    ts = eventually(lambda: bot.slack.messages("C0ANON"), what="the decision")[0].ts
    clicks = people + people[:8]  # eight people click twice: their second ballot is refused
    with ThreadPoolExecutor(12) as pool:
        assert all(a.acked for a in pool.map(lambda u: bot.person(u).click("Support", channel="C0ANON", message_ts=ts), clicks))
    eventually(lambda: len(stored(bot).ballots) == 24 and len(stored(bot).votes) == 24, what="24 ballots and 24 counted votes")
    eventually(lambda: len([m for m in bot.slack.ephemerals("C0ANON") if "are final" in str(m.text)]) == 8, what="8 refusals")
    bot.person("UA000").click("Close decision", channel="C0ANON", message_ts=ts)
    final = "*Alpha Pharma* (12/12 voted): Support 12"
    eventually(lambda: final in str(bot.slack.messages("C0ANON")[0].blocks), what="the final per-partner tally")
    assert stored(bot).load.votes == 24
