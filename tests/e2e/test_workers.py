"""`alliancebot run --http --workers 2` on PostgreSQL: votes on one decision land on both workers and none is lost."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import select

from bot.domain.alliance import Alliance, MemberMapping, Partner
from storage.alliances import save_alliance
from storage.db import Database
from storage.decisions import load_decision
from storage.models.installations import InstallationRow
from tests.e2e.conftest import CHANNEL, HOME, PARTNER, SECRET, eventually
from tests.e2e.test_process import start_listening
from tests.slack_double import HttpTransport, Person, SlackDouble
from tests.slack_double.clock import PATIENCE

ROOT = Path(__file__).resolve().parents[2]
VOTERS = ("UMARIA", "ULEE", "UKENJI", "UANNA")


def health(base: str) -> int | None:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=PATIENCE) as response:
            return int(json.load(response)["pid"])
    except (OSError, ValueError, KeyError, TypeError):  # not up yet, or not ours
        return None


def test_two_workers_share_one_decision_without_losing_votes(slack: SlackDouble, pg_database_fixture: Database, tmp_path: Path) -> None:
    database = pg_database_fixture
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env.update({"SLACK_BOT_TOKEN": slack.bot_token, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": slack.api_url,
                "DATABASE_URL": database.engine.url.render_as_string(hide_password=False), "PYTHONUNBUFFERED": "1"})

    def launch(port: int) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "bot", "run", "--http", "--workers", "2", "--port", str(port), "--host", "127.0.0.1"],
                                cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    process, base = start_listening(launch, lambda base: health(base) is not None)
    try:
        pids = set()
        def both_up() -> bool:
            pid = health(base)
            if pid:
                pids.add(pid)
            return len(pids) == 2
        eventually(both_up, what="both workers answering /healthz")

        with database.write() as session:
            installation_id = session.scalar(select(InstallationRow.id))
            setup = Alliance(CHANNEL, "Alpha–Beta", MemberMapping.SLACK_TEAM, (Partner("Alpha Pharma", HOME), Partner("Beta Bio", PARTNER)))
            save_alliance(session, installation_id, setup, by_user="UMARIA", now=__import__("datetime").datetime.now(__import__("datetime").timezone.utc))
        transport = HttpTransport(slack, base + "/slack/events")
        people = {user: Person(slack, transport, user) for user in VOTERS}
        assert people["UMARIA"].run("/consensus", "Share the Phase 2 CRO", channel=CHANNEL).acked
        eventually(lambda: any("Share the Phase 2 CRO" in str(m.blocks) for m in slack.messages(CHANNEL)), what="the decision")

        # Everyone votes at once (twice: a repeated click changes nothing), landing on either worker.
        with ThreadPoolExecutor(len(VOTERS)) as pool:
            assert all(pool.map(lambda user: people[user].click("Support", channel=CHANNEL).acked, VOTERS * 2))

        def all_votes() -> bool:
            with database.read() as session:
                decision = load_decision(session, installation_id, 1)
            return decision is not None and sorted(v.level.value for v in decision.votes) == ["support"] * 4
        eventually(all_votes, what="every vote stored")

        def message_caught_up() -> bool:
            text = str([m.blocks for m in slack.messages(CHANNEL) if "Share the Phase 2 CRO" in str(m.blocks)][-1])
            return "*Alpha Pharma* (2/2 voted): Support 2" in text and "*Beta Bio* (2/2 voted): Support 2" in text
        eventually(message_caught_up, what="the message to show every vote")
    finally:
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=PATIENCE)
    assert process.returncode == 0, out
    assert "Traceback" not in out, out
