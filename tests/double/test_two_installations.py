"""Both organisations of a Slack Connect channel install the app: two installations, one app, one shared channel.

Sources (docs/slack-connect.md has the table): each installation has its own bot user and bot token
while the app id and app-level token stay the app's (docs.slack.dev/authentication/installing-with-oauth,
web_api_responses/oauth.v2.access.ok.json); a bot must be invited into a channel; the error codes are
the ones Slack documents per method (errors_by_method.from_openapi.json); the payload shapes are the
recorded ones (PLATFORM-NOTES §1.6, view_submission.slack_connect.json); an event names at most one
installation (Slack changelog 2020-09-15, "Events API: truncate authed users"). Which installation an
event names, and what a trigger of another installation answers, Slack does not document: the double
makes the first a switch and says "assumed" for the second.
"""
from __future__ import annotations

import urllib.request

import pytest
from slack_sdk.web import WebClient

from tests.double.conftest import SHARED, Recorder, sample, web
from tests.double.test_views import error_of
from tests.slack_double import NotOffered, Person, SlackDouble

BUTTON = [{"type": "actions", "block_id": "b", "elements": [
    {"type": "button", "text": {"type": "plain_text", "text": "Open form"}, "action_id": "open", "value": "1"}]}]
MODAL = {"type": "modal", "callback_id": "cb", "notify_on_close": True, "title": {"type": "plain_text", "text": "Form"},
         "submit": {"type": "plain_text", "text": "Save"}, "blocks": [
             {"type": "input", "block_id": "name", "label": {"type": "plain_text", "text": "Name"},
              "element": {"type": "plain_text_input", "action_id": "n"}},
             {"type": "actions", "block_id": "more", "elements": [
                 {"type": "button", "text": {"type": "plain_text", "text": "More"}, "action_id": "more"}]}]}
HOME = {"type": "home", "blocks": [{"type": "actions", "block_id": "h", "elements": [
    {"type": "button", "text": {"type": "plain_text", "text": "Refresh"}, "action_id": "refresh"}]}]}


@pytest.fixture
def both(shared: SlackDouble) -> SlackDouble:
    """Alpha (home, installed) and Beta in one Slack Connect channel; Beta has not installed the app yet."""
    return shared


def beta_client(double: SlackDouble, *, invited: bool = True) -> WebClient:
    """Beta installs the app (its bot invited into the shared channel unless told otherwise); a client with its token."""
    token = double.install_team("T0BETA")
    if invited:
        double.join(SHARED, double.bot_user("T0BETA"))
    return web(double, token)


def test_each_installation_is_its_own_bot_user_with_its_own_token(both: SlackDouble) -> None:
    beta = beta_client(both, invited=False)
    assert both.installed_teams() == ["T0ALPHA", "T0BETA"] and both.ws.teams["T0BETA"].app_installed
    alpha_id, beta_id = web(both).auth_test(), beta.auth_test()
    assert (alpha_id["team_id"], alpha_id["user_id"], alpha_id["bot_id"]) == ("T0ALPHA", "UBOT", "B0BOT")
    assert (beta_id["team_id"], beta_id["user_id"], beta_id["bot_id"], beta_id["team"]) == ("T0BETA", "UBOTBETA", "B0BOTBETA", "Beta Bio")
    assert beta.users_info(user="UBOTBETA")["user"]["is_bot"] and beta.team_info()["team"]["id"] == "T0BETA"
    # The call log says which installation made each call.
    assert [c.team_id for c in both.calls("auth.test")] == ["T0ALPHA", "T0BETA"]
    assert both.calls("auth.test")[1].token == both.calls("team.info")[0].token


def test_a_new_installations_bot_must_be_invited_before_it_posts(both: SlackDouble) -> None:
    beta = beta_client(both, invited=False)
    assert error_of(lambda: beta.chat_postMessage(channel=SHARED, text="hello")) == "not_in_channel"
    assert error_of(lambda: beta.chat_postEphemeral(channel=SHARED, user="UKENJI", text="psst")) == "not_in_channel"
    assert beta.conversations_info(channel=SHARED)["channel"]["is_member"] is False
    assert web(both).conversations_info(channel=SHARED)["channel"]["is_member"] is True
    both.join(SHARED, both.bot_user("T0BETA"))
    assert beta.chat_postMessage(channel=SHARED, text="hello")["ok"]


def test_both_post_and_each_message_names_its_installation(both: SlackDouble) -> None:
    beta = beta_client(both)
    alpha_ts = web(both).chat_postMessage(channel=SHARED, text="from Alpha's bot")["ts"]
    posted = beta.chat_postMessage(channel=SHARED, text="from Beta's bot")
    assert (posted["message"]["user"], posted["message"]["bot_id"], posted["message"]["team"]) == ("UBOTBETA", "B0BOTBETA", "T0BETA")
    assert [(m.user, m.bot_id, m.team_id) for m in both.messages(SHARED)] == [
        ("UBOT", "B0BOT", "T0ALPHA"), ("UBOTBETA", "B0BOTBETA", "T0BETA")]
    assert beta.pins_add(channel=SHARED, timestamp=alpha_ts)["ok"]  # any member may pin any message
    assert [c.team_id for c in both.calls("chat.postMessage")] == ["T0ALPHA", "T0BETA"]


def test_an_installation_cannot_change_the_other_ones_messages(both: SlackDouble) -> None:
    beta = beta_client(both)
    alpha, alpha_ts = web(both), web(both).chat_postMessage(channel=SHARED, text="Alpha's")["ts"]
    beta_ts = beta.chat_postMessage(channel=SHARED, text="Beta's")["ts"]
    assert error_of(lambda: beta.chat_update(channel=SHARED, ts=alpha_ts, text="edited")) == "cant_update_message"
    assert error_of(lambda: alpha.chat_delete(channel=SHARED, ts=beta_ts)) == "cant_delete_message"
    assert beta.chat_update(channel=SHARED, ts=beta_ts, text="edited")["ok"] and alpha.chat_delete(channel=SHARED, ts=alpha_ts)["ok"]
    assert [(m.text, m.team_id) for m in both.messages(SHARED)] == [("edited", "T0BETA")]


def test_each_bot_dms_its_own_people_and_the_switch_refuses_the_others(both: SlackDouble) -> None:
    beta, alpha = beta_client(both), web(both)
    # Each installation's bot has its own DM with a person.
    assert beta.conversations_open(users="UKENJI")["channel"]["id"] == both.dm_channel_id("UKENJI", "T0BETA") == "DKENJIBETA"
    assert alpha.conversations_open(users="UKENJI")["channel"]["id"] == both.dm_channel_id("UKENJI") == "DKENJI"
    both.refuse_external_dms()
    assert beta.chat_postMessage(channel="UKENJI", text="your items")["channel"] == "DKENJIBETA"
    assert alpha.chat_postMessage(channel="UMARIA", text="your items")["channel"] == "DMARIA"
    assert error_of(lambda: alpha.conversations_open(users="UKENJI")) == "user_not_visible"
    assert error_of(lambda: alpha.chat_postMessage(channel="UKENJI", text="x")) == "channel_not_found"
    assert error_of(lambda: beta.conversations_open(users="UMARIA")) == "user_not_visible"
    assert error_of(lambda: beta.chat_postMessage(channel="DMARIA", text="x")) == "channel_not_found"
    # Another bot's DM is not one this token can see, whatever the switch says.
    both.refuse_external_dms(False)
    assert error_of(lambda: alpha.chat_postMessage(channel="DKENJIBETA", text="x")) == "channel_not_found"
    assert [m.user for m in both.messages("DKENJIBETA")] == ["UBOTBETA"]


def test_commands_shortcuts_and_home_go_through_the_persons_own_installation(both: SlackDouble) -> None:
    both.add_team("T0GAMMA", "Gamma Labs")
    both.add_user("UGINA", "T0GAMMA", "gina")
    both.join(SHARED, "UGINA")
    beta_client(both)
    recorder = Recorder()
    maria, kenji = Person(both, recorder, "UMARIA"), Person(both, recorder, "UKENJI")
    ts = maria.post_message(SHARED, "Send the CMC package by Friday")
    maria.run("/action", channel=SHARED)
    kenji.run("/action", channel=SHARED)
    assert [(p["team_id"], p["team_domain"]) for _, p in recorder.sent] == [("T0ALPHA", "alphapharma"), ("T0BETA", "betabio")]
    kenji.message_shortcut("action_item_from_message", SHARED, ts)
    kenji.global_shortcut("new_decision")
    assert [p["team"]["id"] for _, p in recorder.sent[-2:]] == ["T0BETA", "T0BETA"]
    assert all(p["user"]["team_id"] == "T0BETA" for _, p in recorder.sent[-2:])
    kenji.open_home()
    envelope = recorder.sent[-1][1]
    assert envelope["team_id"] == envelope["authorizations"][0]["team_id"] == "T0BETA"
    assert envelope["authorizations"][0]["user_id"] == "UBOTBETA" and envelope["event"]["channel"] == "DKENJIBETA"
    maria.open_home()
    assert recorder.sent[-1][1]["authorizations"][0]["team_id"] == "T0ALPHA" and recorder.sent[-1][1]["event"]["channel"] == "DMARIA"
    # A third organisation that did not install the app still gets none of them.
    with pytest.raises(NotOffered, match="Gamma Labs"):
        Person(both, recorder, "UGINA").run("/action", channel=SHARED)


def test_a_trigger_works_only_for_the_installation_it_was_delivered_to(both: SlackDouble) -> None:
    beta = beta_client(both)
    recorder = Recorder()
    Person(both, recorder, "UKENJI").run("/action", channel=SHARED)
    trigger = recorder.sent[-1][1]["trigger_id"]
    # Assumed (Slack documents nothing across installations): answered as a trigger it never issued.
    assert error_of(lambda: web(both).views_open(trigger_id=trigger, view=MODAL)) == "invalid_arguments"
    assert beta.views_open(trigger_id=trigger, view=MODAL)["view"]["app_installed_team_id"] == "T0BETA"


def test_clicks_go_to_the_installation_whose_bot_posted_or_opened(both: SlackDouble) -> None:
    beta = beta_client(both)
    recorder = Recorder()
    maria, kenji = Person(both, recorder, "UMARIA"), Person(both, recorder, "UKENJI")
    alpha_ts = web(both).chat_postMessage(channel=SHARED, text="Alpha's form", blocks=BUTTON)["ts"]
    beta_ts = beta.chat_postMessage(channel=SHARED, text="Beta's form", blocks=BUTTON)["ts"]

    kenji.click("Open form", channel=SHARED, message_ts=alpha_ts)
    maria.click("Open form", channel=SHARED, message_ts=beta_ts)
    on_alpha, on_beta = recorder.sent[-2][1], recorder.sent[-1][1]
    # PLATFORM-NOTES §1.6 (java-slack-sdk #1041): team.id the installation the click goes to, user.team_id the clicker's.
    assert (on_alpha["team"]["id"], on_alpha["user"]["team_id"]) == ("T0ALPHA", "T0BETA")
    assert (on_beta["team"]["id"], on_beta["user"]["team_id"]) == ("T0BETA", "T0ALPHA")
    assert on_beta["message"]["bot_id"] == "B0BOTBETA"

    # Maria's click on Beta's message reached Beta's installation: its token opens the modal.
    assert error_of(lambda: web(both).views_open(trigger_id=on_beta["trigger_id"], view=MODAL)) == "invalid_arguments"
    view = beta.views_open(trigger_id=on_beta["trigger_id"], view=MODAL)["view"]
    assert (view["app_installed_team_id"], view["bot_id"]) == ("T0BETA", "B0BOTBETA")
    maria.click("More")
    assert recorder.sent[-1][1]["team"]["id"] == "T0BETA" and recorder.sent[-1][1]["container"]["type"] == "view"
    # Assumed: another installation's view is not one this token can name.
    assert error_of(lambda: web(both).views_update(view_id=view["id"], view=MODAL)) == "not_found"
    assert beta.views_update(view_id=view["id"], view=MODAL)["ok"]

    # A response_url posts as the installation the payload went to.
    request = urllib.request.Request(on_beta["response_url"], data=b'{"text": "noted", "response_type": "in_channel"}',
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200
    assert (both.messages(SHARED)[-1].user, both.messages(SHARED)[-1].team_id) == ("UBOTBETA", "T0BETA")


def test_submissions_and_closes_name_the_opener_and_the_submitters_side(both: SlackDouble) -> None:
    beta = beta_client(both)
    recorder = Recorder()
    maria = Person(both, recorder, "UMARIA")
    beta.chat_postMessage(channel=SHARED, text="Beta's form", blocks=BUTTON)
    maria.click("Open form", channel=SHARED)
    beta.views_open(trigger_id=recorder.sent[-1][1]["trigger_id"], view=MODAL)
    maria.submit_view({"Name": "Maria"})
    submission = recorder.sent[-1][1]
    recorded = sample("interactivity/view_submission.slack_connect.json")
    assert set(recorded) - {"enterprise"} <= set(submission)
    # As recorded: team, user.team_id and view.team_id the submitter's side; app_installed_team_id the opener.
    assert submission["team"]["id"] == submission["user"]["team_id"] == submission["view"]["team_id"] == "T0ALPHA"
    assert submission["view"]["app_installed_team_id"] == "T0BETA"
    # The submission's trigger went to Beta's installation too.
    assert error_of(lambda: web(both).views_open(trigger_id=submission["trigger_id"], view=MODAL)) == "invalid_arguments"

    maria.click("Open form", channel=SHARED)
    beta.views_open(trigger_id=recorder.sent[-1][1]["trigger_id"], view=MODAL)
    maria.close_view()
    closed = recorder.sent[-1][1]
    assert closed["type"] == "view_closed" and closed["team"]["id"] == closed["view"]["team_id"] == "T0ALPHA"
    assert closed["view"]["app_installed_team_id"] == "T0BETA"


def test_each_installation_has_its_own_home_tab(both: SlackDouble) -> None:
    beta = beta_client(both)
    recorder = Recorder()
    kenji = Person(both, recorder, "UKENJI")
    beta.views_publish(user_id="UKENJI", view=HOME)
    web(both).views_publish(user_id="UKENJI", view={"type": "home", "blocks": []})
    assert both.home_view("UKENJI")["app_installed_team_id"] == "T0BETA"  # the one Kenji's own organisation installed
    assert both.home_view("UKENJI", "T0ALPHA")["blocks"] == []
    kenji.open_home()
    assert recorder.sent[-1][1]["event"]["view"]["app_installed_team_id"] == "T0BETA"
    kenji.click("Refresh", home=True)
    assert recorder.sent[-1][1]["team"]["id"] == "T0BETA"


def test_the_switch_says_which_installation_a_channel_event_names(both: SlackDouble) -> None:
    beta_client(both, invited=False)
    recorder = Recorder()
    ts = Person(both, recorder, "UMARIA").post_message(SHARED, "Send the CMC package by Friday")
    kenji = Person(both, recorder, "UKENJI")

    def named() -> tuple[str, str, str]:
        kenji.react(SHARED, ts, "memo")
        envelope = recorder.sent[-1][1]
        assert envelope["is_ext_shared_channel"] is True and len(envelope["authorizations"]) == 1
        return envelope["team_id"], envelope["authorizations"][0]["team_id"], envelope["authorizations"][0]["user_id"]

    assert named() == ("T0ALPHA", "T0ALPHA", "UBOT")  # "host", the default
    both.event_authorization = "other"
    assert named() == ("T0ALPHA", "T0ALPHA", "UBOT")  # Beta's bot is not in the channel: Beta cannot see the event
    both.join(SHARED, both.bot_user("T0BETA"))
    assert named() == ("T0BETA", "T0BETA", "UBOTBETA")
    both.event_authorization = "host"
    assert named() == ("T0ALPHA", "T0ALPHA", "UBOT")
    # apps.event.authorizations.list (app-level token) lists every installation that can see it.
    context = recorder.sent[-1][1]["event_context"]
    listed = web(both).apps_event_authorizations_list(token=both.app_token, event_context=context)["authorizations"]
    assert [(a["team_id"], a["user_id"]) for a in listed] == [("T0ALPHA", "UBOT"), ("T0BETA", "UBOTBETA")]
    assert error_of(lambda: web(both).apps_event_authorizations_list(event_context=context)) == "not_allowed_token_type"
    envelope = both.channel_event(SHARED, {"type": "member_joined_channel", "user": "UBOTBETA", "channel": SHARED})
    assert envelope["team_id"] == "T0ALPHA" and envelope["event"]["type"] == "member_joined_channel"
    with pytest.raises(ValueError, match="host"):
        both.event_authorization = "random"


def test_uninstalling_one_side_revokes_its_tokens_and_leaves_the_other_working(both: SlackDouble) -> None:
    beta = beta_client(both)
    recorder = Recorder()
    kenji = Person(both, recorder, "UKENJI")
    beta_ts = beta.chat_postMessage(channel=SHARED, text="Beta's form", blocks=BUTTON)["ts"]
    envelopes = both.uninstall("T0BETA")
    assert [e["event"]["type"] for e in envelopes] == ["app_uninstalled", "tokens_revoked"]
    assert all(e["team_id"] == e["authorizations"][0]["team_id"] == "T0BETA" for e in envelopes)
    assert envelopes[1]["event"]["tokens"] == {"oauth": [], "bot": ["UBOTBETA"]}
    assert error_of(lambda: beta.auth_test()) == "token_revoked"
    assert web(both).chat_postMessage(channel=SHARED, text="still here")["ok"]
    assert both.installed_teams() == ["T0ALPHA"] and "UBOTBETA" not in both.ws.channels[SHARED].members
    with pytest.raises(NotOffered, match="Beta Bio"):
        kenji.run("/action", channel=SHARED)
    with pytest.raises(NotOffered, match="uninstalled"):
        kenji.click("Open form", channel=SHARED, message_ts=beta_ts)
    # Reinstalling gives a new token; the bot user is the same and must be invited again.
    again = web(both, both.install_team("T0BETA"))
    assert again.auth_test()["user_id"] == "UBOTBETA" and error_of(lambda: again.chat_postMessage(channel=SHARED, text="x")) == "not_in_channel"


def test_tokens_and_installs_belong_to_a_team(both: SlackDouble) -> None:
    with pytest.raises(ValueError, match="install_team"):
        both.add_token("xoxb-beta", team_id="T0BETA")
    both.install_team("T0BETA")
    both.add_token("xoxb-beta", team_id="T0BETA")
    both.add_token("xoxb-alpha-2")
    assert web(both, "xoxb-beta").auth_test()["team_id"] == "T0BETA" and web(both, "xoxb-alpha-2").auth_test()["team_id"] == "T0ALPHA"
    assert both.ws.bot_tokens["xoxb-beta"] == "T0BETA"


def test_the_codes_for_these_refusals_are_documented_for_their_methods() -> None:
    documented = sample("web_api_responses/errors/errors_by_method.from_openapi.json")
    assert "cant_update_message" in documented["chat.update"] and "cant_delete_message" in documented["chat.delete"]
    assert "not_in_channel" in documented["chat.postMessage"] and "token_revoked" in documented["auth.test"]
