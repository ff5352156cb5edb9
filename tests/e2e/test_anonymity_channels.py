"""An open anonymous decision tells no one what a vote was: not the exports taken before and after
it, the digest, App Home, the decision message, nor the logs (docs/anonymity.md)."""
from __future__ import annotations

import copy
import csv
import io
import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest

from bot.retention import export, export_decisions
from tests.e2e.conftest import CHANNEL, RunningBot, eventually, with_alliance
from tests.e2e.test_consensus import decision_text, stored
from tests.e2e.test_consensus_anonymous import ANONYMOUS_CHOICE, DECIDE, SLACK_LOGGERS, VOTERS, links, vote
from tests.test_cli import alliancebot

# Who votes what, in order; Maria and Lee speak for Alpha Pharma, Kenji and Anna for Beta Bio.
BALLOTS = (("ULEE", "Accept", "Timeline risk at the CMO"), ("UKENJI", "Block", "Beta's know-how in the assay"),
           ("UMARIA", "Support", None), ("UANNA", "Won't block", None))
CONCERNS = tuple(concern for _, _, concern in BALLOTS if concern)
SECRETS = ("support", "accept", "wont_block", "block", "Won't block", *CONCERNS)


def exports(bot: RunningBot, folder: Path) -> dict[str, Any]:
    """What an operator gets from `alliancebot export decisions` (JSON and CSV) and `alliancebot export`."""
    db = bot.services.db
    export_decisions(db, fmt="json", channel=CHANNEL, output=str(folder / "decisions.json"), installation=None)
    export_decisions(db, fmt="csv", channel=CHANNEL, output=str(folder / "decisions.csv"), installation=None)
    export(db, output=str(folder / "alliance.json"), channel=CHANNEL, installation=None, clock=bot.services.clock)
    return {"decisions": json.loads((folder / "decisions.json").read_text()), "csv": (folder / "decisions.csv").read_text(),
            "alliance": json.loads((folder / "alliance.json").read_text())}


def level_blind(taken: dict[str, Any]) -> dict[str, Any]:
    """The exports without what may change when someone votes: who and how many have voted."""
    blind = copy.deepcopy(taken)
    for decision in blind["decisions"]["decisions"]:
        decision["governance_load"].pop("votes")
        # The path's interactions count the votes (its concerns are withheld while the decision is open), as load_votes.
        decision["path"].pop("interactions")
        for r in decision["rounds"]:
            r.pop("voted")
    blind["csv"] = [{k: v for k, v in row.items() if k not in ("voted", "voted_by_partner", "load_votes")}
                    | {"path": re.sub(r" · \d+ interactions?$", "", row["path"])}
                    for row in csv.DictReader(io.StringIO(blind["csv"]))]
    blind["alliance"].pop("exported_at")
    for alliance in blind["alliance"]["alliances"]:
        tables = alliance["tables"]
        tables.pop("ballots")
        for row in tables["decisions"]:
            row.pop("load_votes")
    return blind


def digest_preview(bot: RunningBot, user: str) -> str:
    """A fresh `/digest` preview as `user` sees it."""
    before = len(bot.slack.ephemerals(CHANNEL, user))
    bot.person(user).run("/digest", "", channel=CHANNEL)
    return str(eventually(lambda: bot.slack.ephemerals(CHANNEL, user)[before:], what="the digest preview")[-1].blocks)


def home(bot: RunningBot, user: str) -> str:
    """`user`'s App Home, opened afresh."""
    published = len(bot.slack.calls("views.publish"))
    assert bot.person(user).open_home().acked
    eventually(lambda: len(bot.slack.calls("views.publish")) > published, what=f"{user}'s Home tab")
    view = bot.slack.home_view(user)
    return str(view["blocks"]) if view else ""


def without_participation(text: str) -> str:
    """A view with its participation ("1/2 voted", "3 of 4", "everyone has voted") and the block ids Slack makes up masked."""
    text = re.sub(r"'block_id': '[^']*'", "'block_id': …", text).replace("everyone has voted", "N of M")
    return re.sub(r"\d+ of \d+", "N of M", re.sub(r"\(\d+/\d+ voted\)", "(n/m voted)", text))


def test_nothing_shown_before_and_after_a_vote_tells_its_level(bot2: RunningBot, tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    bot = with_alliance(bot2)
    maria = bot.person("UMARIA")
    maria.run("/consensus", "", channel=CHANNEL)
    eventually(lambda: bot.slack.open_views("UMARIA"), what="the form")
    maria.submit_view({"Proposal": "Share the assay data with the CRO", DECIDE: list(VOTERS), "Voting": ANONYMOUS_CHOICE})
    eventually(lambda: "assay data" in decision_text(bot), what="the decision")

    for n, (user, level, concern) in enumerate(BALLOTS):
        bot.settle()
        before = exports(bot, tmp_path)
        # Someone other than the voter, of Alpha: /digest and the Home tab are for people whose organisation installed the app.
        observer = "ULEE" if user != "ULEE" else "UMARIA"
        seen_before = {"message": decision_text(bot), "digest": digest_preview(bot, observer), "home": home(bot, observer)}
        vote(bot, user, level, concern)
        eventually(lambda: len(stored(bot).ballots) == n + 1, what=f"{user}'s ballot")
        bot.settle()  # the message updated, every call made: the after-picture is complete
        after = exports(bot, tmp_path)
        seen_after = {"message": decision_text(bot), "digest": digest_preview(bot, observer), "home": home(bot, observer)}

        # The exports changed only in who and how many have voted.
        assert level_blind(after) == level_blind(before), f"{user}'s {level} changed an export"
        voted = after["decisions"]["decisions"][0]["rounds"][0]["voted"]
        assert voted["total"] == n + 1 and after["decisions"]["decisions"][0]["governance_load"]["votes"] == n + 1
        assert after["decisions"]["decisions"][0]["rounds"][0]["votes"] is None
        # Every view changed at most in its participation counts, and names no level or concern.
        for name, shown in seen_after.items():
            assert without_participation(shown) == without_participation(seen_before[name]), name
            assert not any(concern in shown for concern in CONCERNS), (name, shown[:300])
        assert f"<@{user}>" not in seen_after["digest"]  # the digest counts who has not voted, as the message does
    # The voters' Home tabs: nothing left to vote on, and nothing else.
    assert without_participation(home(bot, "ULEE")) == without_participation(home(bot, "UMARIA"))
    # Everyone has voted, the decision is still open: the command itself gives away no level either.
    url = bot.services.db.engine.url.render_as_string(hide_password=False)
    command = alliancebot("export", "decisions", "--format", "json", "--channel", CHANNEL, env={"DATABASE_URL": url}, cwd=tmp_path)
    assert command.returncode == 0, command.stderr
    assert json.loads(command.stdout) == exports(bot, tmp_path)["decisions"]
    assert not any(secret in command.stdout for secret in CONCERNS) and '"votes": null' in command.stdout

    maria.click("Close decision", channel=CHANNEL)
    eventually(lambda: "No consensus" in decision_text(bot), what="the close")
    bot.settle()
    closed = exports(bot, tmp_path)
    record = closed["decisions"]["decisions"][0]
    assert record["rounds"][0]["votes"] == {"support": 1, "accept": 1, "wont_block": 1, "block": 1}  # four votes: counted overall
    assert record["rounds"][0]["votes_by_partner"] is None  # two per partner would give single votes away
    assert {c["concern"] for c in record["rounds"][0]["concerns"]} == set(CONCERNS)
    assert record["governance_load"]["concerns"] == 2
    tallies = closed["alliance"]["alliances"][0]["tables"]["anonymous_tallies"]
    assert sum(row["count"] for row in tallies) == 4

    for record_ in caplog.records:  # every log line the app wrote (at the levels production logs)
        if record_.name.startswith(SLACK_LOGGERS) and record_.levelno < logging.WARNING:
            continue
        assert not links([record_.getMessage(), str(record_.exc_info or "")], VOTERS, SECRETS), record_.getMessage()
