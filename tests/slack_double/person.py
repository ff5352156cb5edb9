"""People in Slack: they type commands, click buttons they can see and fill in forms by their labels."""
from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any, Literal, Protocol

from tests.slack_double.http_client import SignedHttpClient
from tests.slack_double.socket_mode import AckResult

if TYPE_CHECKING:
    from tests.slack_double.double import SlackDouble

Kind = Literal["slash_commands", "interactive", "events_api"]
# Where each element keeps its value in view_submission state, and its initial value in the view.
VALUE_FIELDS = {"plain_text_input": ("value", "initial_value"), "static_select": ("selected_option", "initial_option"),
                "radio_buttons": ("selected_option", "initial_option"), "multi_static_select": ("selected_options", "initial_options"),
                "checkboxes": ("selected_options", "initial_options"), "users_select": ("selected_user", "initial_user"),
                "multi_users_select": ("selected_users", "initial_users"), "datepicker": ("selected_date", "initial_date"),
                "timepicker": ("selected_time", "initial_time"), "conversations_select": ("selected_conversation", "initial_conversation"),
                "multi_conversations_select": ("selected_conversations", "initial_conversations"), "channels_select": ("selected_channel", "initial_channel")}


class Transport(Protocol):
    def deliver(self, kind: Kind, payload: dict[str, Any]) -> AckResult: ...


class SocketModeTransport:
    """Deliveries as Socket Mode envelopes."""

    def __init__(self, double: SlackDouble) -> None:
        self.double = double

    def deliver(self, kind: Kind, payload: dict[str, Any]) -> AckResult:
        return self.double.socket.send(kind, payload)


class HttpTransport:
    """Deliveries as signed HTTP requests to the app's /slack/events."""

    def __init__(self, double: SlackDouble, app_url: str) -> None:
        self.client = SignedHttpClient(app_url, double.signing_secret)

    def deliver(self, kind: Kind, payload: dict[str, Any]) -> AckResult:
        if kind == "slash_commands":
            result = self.client.command(payload)
        elif kind == "interactive":
            result = self.client.interactive(payload)
        else:
            result = self.client.event(payload)
        body: dict[str, Any] | None = None
        if result.body:
            try:
                body = json.loads(result.body)
            except ValueError:
                body = {"text": result.body.decode("utf-8", "replace")}
        return AckResult(result.status == 200, result.latency, body, result.status)


class Person:
    """One person acting through Slack's UI."""

    def __init__(self, double: SlackDouble, transport: Transport, user_id: str) -> None:
        self.double = double
        self.transport = transport
        self.user_id = user_id

    @property
    def _user(self) -> Any:
        return self.double.ws.users[self.user_id]

    def _user_obj(self) -> dict[str, Any]:
        user = self._user
        return {"id": user.user_id, "username": user.name, "name": user.name, "team_id": user.team_id}

    def _team_obj(self) -> dict[str, Any]:
        team = self.double.ws.home_team
        return {"id": team.team_id, "domain": team.domain}

    def run(self, command: str, text: str = "", *, channel: str) -> AckResult:
        """Type `/command text` in `channel`."""
        channel_obj = self.double.ws.channels.get(channel)
        team = self.double.ws.home_team
        payload = {"token": "verification-token", "team_id": team.team_id, "team_domain": team.domain, "channel_id": channel,
                   "channel_name": channel_obj.name if channel_obj else "unknown", "user_id": self.user_id, "user_name": self._user.name,
                   "command": command, "text": text, "api_app_id": self.double.app_id, "is_enterprise_install": "false",
                   "response_url": self.double.issue_response_url(self.user_id, channel), "trigger_id": self.double.issue_trigger(self.user_id, channel)}
        return self.transport.deliver("slash_commands", payload)

    def post_message(self, channel: str, text: str) -> str:
        """Write a message in a channel; returns its ts."""
        from tests.slack_double.state import Message

        with self.double.ws.lock:
            message = Message(channel, self.double.ws.next_ts(), self.user_id, text, [])
            self.double.ws.messages.setdefault(channel, []).append(message)
        return message.ts

    def _buttons(self, blocks: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        found = []
        for block in blocks:
            elements = block.get("elements", []) if block.get("type") == "actions" else [block.get("accessory") or {}]
            found.extend((block, e) for e in elements if e.get("type") == "button")
        return found

    def click(self, button_text: str, channel: str | None = None, message_ts: str | None = None, home: bool = False) -> AckResult:
        """Click the button labelled `button_text` on the newest message showing it (or on the Home tab)."""
        if home:
            view = self.double.home_view(self.user_id) or {}
            return self._click_in(button_text, view.get("blocks", []), {"type": "view", "view_id": view.get("id")}, view=view)
        seen: list[str] = []
        for message in reversed(self.double.messages(channel or "") + self.double.ephemerals(channel, self.user_id)):
            if message_ts and message.ts != message_ts:
                continue
            labels = [e["text"]["text"] for _, e in self._buttons(message.blocks)]
            seen.extend(labels)
            if button_text in labels:
                container = {"type": "message", "message_ts": message.ts, "channel_id": message.channel, "is_ephemeral": message.ephemeral_to is not None}
                return self._click_in(button_text, message.blocks, container, message=message)
        raise AssertionError(f"no button {button_text!r} in {channel}; buttons seen: {seen}")

    def _click_in(self, text: str, blocks: list[dict[str, Any]], container: dict[str, Any], message: Any = None, view: Any = None) -> AckResult:
        matches = [(b, e) for b, e in self._buttons(blocks) if e["text"]["text"] == text]
        if not matches:
            raise AssertionError(f"no button {text!r}; buttons: {[e['text']['text'] for _, e in self._buttons(blocks)]}")
        block, element = matches[0]
        action = {"action_id": element.get("action_id"), "block_id": block.get("block_id", ""), "text": element["text"], "type": "button",
                  "action_ts": f"{time.time():.6f}"}
        for key in ("value", "style"):
            if key in element:
                action[key] = element[key]
        channel = container.get("channel_id")
        payload: dict[str, Any] = {"type": "block_actions", "user": self._user_obj(), "api_app_id": self.double.app_id, "token": "verification-token",
                                   "container": container, "trigger_id": self.double.issue_trigger(self.user_id, channel), "team": self._team_obj(),
                                   "enterprise": None, "is_enterprise_install": False, "state": {"values": {}}, "actions": [action]}
        if message is not None:
            channel_obj = self.double.ws.channels.get(channel or "")
            payload["channel"] = {"id": channel, "name": channel_obj.name if channel_obj else ""}
            payload["message"] = {"type": "message", "user": message.user, "ts": message.ts, "bot_id": message.bot_id, "text": message.text,
                                  "blocks": message.blocks, "team": self.double.team_id}
            payload["response_url"] = self.double.issue_response_url(self.user_id, channel)
        if view is not None:
            payload["view"] = view
        return self.transport.deliver("interactive", payload)

    def message_shortcut(self, callback_id: str, channel: str, message_ts: str) -> AckResult:
        """Run a message shortcut ("More actions" menu) on a message."""
        message = next(m for m in self.double.messages(channel) if m.ts == message_ts)
        channel_obj = self.double.ws.channels[channel]
        payload = {"type": "message_action", "token": "verification-token", "action_ts": f"{time.time():.6f}", "team": self._team_obj(),
                   "user": self._user_obj(), "channel": {"id": channel, "name": channel_obj.name}, "is_enterprise_install": False,
                   "enterprise": None, "callback_id": callback_id, "trigger_id": self.double.issue_trigger(self.user_id, channel),
                   "response_url": self.double.issue_response_url(self.user_id, channel), "message_ts": message_ts,
                   "message": {"type": "message", "user": message.user, "ts": message.ts, "text": message.text}}
        return self.transport.deliver("interactive", payload)

    def current_view(self) -> dict[str, Any]:
        """The modal on top of this person's stack."""
        stack = self.double.ws.view_stacks.get(self.user_id) or []
        if not stack:
            raise AssertionError(f"{self.user_id} has no open modal")
        return self.double.view(stack[-1])

    def submit_view(self, values: dict[str, Any], view_id: str | None = None) -> AckResult:
        """Fill in the open modal by its labels and press its submit button."""
        view = self.double.view(view_id) if view_id else self.current_view()
        labels = {b["label"]["text"]: b for b in view["blocks"] if b.get("type") == "input"}
        unknown = set(values) - set(labels)
        if unknown:
            raise AssertionError(f"no input labelled {sorted(unknown)}; labels: {sorted(labels)}")
        state: dict[str, Any] = {}
        for label, block in labels.items():
            element = block["element"]
            field, initial = VALUE_FIELDS[element["type"]]
            value = self._value(element, values[label]) if label in values else element.get(initial)
            state[block["block_id"]] = {element.get("action_id", "action"): {"type": element["type"], field: value}}
        submitted = {**view, "state": {"values": state}}
        submitted.pop("user", None)
        payload = {"type": "view_submission", "team": self._team_obj(), "user": self._user_obj(), "api_app_id": self.double.app_id,
                   "token": "verification-token", "trigger_id": self.double.issue_trigger(self.user_id), "view": submitted,
                   "response_urls": [], "is_enterprise_install": False, "enterprise": None}
        result = self.transport.deliver("interactive", payload)
        self._apply(view, result)
        return result

    def _value(self, element: dict[str, Any], given: Any) -> Any:
        kind = element["type"]
        if kind in ("static_select", "radio_buttons"):
            if given in (None, ""):
                return None
            return self._option(element, given)
        if kind in ("multi_static_select", "checkboxes"):
            return [self._option(element, g) for g in given]
        if kind == "plain_text_input":
            return given or None
        return given

    @staticmethod
    def _option(element: dict[str, Any], given: str) -> dict[str, Any]:
        for option in element.get("options", []):
            if given in (option["text"]["text"], option["value"]):
                return option
        raise AssertionError(f"no option {given!r}; options: {[o['text']['text'] for o in element.get('options', [])]}")

    def _apply(self, view: dict[str, Any], result: AckResult) -> None:
        """What Slack does with the ack: keep the modal on errors, replace it on update, else close it."""
        action = (result.payload or {}).get("response_action")
        if not result.acked or action == "errors":
            return
        with self.double.ws.lock:
            stack = self.double.ws.view_stacks.get(self.user_id, [])
            if action == "update":
                self.double.api._store_view(result.payload["view"], self.user_id, view_id=view["id"])  # type: ignore[index]
            elif action == "push":
                stored = self.double.api._store_view(result.payload["view"], self.user_id, previous=view["id"])  # type: ignore[index]
                stack.append(stored["id"])
            elif action == "clear":
                stack.clear()
            elif stack and stack[-1] == view["id"]:
                stack.pop()

    def open_home(self) -> AckResult:
        """Open the app's Home tab."""
        event = {"type": "app_home_opened", "user": self.user_id, "channel": self.double.ws.dm_channel(self.user_id).channel_id,
                 "tab": "home", "event_ts": f"{time.time():.6f}"}
        if self.double.home_view(self.user_id):
            event["view"] = self.double.home_view(self.user_id)
        return self.transport.deliver("events_api", event_envelope(self.double, event))


def event_envelope(double: SlackDouble, event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    """An Events API `event_callback` in Slack's shape."""
    return {"token": "verification-token", "team_id": double.team_id, "api_app_id": double.app_id, "event": event, "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}", "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": double.team_id, "user_id": double.bot_user_id, "is_bot": True,
                                "is_enterprise_install": False}], "is_ext_shared_channel": False, "event_context": uuid.uuid4().hex}
