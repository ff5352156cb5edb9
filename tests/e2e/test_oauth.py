"""A workspace installs the bot through OAuth, uses it, rotates its token, and uninstalls it."""
from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.app import build_app, build_services
from bot.clock import SystemClock
from bot.domain.alliance import Alliance, MemberMapping, Partner
from bot.http_server import bind, make_http_server, stop_waitress
from bot.services import Services
from bot.settings import load_settings
from bot.slack_edge.http_edge import SlackHttpEdge
from bot.slack_edge.tokens import TokenVault
from storage.alliances import save_alliance
from storage.db import Database
from storage.installation_tokens import load_tokens
from storage.models.installations import InstallationTokenRow
from tests.e2e.conftest import CHANNEL, HOME, PARTNER, SECRET, eventually, patient
from tests.slack_double import HttpTransport, Person, SlackDouble
from tests.slack_double.clock import PATIENCE
from tests.slack_double.payloads import event_envelope

KEY = Fernet.generate_key().decode()


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_: Any) -> None:
        return None


def get(url: str, cookie: str = "") -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.build_opener(NoRedirects).open(request, timeout=PATIENCE) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


class OAuthBot:
    def __init__(self, slack: SlackDouble, database: Database) -> None:
        env = {"SLACK_CLIENT_ID": slack.client_id, "SLACK_CLIENT_SECRET": slack.client_secret, "SLACK_SIGNING_SECRET": SECRET,
               "SLACK_API_URL": slack.api_url, "ALLIANCEBOT_ENCRYPTION_KEY": KEY}
        self.slack = slack
        self.services: Services = build_services(load_settings(env, dotenv=None), db=database, update_interval=0.25)
        self.services.gateway.client.timeout = int(PATIENCE)  # the double is only as slow as the machine (see e2e/conftest.py)
        self.services.vote_ack_wait = PATIENCE
        edge = SlackHttpEdge(patient(build_app(self.services)), database, self.services.clock, SECRET, self.services.oauth_flow)
        self.server = make_http_server(edge, bind("127.0.0.1", 0), threads=8)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.effective_port}"

    def install(self) -> str:
        """Click "Add to Slack", allow, come back: returns the success page."""
        status, headers, _ = get(self.url + "/slack/install")
        assert status == 302
        state = parse_qs(urlparse(headers["Location"]).query)["state"][0]
        cookie = SimpleCookie(headers["Set-Cookie"])
        cookie_header = "; ".join(f"{k}={v.value}" for k, v in cookie.items())
        code = self.slack.approve_install()
        status, _, page = get(self.url + "/slack/oauth_redirect?" + urlencode({"code": code, "state": state}), cookie_header)
        assert status == 200, page
        return page

    def person(self, user_id: str) -> Person:
        return Person(self.slack, HttpTransport(self.slack, self.url + "/slack/events"), user_id)

    def stop(self) -> None:
        stop_waitress(self.server, self.thread, timeout=PATIENCE)
        self.services.listener_executor.shutdown(wait=True)
        self.services.coalescer.close()


@pytest.fixture
def oauth_bot(slack: SlackDouble, database: Database) -> Iterator[OAuthBot]:
    running = OAuthBot(slack, database)
    yield running
    running.stop()


def has_token(bot: OAuthBot) -> bool:
    with bot.services.db.read() as session:
        return session.scalar(select(InstallationTokenRow.installation_id)) is not None


def stored_token(bot: OAuthBot) -> str:
    assert bot.services.vault is not None
    with bot.services.db.read() as session:
        installation_id = session.scalar(select(InstallationTokenRow.installation_id))
        tokens = load_tokens(session, bot.services.vault.cipher, installation_id)
    assert tokens is not None
    return tokens.bot_token


def test_a_workspace_installs_then_decides_with_its_own_encrypted_token(oauth_bot: OAuthBot) -> None:
    bot = oauth_bot
    maria = bot.person("UMARIA")
    maria.run("/consensus", "Before install", channel=CHANNEL)
    assert not bot.slack.calls(), "a workspace that has not installed the app gets nothing"

    bot.install()
    token = stored_token(bot)
    assert token.startswith("xoxb-T0ALPHA-") and token != bot.slack.bot_token
    with bot.services.db.read() as session:
        raw = session.scalar(select(InstallationTokenRow.bot_token))
    assert raw and "xoxb" not in raw, "tokens are encrypted at rest"

    setup = Alliance(CHANNEL, "Alpha–Beta", MemberMapping.SLACK_TEAM, (Partner("Alpha Pharma", HOME), Partner("Beta Bio", PARTNER)))
    with bot.services.db.write() as session:
        save_alliance(session, _installation(bot.services.db), setup, by_user="UMARIA", now=bot.services.clock.now())
    assert maria.run("/consensus", "Move the Phase 2 start to Q3", channel=CHANNEL).acked
    posts = eventually(lambda: bot.slack.calls("chat.postMessage"), what="the decision message")
    assert {call.token for call in posts} == {token}


def test_uninstall_and_revocation_delete_the_token(oauth_bot: OAuthBot) -> None:
    bot = oauth_bot
    bot.install()
    person = bot.person("UMARIA")
    assert person.transport.deliver("events", event_envelope(bot.slack, {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}})).acked
    eventually(lambda: not has_token(bot), what="the token deleted")
    bot.install()
    assert person.transport.deliver("events", event_envelope(bot.slack, {"type": "app_uninstalled"})).acked
    eventually(lambda: not has_token(bot), what="the token deleted")
    before = len(bot.slack.calls())
    person.run("/consensus", "After uninstall", channel=CHANNEL)
    assert not [c for c in bot.slack.calls()[before:] if c.method == "chat.postMessage"]


def test_concurrent_refreshes_rotate_once_and_nobody_gets_a_dead_token(slack: SlackDouble, database: Database) -> None:
    slack.token_rotation = True
    bot = OAuthBot(slack, database)
    try:
        bot.install()
        first = stored_token(bot)
        assert bot.services.vault is not None

        class Later(SystemClock):
            def now(self):  # type: ignore[no-untyped-def]
                return super().now() + timedelta(hours=11)  # within two hours of the 12-hour expiry

        # Eight "processes" (separate vaults, no shared memory) refresh at the same moment.
        vaults = [TokenVault(database, bot.services.vault.cipher, Later(), bot.services.vault._refresh) for _ in range(8)]
        with ThreadPoolExecutor(8) as pool:
            installation_id = _installation(database)
            tokens = list(pool.map(lambda v: v.bot_token(installation_id), vaults))
        refreshes = [c for c in slack.calls("oauth.v2.access") if c.params.get("grant_type") == "refresh_token"]
        assert len(refreshes) == 1, "one refresh across every process"
        assert all(t in slack.ws.bot_tokens for t in tokens) and set(tokens) <= {first, stored_token(bot)}
        assert stored_token(bot) != first
        assert all(c.response.get("ok") for c in refreshes)
    finally:
        bot.stop()


def _installation(database: Database) -> int:
    with database.read() as session:
        return int(session.scalar(select(InstallationTokenRow.installation_id)))
