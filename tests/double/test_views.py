"""Views, trigger_ids and response_urls in the double behave like Slack's."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError

from tests.double.conftest import CHANNEL, Recorder, sample, web
from tests.slack_double import Person, SlackDouble

MODAL = {"type": "modal", "callback_id": "cb", "private_metadata": "{\"v\":1}", "title": {"type": "plain_text", "text": "Form"},
         "submit": {"type": "plain_text", "text": "Save"}, "blocks": [
             {"type": "input", "block_id": "name", "label": {"type": "plain_text", "text": "Name"},
              "element": {"type": "plain_text_input", "action_id": "n", "max_length": 20}},
             {"type": "input", "block_id": "when", "label": {"type": "plain_text", "text": "When"},
              "element": {"type": "datepicker", "action_id": "d", "initial_date": "2026-12-01"}},
             {"type": "input", "block_id": "at", "optional": True, "label": {"type": "plain_text", "text": "At"},
              "element": {"type": "timepicker", "action_id": "t"}},
             {"type": "input", "block_id": "kind", "label": {"type": "plain_text", "text": "Kind"},
              "element": {"type": "static_select", "action_id": "k", "options": [
                  {"text": {"type": "plain_text", "text": "Licence"}, "value": "licence"},
                  {"text": {"type": "plain_text", "text": "Co-promotion"}, "value": "copro"}]}},
             {"type": "input", "block_id": "who", "optional": True, "label": {"type": "plain_text", "text": "Who"},
              "element": {"type": "multi_users_select", "action_id": "w"}},
             {"type": "input", "block_id": "ticks", "optional": True, "label": {"type": "plain_text", "text": "Ticks"},
              "element": {"type": "checkboxes", "action_id": "c", "options": [
                  {"text": {"type": "mrkdwn", "text": "*A*"}, "value": "a"}, {"text": {"type": "plain_text", "text": "B"}, "value": "b"}]}},
         ]}


def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()
    return str(caught.value.response["error"])


def test_views_open_answers_in_slacks_shape(slack: SlackDouble) -> None:
    view = web(slack).views_open(trigger_id=slack.issue_trigger("UMARIA"), view=MODAL)["view"]
    assert set(sample("web_api_responses/views.open.ok.json")["view"]) <= set(view)
    assert view["id"].startswith("V") and view["state"] == {"values": {}} and view["root_view_id"] == view["id"]
    assert slack.view(view["id"])["private_metadata"] == "{\"v\":1}" and slack.open_views("UMARIA") == [view]


def test_triggers_are_single_use_and_expire(slack: SlackDouble) -> None:
    client = web(slack)
    trigger = slack.issue_trigger("UMARIA")
    client.views_open(trigger_id=trigger, view=MODAL)
    assert error_of(lambda: client.views_open(trigger_id=trigger, view=MODAL)) == "expired_trigger_id"
    in_time, late = slack.issue_trigger("UMARIA"), slack.issue_trigger("UMARIA")
    slack.advance(2.9)  # a trigger_id lasts 3 s, on the double's clock
    assert client.views_open(trigger_id=in_time, view=MODAL)["ok"]
    slack.advance(0.2)
    assert error_of(lambda: client.views_open(trigger_id=late, view=MODAL)) == "expired_trigger_id"
    assert error_of(lambda: client.views_open(trigger_id="12.34.made-up", view=MODAL)) == "invalid_arguments"
    assert "invalid `trigger_id`" in slack.calls()[-1].response["response_metadata"]["messages"][0]


@pytest.mark.parametrize("change, pointer", [
    ({"title": {"type": "plain_text", "text": "x" * 25}}, "/view/title/text"),
    ({"submit": None}, "/view/submit"),
    ({"private_metadata": "x" * 3001}, "/view/private_metadata"),
    ({"blocks": [{"type": "divider"}] * 101}, "/view/blocks"),
    ({"blocks": [{"type": "input", "label": {"type": "plain_text", "text": "L"}, "element": {"type": "button", "text": {
        "type": "plain_text", "text": "b"}}}]}, "/view/blocks/0/element/type"),
])
def test_invalid_views_are_refused_with_json_pointers(slack: SlackDouble, change: dict[str, Any], pointer: str) -> None:
    view = {k: v for k, v in {**MODAL, **change}.items() if v is not None}
    assert error_of(lambda: web(slack).views_open(trigger_id=slack.issue_trigger("UMARIA"), view=view)) == "invalid_arguments"
    assert f"[json-pointer:{pointer}]" in slack.calls()[-1].response["response_metadata"]["messages"][0]


def test_views_update_push_and_publish(slack: SlackDouble) -> None:
    client = web(slack)
    opened = client.views_open(trigger_id=slack.issue_trigger("UMARIA"), view={**MODAL, "external_id": "ext-1"})["view"]
    updated = client.views_update(external_id="ext-1", view={**MODAL, "external_id": "ext-1", "callback_id": "cb2"})["view"]
    assert updated["id"] == opened["id"] and slack.view(opened["id"])["callback_id"] == "cb2"
    assert error_of(lambda: client.views_update(view_id=opened["id"], hash=opened["hash"], view=MODAL)) == "hash_conflict"
    assert error_of(lambda: client.views_update(view_id="VNOPE", view=MODAL)) == "not_found"
    pushed = client.views_push(trigger_id=slack.issue_trigger("UMARIA"), view=MODAL)["view"]
    assert pushed["previous_view_id"] == opened["id"] and [v["id"] for v in slack.open_views("UMARIA")] == [opened["id"], pushed["id"]]
    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]}
    first = client.views_publish(user_id="UMARIA", view=home)["view"]
    again = client.views_publish(user_id="UMARIA", view=home)["view"]
    assert first["id"] == again["id"] and slack.home_view("UMARIA") == again
    assert error_of(lambda: client.views_publish(user_id="UMARIA", view={**home, "submit": MODAL["submit"]})) == "invalid_arguments"


def test_a_modal_is_submitted_by_its_labels_in_slacks_shape(slack: SlackDouble) -> None:
    web(slack).views_open(trigger_id=slack.issue_trigger("UMARIA"), view=MODAL)
    app = Recorder()
    maria = Person(slack, app, "UMARIA")
    with pytest.raises(AssertionError, match="labels: "):
        maria.submit_view({"Nmae": "typo"})
    with pytest.raises(AssertionError, match="required input 'Name' is empty"):
        maria.submit_view({"Name": "", "Kind": "Licence"})  # Slack's client refuses this itself
    with pytest.raises(AssertionError, match="min/max length"):
        maria.submit_view({"Name": "x" * 21, "Kind": "Licence"})
    maria.submit_view({"Name": "Alpha", "Kind": "Co-promotion", "Who": ["UMARIA", "UANON"], "Ticks": ["*A*"]})
    kind, payload = app.sent[0]
    assert kind == "interactive" and payload["type"] == "view_submission"
    assert set(sample("interactivity/view_submission.json")) - set(payload) <= set()
    assert set(sample("interactivity/view_submission.json")["view"]) <= set(payload["view"])
    values = payload["view"]["state"]["values"]
    assert values["name"]["n"] == {"type": "plain_text_input", "value": "Alpha"}
    assert values["when"]["d"] == {"type": "datepicker", "selected_date": "2026-12-01"}  # untouched: initial value
    assert values["at"]["t"] == {"type": "timepicker", "selected_time": None}
    assert values["kind"]["k"]["selected_option"]["value"] == "copro"
    assert values["who"]["w"] == {"type": "multi_users_select", "selected_users": ["UMARIA", "UANON"]}
    assert [o["value"] for o in values["ticks"]["c"]["selected_options"]] == ["a"]
    assert payload["view"]["private_metadata"] == "{\"v\":1}" and payload["view"]["app_installed_team_id"] == slack.team_id
    assert payload["user"]["team_id"] == slack.team_id and payload["trigger_id"]
    assert slack.open_views("UMARIA") == []  # an empty ack closes the modal
    with pytest.raises(AssertionError, match="no open modal"):
        maria.submit_view({"Name": "again"})


def test_the_apps_answer_to_a_submission_is_applied_like_slack(slack: SlackDouble) -> None:
    opened = web(slack).views_open(trigger_id=slack.issue_trigger("UMARIA"), view=MODAL)["view"]
    filled = {"Name": "Alpha", "Kind": "Licence"}
    Person(slack, Recorder({"response_action": "errors", "errors": {"name": "Taken"}}), "UMARIA").submit_view(filled)
    assert [v["id"] for v in slack.open_views("UMARIA")] == [opened["id"]]
    with pytest.raises(AssertionError, match="must name input block_ids"):
        Person(slack, Recorder({"response_action": "errors", "errors": {"nope": "x"}}), "UMARIA").submit_view(filled)
    thanks = {"type": "modal", "title": {"type": "plain_text", "text": "Thanks"}, "blocks": [{"type": "divider"}]}
    Person(slack, Recorder({"response_action": "update", "view": thanks}), "UMARIA").submit_view(filled)
    assert slack.open_views("UMARIA")[0]["title"]["text"] == "Thanks" and slack.open_views("UMARIA")[0]["id"] == opened["id"]
    web(slack).views_open(trigger_id=slack.issue_trigger("UMARIA"), view=MODAL)
    Person(slack, Recorder({"response_action": "push", "view": thanks}), "UMARIA").submit_view(filled)
    assert len(slack.open_views("UMARIA")) == 2
    web(slack).views_open(trigger_id=slack.issue_trigger("UMARIA"), view=MODAL)
    Person(slack, Recorder({"response_action": "clear"}), "UMARIA").submit_view(filled)
    assert slack.open_views("UMARIA") == []


def post(url: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_response_urls_work_five_times_and_respect_response_type(slack: SlackDouble) -> None:
    url = slack.issue_response_url("UMARIA", CHANNEL)
    statuses = [post(url, {"text": f"r{i}"}) for i in range(4)] + [post(url, {"text": "all", "response_type": "in_channel"})]
    assert statuses == [200] * 5 and post(url, {"text": "sixth"}) == 404
    assert [m.text for m in slack.ephemerals(CHANNEL, "UMARIA")] == ["r0", "r1", "r2", "r3"]
    assert [m.text for m in slack.messages(CHANNEL)] == ["all"]
    assert post(slack.base_url + "/response/unknown", {"text": "x"}) == 404


def test_response_urls_replace_and_delete_the_original_message(slack: SlackDouble) -> None:
    ts = web(slack).chat_postMessage(channel=CHANNEL, text="vote now")["ts"]
    url = slack.issue_response_url("UMARIA", CHANNEL, message_ts=ts)
    assert post(url, {"replace_original": True, "text": "voting closed"}) == 200
    [message] = slack.messages(CHANNEL)
    assert (message.ts, message.text, message.edits) == (ts, "voting closed", 1)
    assert post(url, {"delete_original": True}) == 200
    assert slack.messages(CHANNEL) == []
