"""The gateway calls Slack with the token of the installation bound to the current work, and nobody else's."""
from __future__ import annotations

from cryptography.fernet import Fernet
from slack_sdk.web import WebClient

from bot.clock import SystemClock
from bot.slack_edge.gateway import SlackGateway
from bot.slack_edge.installation_context import ContextThreadPoolExecutor, bind_installation, bound_installation
from bot.slack_edge.tokens import TokenVault
from storage.db import Database
from storage.installation_tokens import TokenCipher, save_tokens
from storage.installations import ensure_installation
from storage.models.installations import InstallationTokenRow
from tests.slack_double import SlackDouble


def test_each_installation_uses_its_own_encrypted_token(database: Database) -> None:
    cipher, clock = TokenCipher(Fernet.generate_key().decode()), SystemClock()
    with SlackDouble() as slack:
        ids = {}
        with database.write() as session:
            for team in ("T0ALPHA", "T0GAMMA"):
                ids[team] = ensure_installation(session, enterprise_id=None, team_id=team, team_name=team, bot_user_id="UBOT", now=clock.now())
                save_tokens(session, cipher, installation_id=ids[team], bot_token=f"xoxb-{team}", refresh_token=None, expires_at=None,
                            bot_id="B1", app_id="A1", scopes="chat:write", now=clock.now())
                slack.add_token(f"xoxb-{team}")
            assert all("xoxb" not in row.bot_token for row in session.query(InstallationTokenRow))
        vault = TokenVault(database, cipher, clock, refresh=lambda _: {})
        gateway = SlackGateway(WebClient(base_url=slack.api_url), tokens=vault.bot_token, forget_token=vault.forget)
        for team, installation_id in ids.items():
            with bound_installation(installation_id):
                gateway.auth_test()
            assert slack.calls("auth.test")[-1].token == f"xoxb-{team}"

        # Work handed to a listener thread keeps the binding of the request that submitted it.
        bind_installation(ids["T0GAMMA"])
        with ContextThreadPoolExecutor(2) as pool:
            pool.submit(gateway.auth_test).result()
        bind_installation(None)
        assert slack.calls("auth.test")[-1].token == "xoxb-T0GAMMA"
