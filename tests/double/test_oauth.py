"""The double's oauth.v2.access, through slack_sdk's own client, against Slack's recorded answers."""
from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient

from tests.double.conftest import sample, web
from tests.slack_double import SlackDouble


def access(double: SlackDouble, **params: str) -> dict:
    client = WebClient(base_url=double.api_url)
    return dict(client.oauth_v2_access(client_id=double.client_id, client_secret=double.client_secret, **params).data)


def test_a_code_gives_a_working_bot_token_once() -> None:
    with SlackDouble() as double:
        code = double.approve_install()
        answer = access(double, code=code)
        assert set(sample("web_api_responses/oauth.v2.access.ok.json")) - {"authed_user"} <= set(answer) | {"enterprise"}
        assert answer["token_type"] == "bot" and "refresh_token" not in answer
        assert web(double, answer["access_token"]).auth_test()["team_id"] == double.team_id
        with pytest.raises(SlackApiError) as again:
            access(double, code=code)
        assert again.value.response["error"] == "invalid_code"
        with pytest.raises(SlackApiError) as wrong:
            WebClient(base_url=double.api_url).oauth_v2_access(client_id=double.client_id, client_secret="nope", code=double.approve_install())
        assert wrong.value.response["error"] == "bad_client_secret"


def test_rotation_refresh_replaces_the_refresh_token() -> None:
    with SlackDouble(token_rotation=True) as double:
        first = access(double, code=double.approve_install())
        assert set(sample("web_api_responses/oauth.v2.access.token_rotation.bot.json")) <= set(first) | {"enterprise"}
        assert first["expires_in"] == 43200 and first["refresh_token"].startswith("xoxe-1-")
        second = access(double, grant_type="refresh_token", refresh_token=first["refresh_token"])
        assert second["access_token"] != first["access_token"] and second["refresh_token"] != first["refresh_token"]
        with pytest.raises(SlackApiError) as reused:
            access(double, grant_type="refresh_token", refresh_token=first["refresh_token"])
        assert reused.value.response["error"] == "invalid_refresh_token"
        assert web(double, second["access_token"]).auth_test()["ok"]


def test_a_partner_installs_through_oauth_and_gets_its_own_installation() -> None:
    with SlackDouble(token_rotation=True) as double:
        double.add_team("T0BETA", "Beta Bio", domain="betabio")
        double.add_user("UKENJI", "T0BETA", "kenji")
        double.add_channel("C0SHARED", "alpha-beta", members=["UKENJI"], is_ext_shared=True)
        # The code remembers the installing person's organisation; the answer is that installation's.
        answer = access(double, code=double.approve_install(user="UKENJI"))
        assert answer["team"] == {"id": "T0BETA", "name": "Beta Bio"} and answer["bot_user_id"] == "UBOTBETA"
        assert answer["authed_user"] == {"id": "UKENJI"} and answer["app_id"] == double.app_id
        assert double.ws.teams["T0BETA"].app_installed and double.installed_teams() == ["T0ALPHA", "T0BETA"]
        assert web(double, answer["access_token"]).auth_test()["team_id"] == "T0BETA"
        assert "UBOTBETA" not in double.ws.channels["C0SHARED"].members  # a new bot is invited nowhere yet
        # A refresh renews the same installation's token.
        renewed = access(double, grant_type="refresh_token", refresh_token=answer["refresh_token"])
        assert web(double, renewed["access_token"]).auth_test()["user_id"] == "UBOTBETA"
        # The home installation installs again through OAuth as before; a team may also be named outright.
        assert access(double, code=double.approve_install())["team"]["id"] == double.team_id
        assert access(double, code=double.approve_install(team_id="T0BETA"))["bot_user_id"] == "UBOTBETA"
        assert [c.team_id for c in double.calls("auth.test")] == ["T0BETA", "T0BETA"]
