"""A real Bolt app reached through the double: Socket Mode (the bot's own SocketModeConnection) and signed HTTP."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk.signature import SignatureVerifier
from websockets.sync.client import connect

from bot.slack_edge.socket_mode import SocketModeConnection
from tests.double.conftest import sample, web
from tests.e2e.conftest import patient
from tests.slack_double import HttpTransport, Person, SignedHttpClient, SlackDouble, SocketModeTransport
from tests.slack_double.clock import PATIENCE

CHANNEL = "C0SHARED"
FORM = {"type": "modal", "callback_id": "form", "title": {"type": "plain_text", "text": "Form"},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": [{"type": "input", "block_id": "name", "label": {"type": "plain_text", "text": "Name"},
                    "element": {"type": "plain_text_input", "action_id": "n"}}]}
HOME = {"type": "home", "blocks": [{"type": "actions", "elements": [
    {"type": "button", "text": {"type": "plain_text", "text": "Refresh"}, "action_id": "refresh"}]}]}


def eventually(check: Callable[[], Any], timeout: float = PATIENCE) -> Any:
    """Poll until `check` is truthy (the app's work after its ack is asynchronous); `timeout` only bounds a broken app."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
    return result


@dataclass
class Setup:
    """The double, the Bolt app's HTTP URL and what the app's listeners saw."""

    slack: SlackDouble
    app_url: str
    seen: dict[str, list[Any]] = field(default_factory=dict)


def build_app(slack: SlackDouble, seen: dict[str, list[Any]]) -> App:
    """A tiny Bolt app: one listener of each kind the double must deliver."""
    app = App(client=web(slack), signing_secret=slack.signing_secret)  # token verification calls auth.test on the double

    @app.command("/ping")
    def ping(ack: Any) -> None:
        ack({"text": "pong"})

    @app.command("/form")
    def form(ack: Any, body: dict[str, Any], client: Any) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=FORM)

    @app.view("form")
    def submitted(ack: Any, view: dict[str, Any]) -> None:
        name = view["state"]["values"]["name"]["n"]["value"]
        seen.setdefault("submissions", []).append(name)
        ack(response_action="errors", errors={"name": "Taken"}) if name == "taken" else ack()

    @app.action("vote")
    def vote(ack: Any, body: dict[str, Any], respond: Any) -> None:
        ack()
        seen.setdefault("votes", []).append(body)
        respond("Thanks for voting")

    @app.event("app_home_opened")
    def home(event: dict[str, Any], client: Any, request: BoltRequest) -> None:
        seen.setdefault("retries", []).append(next(iter(request.headers.get("x-slack-retry-num") or []), None))
        client.views_publish(user_id=event["user"], view=HOME)

    @app.action("refresh")
    def refresh(ack: Any, body: dict[str, Any]) -> None:
        ack()
        seen.setdefault("refresh", []).append(body)

    @app.shortcut("quote")
    def quote(ack: Any, body: dict[str, Any]) -> None:
        ack()
        seen.setdefault("shortcuts", []).append(body)

    return app


def serve_http(app: App) -> ThreadingHTTPServer:
    """Bolt's own dispatch behind a plain HTTP server, so signature checks are Bolt's."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            response = app.dispatch(BoltRequest(body=body, headers={k.lower(): [v] for k, v in self.headers.items()}))
            payload = response.body.encode()
            self.send_response(response.status)
            self.send_header("Content-Length", str(len(payload)))
            for key, values in response.headers.items():
                if key.lower() != "content-length":
                    self.send_header(key, values[0])
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def setup() -> Iterator[Setup]:
    """One double and one Bolt app for the module."""
    with SlackDouble() as slack:
        slack.add_team("T0BETA", "Beta Bio", domain="betabio")
        slack.add_user("UMARIA", slack.team_id, "maria")
        slack.add_user("UKENJI", "T0BETA", "kenji", tz="Asia/Tokyo")
        slack.add_channel(CHANNEL, "alpha-beta", members=["UMARIA", "UKENJI"], is_ext_shared=True)
        seen: dict[str, list[Any]] = {}
        app = patient(build_app(slack, seen))
        handler = SocketModeConnection(app, slack.app_token, slack.api_url)
        handler.connect()
        server = serve_http(app)
        assert slack.socket.wait_connected()
        yield Setup(slack, f"http://127.0.0.1:{server.server_address[1]}/slack/events", seen)
        server.shutdown()
        handler.close()


def test_bolt_connects_through_apps_connections_open_and_acks_commands(setup: Setup) -> None:
    slack = setup.slack
    assert slack.calls("apps.connections.open")[0].token == slack.app_token
    ack = Person(slack, SocketModeTransport(slack), "UMARIA").run("/ping", channel=CHANNEL)
    assert ack.acked and ack.payload == {"text": "pong"}
    envelope = slack.socket.envelopes[-1]
    assert set(sample("socket_mode/envelope.slash_commands.json")) <= set(envelope)
    assert envelope["accepts_response_payload"] is True and (envelope["retry_attempt"], envelope["retry_reason"]) == (0, "")
    assert set(sample("slash_commands/slash_command.parsed.json")) - {"enterprise_id", "enterprise_name"} <= set(envelope["payload"])
    record = slack.socket.acks[-1]
    assert record.acked and record.envelope_type == "slash_commands" and record.latency == ack.latency


def test_a_modal_opened_by_the_app_is_filled_in_and_answered(setup: Setup) -> None:
    slack = setup.slack
    maria = Person(slack, SocketModeTransport(slack), "UMARIA")
    assert maria.run("/form", channel=CHANNEL).acked
    view = eventually(lambda: slack.open_views("UMARIA"))[-1]
    refused = maria.submit_view({"Name": "taken"})
    assert refused.payload == {"response_action": "errors", "errors": {"name": "Taken"}}
    assert slack.open_views("UMARIA")[-1]["id"] == view["id"]  # errors keep the modal open
    assert maria.submit_view({"Name": "Alpha"}).acked and slack.open_views("UMARIA") == []
    assert setup.seen["submissions"][-2:] == ["taken", "Alpha"]


def test_clicks_carry_the_clickers_own_team_and_respond_goes_to_them(setup: Setup) -> None:
    slack = setup.slack
    blocks = [{"type": "actions", "block_id": "poll", "elements": [
        {"type": "button", "text": {"type": "plain_text", "text": "Support"}, "action_id": "vote", "value": "d1"}]}]
    ts = web(slack).chat_postMessage(channel=CHANNEL, text="vote", blocks=blocks)["ts"]
    kenji = Person(slack, SocketModeTransport(slack), "UKENJI")
    with pytest.raises(AssertionError, match=r"buttons seen: \['Support'\]"):
        kenji.click("Block", channel=CHANNEL)
    assert kenji.click("Support", channel=CHANNEL).acked
    body = eventually(lambda: setup.seen.get("votes"))[-1]
    assert set(sample("interactivity/block_actions.button.json")) <= set(body)
    # In a Slack Connect channel the clicker's company is user.team_id, not team.id.
    assert body["user"]["team_id"] == "T0BETA" and body["team"]["id"] == slack.team_id
    assert body["container"] == {"type": "message", "message_ts": ts, "channel_id": CHANNEL, "is_ephemeral": False}
    assert body["actions"][0]["value"] == "d1" and body["message"]["ts"] == ts
    eventually(lambda: [m for m in slack.ephemerals(CHANNEL, "UKENJI") if m.text == "Thanks for voting"])


def test_home_tab_events_and_clicks_on_home(setup: Setup) -> None:
    slack = setup.slack
    maria = Person(slack, SocketModeTransport(slack), "UMARIA")
    assert maria.open_home().acked
    assert slack.socket.envelopes[-1]["accepts_response_payload"] is False
    event = slack.socket.envelopes[-1]["payload"]
    assert event["type"] == "event_callback" and event["event"]["tab"] == "home" and event["authorizations"][0]["team_id"] == slack.team_id
    eventually(lambda: slack.home_view("UMARIA"))
    assert maria.click("Refresh", home=True).acked
    body = eventually(lambda: setup.seen.get("refresh"))[-1]
    assert body["container"]["type"] == "view" and body["view"]["type"] == "home" and "response_url" not in body
    slack.socket.send("events_api", event, retry_attempt=1, retry_reason="timeout")
    assert eventually(lambda: "1" in setup.seen["retries"])  # Bolt maps retry_attempt to x-slack-retry-num


def test_message_shortcuts_carry_the_message(setup: Setup) -> None:
    slack = setup.slack
    maria = Person(slack, SocketModeTransport(slack), "UMARIA")
    ts = maria.post_message(CHANNEL, "We agree on Q3")
    assert maria.message_shortcut("quote", CHANNEL, ts).acked
    body = eventually(lambda: setup.seen.get("shortcuts"))[-1]
    assert set(sample("interactivity/shortcut.message_action.json")) <= set(body) | {"enterprise"}
    assert body["message"]["text"] == "We agree on Q3" and body["message_ts"] == ts


def test_bolt_reconnects_after_a_disconnect_frame(setup: Setup) -> None:
    slack = setup.slack
    before = slack.socket.opened
    slack.socket.disconnect(reason="refresh_requested")
    eventually(lambda: slack.socket.opened > before and slack.socket.connected == 1)
    assert Person(slack, SocketModeTransport(slack), "UMARIA").run("/ping", channel=CHANNEL).payload == {"text": "pong"}


def test_signed_http_reaches_bolt_and_forgeries_are_refused(setup: Setup) -> None:
    slack = setup.slack
    ack = Person(slack, HttpTransport(slack, setup.app_url), "UMARIA").run("/ping", channel=CHANNEL)
    assert (ack.acked, ack.status, ack.payload) == (True, 200, {"text": "pong"})
    client = SignedHttpClient(setup.app_url, slack.signing_secret)
    form = {"command": "/ping", "text": "", "user_id": "UMARIA", "team_id": slack.team_id, "channel_id": CHANNEL}
    assert client.command(form).status == 200
    for variant in ({"forged": True}, {"stale_seconds": 301}, {"tamper": True}):
        assert client.command(form, **variant).status == 401, variant
    # Bare Bolt 1.30 answers a non-numeric timestamp with 500 (slack_sdk's int() fails); refused either way.
    assert client.command(form, timestamp="abc").status in (401, 500)
    challenge = sample("events/url_verification.json")
    assert json.loads(client.event(challenge).body)["challenge"] == challenge["challenge"]


def test_signatures_are_the_ones_slack_sdk_verifies() -> None:
    signer = SignedHttpClient("http://127.0.0.1:9/", "secret-1")
    verifier = SignatureVerifier("secret-1")
    body, now = b"payload=%7B%7D", str(int(time.time()))
    assert verifier.is_valid(body=body, timestamp=now, signature=signer.sign(body, now))
    assert not verifier.is_valid(body=body, timestamp=now, signature=signer.sign(body, now, "wrong-secret"))
    stale = str(int(time.time()) - 301)
    assert not verifier.is_valid(body=body, timestamp=stale, signature=signer.sign(body, stale))


def test_raw_socket_protocol_hello_acks_timeouts_and_hard_close() -> None:
    with SlackDouble() as slack, connect(slack.socket.new_link()) as ws:
        hello = json.loads(ws.recv(timeout=PATIENCE))
        assert set(sample("socket_mode/hello.json")) <= set(hello) and hello["connection_info"]["app_id"] == slack.app_id
        assert slack.socket.wait_connected()

        def answer() -> None:
            envelope = json.loads(ws.recv(timeout=PATIENCE))
            ws.send(json.dumps({"envelope_id": envelope["envelope_id"], "payload": {"ok": 1}}))

        threading.Thread(target=answer).start()
        assert slack.socket.send("interactive", {"type": "shortcut"}).payload == {"ok": 1}
        late = slack.socket.send("events_api", {"type": "event_callback"}, timeout=0.2)  # nobody will answer it
        assert not late.acked and not slack.socket.acks[-1].acked
        slack.socket.hard_close()
        eventually(lambda: slack.socket.connected == 0)


def test_a_connection_url_opens_one_connection_only() -> None:
    from websockets.exceptions import InvalidStatus

    with SlackDouble() as slack:
        url = slack.socket.new_link()
        with connect(url) as ws:
            assert json.loads(ws.recv(timeout=PATIENCE))["type"] == "hello"
        for used_or_made_up in (url, slack.socket.url + "?ticket=made-up", slack.socket.url):
            with pytest.raises(InvalidStatus) as refused:
                connect(used_or_made_up)
            assert refused.value.response.status_code == 401


def test_a_cut_network_leaves_the_connection_open_but_silent() -> None:
    with SlackDouble() as slack, connect(slack.socket.new_link(), ping_interval=None, close_timeout=0.2) as ws:
        ws.recv(timeout=PATIENCE)  # hello
        assert slack.socket.wait_connected()
        slack.socket.cut_network()
        assert slack.socket.connected == 1  # Slack's side knows nothing either
        pong = ws.ping()
        assert not pong.wait(1.0)  # no pong comes back, and nothing says the connection is gone
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.5)
        with connect(slack.socket.new_link()) as fresh:  # a new connection is not affected
            assert json.loads(fresh.recv(timeout=PATIENCE))["type"] == "hello"
