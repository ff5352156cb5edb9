"""A member of another workspace tries to see, vote in and export an alliance that is not theirs.

Gamma Corp's workspace has the app installed too (same database, as in a multi-workspace
install), and its own alliance in a Slack Connect channel with the same id as Alpha's.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from bot import retention
from bot.domain.alliance import Alliance, MemberMapping, Partner
from bot.domain.consensus import Proposal
from storage.alliances import save_alliance
from storage.decisions import channel_decisions, create_decision, load_decision
from storage.installations import ensure_installation
from tests.e2e.conftest import CHANNEL, HOME, PARTNER, RunningBot, eventually
from tests.slack_double import Person
from tests.slack_double.socket_mode import AckResult

GAMMA = "T0GAMMA"


class FromGamma:
    """Deliveries as Slack sends them for Gamma's workspace: its team id on every payload."""

    def __init__(self, transport: Any) -> None:
        self.transport = transport

    def deliver(self, kind: str, payload: dict[str, Any]) -> AckResult:
        payload = copy.deepcopy(payload)
        if "team_id" in payload:
            payload["team_id"], payload["team_domain"] = GAMMA, "gamma"
        if isinstance(payload.get("team"), dict):
            payload["team"] = {"id": GAMMA, "domain": "gamma"}
        if isinstance(payload.get("user"), dict):
            payload["user"]["team_id"] = GAMMA
        return self.transport.deliver(kind, payload)  # type: ignore[no-any-return]


@pytest.fixture
def two_tenants(bot2: RunningBot) -> tuple[RunningBot, int, Person]:
    bot = bot2
    bot.slack.add_team(GAMMA, "Gamma Corp", domain="gamma", app_installed=True)  # Gamma has its own installation
    bot.slack.add_user("UGINA", GAMMA, "gina", real_name="Gina Rossi", tz="Europe/Rome")
    bot.slack.join(CHANNEL, "UGINA")
    db, now = bot.services.db, bot.services.clock.now()
    with db.write() as session:
        save_alliance(session, bot.services.default_installation_id,
                      Alliance(CHANNEL, "Alpha–Beta", MemberMapping.SLACK_TEAM, (Partner("Alpha Pharma", HOME), Partner("Beta Bio", PARTNER))),
                      by_user="UMARIA", now=now)
        gamma = ensure_installation(session, enterprise_id=None, team_id=GAMMA, team_name="Gamma Corp", bot_user_id="UBOTG", now=now)
        save_alliance(session, gamma, Alliance(CHANNEL, "Gamma–Delta", MemberMapping.CONFIGURED, (Partner("Gamma", None, ("UGINA",)),)),
                      by_user="UGINA", now=now)
        create_decision(session, installation_id=gamma, channel_id=CHANNEL, creator_id="UGINA", proposal=Proposal("Gamma's secret licensing terms"),
                        deciders=[("UGINA", "Gamma")], partners=["Gamma"], now=now)
    return bot, gamma, Person(bot.slack, FromGamma(bot.transport), "UGINA")


def answers(bot: RunningBot, user: str) -> str:
    return " ".join(str(m.text) + str(m.blocks) for m in bot.slack.ephemerals(CHANNEL, user))


def test_another_workspace_can_neither_see_nor_vote_in_nor_export_an_alliance(two_tenants: tuple[RunningBot, int, Person], tmp_path: Path) -> None:
    bot, _gamma, gina = two_tenants
    alpha = bot.services.default_installation_id
    maria = bot.person("UMARIA")
    maria.run("/consensus", "Alpha's confidential milestone plan", channel=CHANNEL)
    eventually(lambda: any("confidential milestone plan" in str(m.blocks) for m in bot.slack.messages(CHANNEL)), what="Alpha's decision")
    with bot.services.db.read() as session:
        [alpha_decision] = [d.id for d in channel_decisions(session, alpha, CHANNEL, open_ones=True)]

    # See: Gina lists the decisions of "her" channel and gets only Gamma's.
    assert gina.run("/consensus", "list", channel=CHANNEL).acked
    eventually(lambda: "Gamma's secret licensing terms" in answers(bot, "UGINA"), what="Gina's list")
    assert "confidential milestone plan" not in answers(bot, "UGINA")
    maria.run("/consensus", "list", channel=CHANNEL)
    eventually(lambda: "confidential milestone plan" in answers(bot, "UMARIA"), what="Maria's list")
    assert "Gamma" not in answers(bot, "UMARIA")

    # Vote: Gina clicks the buttons of Alpha's message (as if she had crafted the payload).
    for button in ("Support", "Close decision"):
        before = len(bot.slack.ephemerals(CHANNEL, "UGINA"))
        assert gina.click(button, channel=CHANNEL).acked
        eventually(lambda: len(bot.slack.ephemerals(CHANNEL, "UGINA")) > before, what=f"the answer to {button}")
        assert "cannot find this decision" in str(bot.slack.ephemerals(CHANNEL, "UGINA")[-1].text)
    bot.settle()
    found = lookup(bot, alpha, alpha_decision)
    assert found is not None and found.votes == () and found.status == "open"

    # Export: Gamma's operator names Gamma's workspace and gets Gamma's alliance only.
    retention.export(bot.services.db, output=str(tmp_path / "gamma.json"), channel=CHANNEL, installation=GAMMA)
    exported = (tmp_path / "gamma.json").read_text()
    assert "Gamma's secret licensing terms" in exported and "confidential milestone plan" not in exported and "UMARIA" not in exported


def lookup(bot: RunningBot, installation_id: int, decision_id: int):  # type: ignore[no-untyped-def]
    with bot.services.db.read() as session:
        return load_decision(session, installation_id, decision_id)
