"""oauth.v2.access: exchanging an install's code for a bot token, and refreshing rotating tokens.

As Slack documents it (docs.slack.dev/authentication/installing-with-oauth, .../using-token-rotation)
and as the recorded answers in tests/fixtures/slack show: the app authenticates with its client id and
secret (HTTP Basic, or form fields); a code works once; with token rotation on, the answer carries
`refresh_token` and `expires_in` (12 h), and a refresh returns a new access token and a new refresh
token while the old refresh token stops working.
"""
from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING, Any

from tests.slack_double.web_methods import SlackError

if TYPE_CHECKING:
    from tests.slack_double.double import SlackDouble
    from tests.slack_double.state import Workspace

TOKEN_LIFETIME = 43200  # seconds: Slack's 12 hours


class OAuthMethods:
    """oauth.v2.access: an install's code gives a bot token of the installing organisation's installation.

    The code remembers the team that approved the install (`SlackDouble.approve_install`); the answer names
    that team (`team{id,name}`), its installation's `bot_user_id` and a new token registered for it, as the
    recorded oauth.v2.access.ok.json has them. The team counts as installed from then on.
    """

    double: SlackDouble
    ws: Workspace

    def oauth_v2_access(self, p: dict[str, Any]) -> dict[str, Any]:
        double = self.double
        if p.get("client_id") != double.client_id:
            raise SlackError("invalid_client_id")
        if p.get("client_secret") != double.client_secret:
            raise SlackError("bad_client_secret")
        if p.get("grant_type") == "refresh_token":
            refresh = str(p.get("refresh_token") or "")
            team_id = self.ws.refresh_tokens.pop(refresh, None)
            if team_id is None:
                raise SlackError("invalid_refresh_token")
            return self._grant(team_id, rotating=True)  # a refresh renews the same installation's token
        code = str(p.get("code") or "")
        if not code:
            raise SlackError("invalid_code")
        approved = self.ws.oauth_codes.pop(code, None)
        if approved is None:
            raise SlackError("invalid_code")
        user, team_id = approved
        self.ws.install(team_id)
        return self._grant(team_id, rotating=double.token_rotation, user=user)

    def _grant(self, team_id: str, *, rotating: bool, user: str = "UINSTALLER") -> dict[str, Any]:
        double, team, installation = self.double, self.ws.teams[team_id], self.ws.installations[team_id]
        token = f"xoxb-{team.team_id}-{secrets.token_hex(8)}"
        self.ws.bot_tokens[token] = team_id
        answer: dict[str, Any] = {
            "access_token": token, "token_type": "bot", "scope": ",".join(double.scopes), "bot_user_id": installation.bot_user_id,
            "app_id": double.app_id, "team": {"id": team.team_id, "name": team.name}, "enterprise": None,
            "is_enterprise_install": False, "authed_user": {"id": user},
        }
        if rotating:
            refresh = f"xoxe-1-{secrets.token_hex(12)}"
            self.ws.refresh_tokens[refresh] = team_id
            self.ws.token_expiry[token] = time.time() + TOKEN_LIFETIME
            answer.update(refresh_token=refresh, expires_in=TOKEN_LIFETIME)
        return answer
