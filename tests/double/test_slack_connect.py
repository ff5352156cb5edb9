"""Slack Connect in the double: what a partner's person can and cannot do with an app their organisation did not install.

Sources: Slack's help article "Slack Connect guide: work with external partners"
(slack.com/help/articles/115004151203), PLATFORM-NOTES §1.6 and §1.8, and the recorded payloads in
tests/fixtures/slack/ (docs/slack-connect.md lists which behaviours are documented and which assumed).
"""
from __future__ import annotations

import pytest

from tests.double.conftest import SHARED, Recorder, sample, web
from tests.double.test_views import error_of
from tests.slack_double import NotOffered, Person, SlackDouble

BUTTON = [{"type": "actions", "block_id": "b", "elements": [
    {"type": "button", "text": {"type": "plain_text", "text": "Open form"}, "action_id": "open", "value": "1"}]}]
MODAL = {"type": "modal", "callback_id": "cb", "title": {"type": "plain_text", "text": "Form"},
         "submit": {"type": "plain_text", "text": "Save"}, "blocks": [
             {"type": "input", "block_id": "name", "label": {"type": "plain_text", "text": "Name"},
              "element": {"type": "plain_text_input", "action_id": "n"}}]}


def test_a_partner_without_the_app_gets_no_commands_shortcuts_or_home(shared: SlackDouble) -> None:
    recorder = Recorder()
    kenji = Person(shared, recorder, "UKENJI")
    ts = kenji.post_message(SHARED, "Send the CMC package by Friday")
    with pytest.raises(NotOffered, match=r"cannot run /action: their organisation \(Beta Bio\) has not installed the app"):
        kenji.run("/action", "list mine", channel=SHARED)
    with pytest.raises(NotOffered, match="115004151203"):
        kenji.message_shortcut("action_item_from_message", SHARED, ts)
    with pytest.raises(NotOffered, match="global shortcut"):
        kenji.global_shortcut("new_decision")
    with pytest.raises(NotOffered, match="Home tab"):
        kenji.open_home()
    assert recorder.sent == []  # Slack never sends the app anything for them


def test_the_host_and_a_partner_that_installed_the_app_get_them(shared: SlackDouble) -> None:
    shared.add_team("T0GAMMA", "Gamma Labs", app_installed=True)
    shared.add_user("UGINA", "T0GAMMA", "gina")
    shared.join(SHARED, "UGINA")
    recorder = Recorder()
    Person(shared, recorder, "UMARIA").run("/action", channel=SHARED)
    Person(shared, recorder, "UGINA").open_home()
    Person(shared, recorder, "UGINA").global_shortcut("new_decision")
    assert [kind for kind, _ in recorder.sent] == ["slash_commands", "events_api", "interactive"]


def test_a_partner_clicks_the_apps_buttons_and_submits_the_modal_they_open(shared: SlackDouble) -> None:
    recorder = Recorder()
    kenji = Person(shared, recorder, "UKENJI")
    web(shared).chat_postMessage(channel=SHARED, text="form", blocks=BUTTON)
    kenji.click("Open form", channel=SHARED)
    click = recorder.sent[-1][1]
    # §1.6: the clicker's own team in user.team_id, the installing workspace in team.id.
    assert click["user"]["team_id"] == "T0BETA" and click["team"]["id"] == "T0ALPHA"
    web(shared).views_open(trigger_id=click["trigger_id"], view=MODAL)
    kenji.submit_view({"Name": "Kenji"})
    submission = recorder.sent[-1][1]
    recorded = sample("interactivity/view_submission.slack_connect.json")
    assert set(recorded) - {"enterprise"} <= set(submission)
    # As recorded: team and view.team_id are the submitter's side, view.app_installed_team_id the installing workspace.
    assert submission["team"]["id"] == submission["user"]["team_id"] == submission["view"]["team_id"] == "T0BETA"
    assert submission["view"]["app_installed_team_id"] == "T0ALPHA"
    assert recorded["team"]["id"] == recorded["view"]["team_id"] != recorded["view"]["app_installed_team_id"]


def test_post_only_members_cannot_use_apps_at_all(shared: SlackDouble) -> None:
    shared.set_post_only(SHARED, "UKENJI")
    recorder = Recorder()
    web(shared).chat_postMessage(channel=SHARED, text="form", blocks=BUTTON)
    with pytest.raises(NotOffered, match="post only"):
        Person(shared, recorder, "UKENJI").click("Open form", channel=SHARED)
    assert recorder.sent == []
    Person(shared, recorder, "UMARIA").click("Open form", channel=SHARED)  # the others still can
    assert len(recorder.sent) == 1


def test_anyones_reaction_arrives_as_slack_sends_it_with_no_team_of_the_actor(shared: SlackDouble) -> None:
    recorder = Recorder()
    ts = Person(shared, recorder, "UMARIA").post_message(SHARED, "Send the CMC package by Friday")
    Person(shared, recorder, "UKENJI").react(SHARED, ts, "pushpin")
    kind, envelope = recorder.sent[-1]
    recorded = sample("events/slack_connect/reaction_added.source_vs_installed_team.json")
    assert kind == "events_api" and set(recorded) <= set(envelope) and set(recorded["event"]) == set(envelope["event"])
    event = envelope["event"]
    assert (event["user"], event["reaction"], event["item"], event["item_user"]) == (
        "UKENJI", "pushpin", {"type": "message", "channel": SHARED, "ts": ts}, "UMARIA")
    assert "user_team" not in event and "team" not in event
    assert envelope["is_ext_shared_channel"] is True and envelope["authorizations"][0]["team_id"] == "T0ALPHA"


def test_dms_to_other_organisations_fail_by_a_switch(shared: SlackDouble) -> None:
    client = web(shared)
    assert client.conversations_open(users="UKENJI")["channel"]["id"]  # allowed until a test says otherwise
    shared.refuse_external_dms()
    assert error_of(lambda: client.conversations_open(users="UKENJI")) == "user_not_visible"
    assert error_of(lambda: client.chat_postMessage(channel="UKENJI", text="reminder")) == "channel_not_found"
    assert error_of(lambda: client.chat_postMessage(channel="DKENJI", text="reminder")) == "channel_not_found"
    # The host's own people still get DMs, and the partner can still be told in the shared channel.
    assert client.chat_postMessage(channel="UMARIA", text="reminder")["ok"]
    assert client.chat_postEphemeral(channel=SHARED, user="UKENJI", text="reminder")["ok"]


def test_the_refusals_are_error_codes_slack_documents_for_those_methods() -> None:
    documented = sample("web_api_responses/errors/errors_by_method.from_openapi.json")
    assert "user_not_visible" in documented["conversations.open"]
    assert "channel_not_found" in documented["chat.postMessage"]
