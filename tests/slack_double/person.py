"""People in Slack: they type commands, click what they can see and fill in modals by their labels."""
from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Literal, Protocol

from tests.slack_double.clock import PATIENCE
from tests.slack_double.http_client import SignedHttpClient
from tests.slack_double.payloads import (
    MULTI,
    TEXT_INPUTS,
    VALUE_FIELDS,
    VERIFICATION_TOKEN,
    event_envelope,
    message_obj,
    now_ts,
    state_values,
    stateful_elements,
    team_obj,
    user_obj,
    view_for_payload,
)
from tests.slack_double.socket_mode import AckResult
from tests.slack_double.state import Message
from tests.slack_double.view_acks import apply_submission_ack

if TYPE_CHECKING:
    from tests.slack_double.double import SlackDouble

Kind = Literal["slash_commands", "interactive", "events_api"]

# Slack's help article "Slack Connect guide: work with external partners".
CONNECT_GUIDE = "slack.com/help/articles/115004151203"


class NotOffered(AssertionError):
    """Something Slack's client does not offer this person, so Slack never sends the app a payload for it."""


class Transport(Protocol):
    """How Slack reaches the app: Socket Mode envelopes or signed HTTP requests."""

    def deliver(self, kind: Kind, payload: dict[str, Any]) -> AckResult: ...

    def deliver_burst(self, kind: Kind, payloads: list[dict[str, Any]], timeout: float = PATIENCE) -> list[AckResult]: ...


class SocketModeTransport:
    """Deliveries as Socket Mode envelopes over the double's WebSocket server."""

    def __init__(self, double: SlackDouble, timeout: float = PATIENCE) -> None:
        self.double = double
        self.timeout = timeout

    def deliver(self, kind: Kind, payload: dict[str, Any]) -> AckResult:
        """Send one envelope and wait for its ack."""
        return self.double.socket.send(kind, payload, timeout=self.timeout)

    def deliver_burst(self, kind: Kind, payloads: list[dict[str, Any]], timeout: float = PATIENCE) -> list[AckResult]:
        """Every envelope written to the connection back to back, then the acks awaited."""
        return self.double.socket.send_burst([(kind, payload) for payload in payloads], timeout=timeout)


class HttpTransport:
    """Deliveries as signed HTTP requests to the app's endpoint (e.g. /slack/events)."""

    def __init__(self, double: SlackDouble, app_url: str) -> None:
        self.client = SignedHttpClient(app_url, double.signing_secret)

    def deliver_burst(self, kind: Kind, payloads: list[dict[str, Any]], timeout: float = PATIENCE) -> list[AckResult]:
        """Every request at once, as Slack sends many people's clicks: each on its own connection."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(64, max(1, len(payloads)))) as pool:
            return list(pool.map(lambda payload: self.deliver(kind, payload), payloads))

    def deliver(self, kind: Kind, payload: dict[str, Any]) -> AckResult:
        """POST in the wire format of `kind`; acked means HTTP 200, as Slack counts it."""
        if kind == "slash_commands":
            result = self.client.command(payload)
        elif kind == "interactive":
            result = self.client.interactive(payload)
        else:
            result = self.client.event(payload)
        body: dict[str, Any] | None = None
        if result.body:
            try:
                parsed = json.loads(result.body)
                body = parsed if isinstance(parsed, dict) else {"text": result.body.decode("utf-8", "replace")}
            except ValueError:
                body = {"text": result.body.decode("utf-8", "replace")}
        return AckResult(result.status == 200, result.latency, body, result.status)


class Person:
    """One person acting through Slack's UI."""

    def __init__(self, double: SlackDouble, transport: Transport, user_id: str) -> None:
        self.double = double
        self.transport = transport
        self.user_id = user_id
        if user_id not in double.ws.users:
            raise AssertionError(f"{user_id} is not a user of the double; add_user() first")

    # -- what Slack's client offers this person -----------------------------------------------------
    def _needs_installed_app(self, what: str) -> None:
        """Refuse an app entry point that only people of an organisation that installed the app get.

        "Shortcuts associated with apps are available to people from other organizations if an app
        is installed to their workspace" (the Slack Connect guide); slash commands and App Home
        likewise belong to the installing organisation (PLATFORM-NOTES §1.8). Clicks on the app's
        messages, and the modals they open, stay open to everyone in the channel.
        """
        ws = self.double.ws
        team_id = ws.users[self.user_id].team_id
        team = ws.teams.get(team_id)
        if team is None or not team.app_installed:
            name = team.name if team else team_id
            raise NotOffered(f"{self.user_id} cannot {what}: their organisation ({name}) has not installed the app, and Slack "
                             f"offers an app's slash commands, shortcuts and App Home only to people of an organisation that "
                             f"did ({CONNECT_GUIDE}; PLATFORM-NOTES §1.8); they can click the app's buttons and menus")

    def _installation(self) -> str:
        """The team of the installation this person's own commands, shortcuts and App Home go through: their
        organisation's (only people whose organisation installed the app get those entry points)."""
        with self.double.ws.lock:
            return self.double.ws.serving(self.user_id).team_id

    def _delivered_to(self, kind: str, surface: Any) -> str:
        """The team of the installation a click on this message or view is delivered to.

        A message: the installation whose bot posted it (block_actions `team.id`, PLATFORM-NOTES §1.6 /
        java-slack-sdk #1041: the installed workspace while `user.team_id` is the clicker's); a person's
        own message, the home one. A modal or Home tab: the installation that opened or published it.
        That installation must still be installed (assumed: Slack has no one to deliver to otherwise).
        """
        ws = self.double.ws
        with ws.lock:
            shown_by = surface.team_id if kind == "message" else surface.get("app_installed_team_id")
            team_id = shown_by or ws.home_team.team_id
            if not ws.teams[team_id].app_installed:
                raise NotOffered(f"{self.user_id} cannot use the app's {kind}: the installation that showed it ({team_id}) has been "
                                 f"uninstalled, so Slack has no installation to deliver the click to (assumed)")
            return team_id

    def _may_use_apps_in(self, channel: str | None, what: str) -> None:
        """Refuse any use of apps by someone with "post only" permission in the channel (PLATFORM-NOTES §1.8)."""
        found = self.double.ws.channels.get(channel or "")
        if found is not None and self.user_id in found.post_only:
            raise NotOffered(f"{self.user_id} cannot {what} in {channel}: people with \"post only\" permission in a Slack "
                             f"Connect channel cannot use workflows or apps (PLATFORM-NOTES §1.8), so Slack delivers nothing")

    # -- typing -----------------------------------------------------------------------------------
    def run(self, command: str, text: str = "", channel: str | None = None) -> AckResult:
        """Type `/command text` in `channel` (only people whose organisation installed the app can)."""
        if channel is None:
            raise TypeError("run() needs the channel the command is typed in")
        self._needs_installed_app(f"run {command}")
        self._may_use_apps_in(channel, f"run {command}")
        ws = self.double.ws
        # Through the person's own organisation's installation: its team_id, its trigger and response_url.
        team = ws.teams[self._installation()]
        channel_obj = ws.channels.get(channel)
        # Form fields are strings on the wire (is_enterprise_install too); Socket Mode carries the same fields.
        payload = {"token": VERIFICATION_TOKEN, "team_id": team.team_id, "team_domain": team.domain, "channel_id": channel,
                   "channel_name": channel_obj.name if channel_obj else "directmessage", "user_id": self.user_id,
                   "user_name": ws.users[self.user_id].name, "command": command, "text": text, "api_app_id": self.double.app_id,
                   "is_enterprise_install": "false",
                   "response_url": self.double.issue_response_url(self.user_id, channel, team_id=team.team_id),
                   "trigger_id": self.double.issue_trigger(self.user_id, channel, team_id=team.team_id)}
        return self.transport.deliver("slash_commands", payload)

    def post_message(self, channel: str, text: str, thread_ts: str | None = None) -> str:
        """Write a message in a channel (no event is sent); returns its ts."""
        with self.double.ws.lock:
            message = Message(channel, self.double.ws.next_ts(), self.user_id, text, [], thread_ts=thread_ts)
            self.double.ws.messages.setdefault(channel, []).append(message)
        return message.ts

    # -- clicking and choosing ----------------------------------------------------------------------
    def _surfaces(self, channel: str | None, message_ts: str | None, home: bool) -> list[tuple[str, Any]]:
        """What the person can see, newest first: ("message", Message) or ("view", view dict)."""
        if home:
            view = self.double.home_view(self.user_id)
            return [("view", view)] if view else []
        if channel is None:
            stack = self.double.open_views(self.user_id)
            home_view = self.double.home_view(self.user_id)
            return [("view", v) for v in stack[-1:]] + ([("view", home_view)] if home_view else [])
        visible = self.double.messages(channel) + self.double.ephemerals(channel, self.user_id)
        visible = [m for m in visible if message_ts is None or m.ts == message_ts]
        return [("message", m) for m in sorted(visible, key=lambda m: float(m.ts), reverse=True)]

    def click(self, button_text: str, channel: str | None = None, message_ts: str | None = None, home: bool = False) -> AckResult:
        """Click the button showing `button_text` on the newest message that has one (or the open modal, or Home)."""
        return self.transport.deliver("interactive", self.click_payload(button_text, channel, message_ts, home))

    def click_payload(self, button_text: str, channel: str | None = None, message_ts: str | None = None,
                      home: bool = False) -> dict[str, Any]:
        """The block_actions payload Slack would send for that click (with the whole current message), not sent:
        for bursts, where many people's clicks leave together (`deliver_burst`)."""
        seen: list[str] = []
        for kind, surface in self._surfaces(channel, message_ts, home):
            blocks = surface.blocks if kind == "message" else surface.get("blocks", [])
            for block, element in _buttons(blocks):
                seen.append(element["text"]["text"])
                if element["text"]["text"] == button_text:
                    action = {"action_id": element.get("action_id"), "block_id": block.get("block_id"), "text": element["text"],
                              "type": "button", "action_ts": now_ts()}
                    action.update({k: element[k] for k in ("value", "style", "url") if k in element})
                    return self._action_payload(kind, surface, action)
        where = f"channel {channel}" if channel else ("the Home tab" if home else "the open modal or Home tab")
        raise AssertionError(f"no button {button_text!r} in {where}; buttons seen: {seen}")

    def select(self, label_or_placeholder: str, option_text: str, channel: str | None = None, message_ts: str | None = None,
               home: bool = False) -> AckResult:
        """Choose an option in a static select (found by its input label or placeholder); Slack sends block_actions."""
        seen: list[str] = []
        for kind, surface in self._surfaces(channel, message_ts, home):
            blocks = surface.blocks if kind == "message" else surface.get("blocks", [])
            for block, element in stateful_elements(blocks):
                names = [block.get("label", {}).get("text"), element.get("placeholder", {}).get("text")]
                seen.extend(n for n in names if n)
                if element["type"] != "static_select" or label_or_placeholder not in names:
                    continue
                if block["type"] == "input" and not block.get("dispatch_action"):
                    raise AssertionError(f"{label_or_placeholder!r} is an input without dispatch_action: Slack sends nothing until submit")
                action = {"type": "static_select", "action_id": element.get("action_id"), "block_id": block.get("block_id"),
                          "selected_option": _option(element, option_text), "action_ts": now_ts()}
                if "placeholder" in element:
                    action["placeholder"] = element["placeholder"]
                return self._act(kind, surface, action)
        raise AssertionError(f"no static select {label_or_placeholder!r}; selects seen: {seen}")

    def choose_from_menu(self, next_to: str, option_text: str, channel: str, message_ts: str | None = None) -> AckResult:
        """Open the overflow menu (⋮) of the section whose text contains `next_to`, on the newest message that has one,
        and choose `option_text`; Slack sends block_actions with the `selected_option` (shape: the recorded
        fixtures/slack/interactivity/block_actions.overflow.json)."""
        for kind, surface in self._surfaces(channel, message_ts, home=False):
            for block in surface.blocks:
                accessory = block.get("accessory") or {}
                if block.get("type") != "section" or accessory.get("type") != "overflow" or next_to not in block["text"]["text"]:
                    continue
                action = {"type": "overflow", "action_id": accessory.get("action_id"), "block_id": block.get("block_id") or "menu",
                          "selected_option": _option(accessory, option_text), "action_ts": now_ts()}
                return self._act(kind, surface, action)
        raise AssertionError(f"no overflow menu next to {next_to!r} in {channel}")

    def _act(self, kind: str, surface: Any, action: dict[str, Any]) -> AckResult:
        """Send block_actions for `action` on a message or a view, as Slack builds it."""
        return self.transport.deliver("interactive", self._action_payload(kind, surface, action))

    def _action_payload(self, kind: str, surface: Any, action: dict[str, Any]) -> dict[str, Any]:
        """block_actions for `action` on a message or a view, as Slack builds it."""
        d = self.double
        if kind == "message":
            self._may_use_apps_in(surface.channel, f"use {action.get('type', 'an element')} {action.get('action_id')!r}")
        installation = self._delivered_to(kind, surface)
        # team: the installation the click is delivered to; user.team_id: the clicker's own (PLATFORM-NOTES §1.6).
        payload: dict[str, Any] = {"type": "block_actions", "user": user_obj(d, self.user_id), "api_app_id": d.app_id,
                                   "token": VERIFICATION_TOKEN, "trigger_id": d.issue_trigger(self.user_id, team_id=installation),
                                   "team": team_obj(d, installation), "enterprise": None, "is_enterprise_install": False}
        if kind == "message":
            message: Message = surface
            channel = d.ws.channels.get(message.channel)
            payload["container"] = {"type": "message", "message_ts": message.ts, "channel_id": message.channel,
                                    "is_ephemeral": message.ephemeral_to is not None}
            payload["channel"] = {"id": message.channel, "name": channel.name if channel else "directmessage"}
            if message.ephemeral_to is None:  # Slack leaves the message out for ephemeral ones
                payload["message"] = message_obj(d, message)
            payload["state"] = {"values": state_values(message.blocks, submission=False)}
            payload["response_url"] = d.issue_response_url(self.user_id, message.channel, message.ts, team_id=installation)
        else:
            payload["container"] = {"type": "view", "view_id": surface["id"]}
            payload["view"] = view_for_payload(surface, state_values(surface.get("blocks", []), submission=False))
        payload["actions"] = [action]
        return payload

    def message_shortcut(self, callback_id: str, channel: str, message_ts: str) -> AckResult:
        """Run a message shortcut ("More actions" on a message; only for people whose organisation installed the app)."""
        self._needs_installed_app(f"use the message shortcut {callback_id!r}")
        self._may_use_apps_in(channel, f"use the message shortcut {callback_id!r}")
        d = self.double
        message = d.ws.find_message(channel, message_ts)
        if message is None:
            raise AssertionError(f"no message {message_ts} in {channel}")
        team = self._installation()  # the person's own organisation's installation, whoever posted the message
        payload = {"type": "message_action", "token": VERIFICATION_TOKEN, "action_ts": now_ts(), "team": team_obj(d, team),
                   "user": user_obj(d, self.user_id), "channel": {"id": channel, "name": d.ws.channels[channel].name},
                   "is_enterprise_install": False, "enterprise": None, "callback_id": callback_id,
                   "trigger_id": d.issue_trigger(self.user_id, channel, team_id=team), "message_ts": message_ts,
                   "message": message_obj(d, message), "response_url": d.issue_response_url(self.user_id, channel, message_ts, team_id=team)}
        return self.transport.deliver("interactive", payload)

    # -- modals -----------------------------------------------------------------------------------
    def current_view(self) -> dict[str, Any]:
        """The modal on top of this person's stack."""
        stack = self.double.open_views(self.user_id)
        if not stack:
            raise AssertionError(f"{self.user_id} has no open modal")
        return stack[-1]

    def submit_view(self, values: dict[str, Any], view_id: str | None = None) -> AckResult:
        """Fill in the open modal by input labels and press its submit button; Slack then applies the app's answer."""
        view = self.current_view()
        if view_id is not None and view["id"] != view_id:
            raise AssertionError(f"view {view_id} is not the modal {self.user_id} has on top ({view['id']})")
        if not view.get("submit"):
            raise AssertionError(f"modal {view['id']} has no submit button")
        inputs = {b["label"]["text"]: b for b in view["blocks"] if b.get("type") == "input"}
        unknown = sorted(set(values) - set(inputs))
        if unknown:
            raise AssertionError(f"no input labelled {unknown}; labels: {sorted(inputs)}")
        chosen = {(b["block_id"], b["element"]["action_id"]): _typed_value(label, b["element"], values[label])
                  for label, b in inputs.items() if label in values}
        state = state_values(view["blocks"], chosen, submission=True)
        for label, block in inputs.items():
            entry = state[block["block_id"]][block["element"]["action_id"]]
            field = VALUE_FIELDS[block["element"]["type"]][0]
            if not block.get("optional") and entry.get(field) in (None, "", []):
                raise AssertionError(f"Slack would not submit: required input {label!r} is empty")
        d = self.double
        installation = self._delivered_to("view", view)
        # view_submission from a Slack Connect channel (interactivity/view_submission.slack_connect.json): `team` and
        # `view.team_id` are the submitter's side, `view.app_installed_team_id` the installation that opened the view
        # (kept in the stored view), which the submission is delivered to.
        submitter_team = self._submitter_team()
        submitted = {**view_for_payload(view, state), "team_id": submitter_team}
        payload = {"type": "view_submission", "team": team_obj(d, submitter_team),
                   "user": user_obj(d, self.user_id), "api_app_id": d.app_id, "token": VERIFICATION_TOKEN,
                   "trigger_id": d.issue_trigger(self.user_id, team_id=installation), "view": submitted, "response_urls": [],
                   "is_enterprise_install": False, "enterprise": None}
        result = self.transport.deliver("interactive", payload)
        apply_submission_ack(d, self.user_id, view, result)
        return result

    def close_view(self) -> AckResult | None:
        """Press the modal's close button; the app hears of it only when the view asked for notify_on_close."""
        view = self.current_view()
        with self.double.ws.lock:
            self.double.ws.view_stacks[self.user_id].pop()
        if not view.get("notify_on_close"):
            return None
        self._delivered_to("view", view)
        # As view_submission: `team` and `view.team_id` the closer's side, `view.app_installed_team_id` the opener.
        submitter_team = self._submitter_team()
        payload = {"type": "view_closed", "team": team_obj(self.double, submitter_team), "user": user_obj(self.double, self.user_id),
                   "api_app_id": self.double.app_id, "token": VERIFICATION_TOKEN,
                   "view": {**view_for_payload(view), "team_id": submitter_team},
                   "is_cleared": False, "is_enterprise_install": False, "enterprise": None}
        return self.transport.deliver("interactive", payload)

    def _submitter_team(self) -> str:
        """The person's own team for `team` / `view.team_id` of their view payloads (the home team if the double
        does not know it)."""
        user_team = self.double.ws.users[self.user_id].team_id
        return user_team if user_team in self.double.ws.teams else self.double.team_id

    # -- Home -------------------------------------------------------------------------------------
    def global_shortcut(self, callback_id: str) -> AckResult:
        """Run a global shortcut from the shortcuts menu (only for people whose organisation installed the app)."""
        self._needs_installed_app(f"use the global shortcut {callback_id!r}")
        d = self.double
        team = self._installation()
        payload = {"type": "shortcut", "token": VERIFICATION_TOKEN, "action_ts": now_ts(), "team": team_obj(d, team),
                   "user": user_obj(d, self.user_id), "is_enterprise_install": False, "enterprise": None,
                   "callback_id": callback_id, "trigger_id": d.issue_trigger(self.user_id, team_id=team)}
        return self.transport.deliver("interactive", payload)

    # -- reactions --------------------------------------------------------------------------------
    def react(self, channel: str, message_ts: str, reaction: str) -> AckResult:
        """Add an emoji reaction to a message: Slack sends `reaction_added` whoever reacts, external people included.

        Its shape is the recorded one (tests/fixtures/slack/events/slack_connect/): the event names
        the reacting user but carries no team of theirs (PLATFORM-NOTES §1.6), and in a shared
        channel `is_ext_shared_channel` is true while `authorizations` name one installation that can
        see it: which one, `double.event_authorization` decides (`SlackDouble.channel_event`).
        """
        ws = self.double.ws
        with ws.lock:
            found = ws.channels.get(channel)
            message = ws.find_message(channel, message_ts)
            if found is None or self.user_id not in found.members:
                raise AssertionError(f"{self.user_id} is not in {channel}, so cannot react there")
            if message is None:
                raise AssertionError(f"no message {message_ts} in {channel}")
            item_user = message.user
        event = {"type": "reaction_added", "user": self.user_id, "item": {"type": "message", "channel": channel, "ts": message_ts},
                 "reaction": reaction, "item_user": item_user, "event_ts": now_ts()}
        return self.transport.deliver("events_api", self.double.channel_event(channel, event))

    # -- Home -------------------------------------------------------------------------------------
    def open_home(self) -> AckResult:
        """Open the app's Home tab: an app_home_opened event (only for people whose organisation installed the app)."""
        self._needs_installed_app("open the app's Home tab")
        # Their own organisation's installation: its DM with them is the Home tab's channel, and it is the
        # one the event is authorised for (outer team_id and authorizations[0]).
        team = self._installation()
        with self.double.ws.lock:
            channel = self.double.ws.dm_channel(self.user_id, team).channel_id
        event: dict[str, Any] = {"type": "app_home_opened", "user": self.user_id, "channel": channel, "tab": "home",
                                 "event_ts": now_ts()}
        home = self.double.home_view(self.user_id, team)
        if home:
            event["view"] = view_for_payload(home)
        return self.transport.deliver("events_api", event_envelope(self.double, event, team_id=team))


def _buttons(blocks: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(block, button) for buttons in actions blocks and section accessories."""
    found: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for block in blocks:
        elements = block.get("elements", []) if block.get("type") == "actions" else [block.get("accessory") or {}]
        found.extend((block, e) for e in elements if isinstance(e, dict) and e.get("type") == "button")
    return found


def _option(element: dict[str, Any], given: str) -> dict[str, Any]:
    """The option object whose visible text (or value) is `given`."""
    options = element.get("options") or [o for g in element.get("option_groups", []) for o in g.get("options", [])]
    for option in options:
        if given in (option["text"]["text"], option["value"]):
            return option
    raise AssertionError(f"no option {given!r}; options: {[o['text']['text'] for o in options]}")


def _typed_value(label: str, element: dict[str, Any], given: Any) -> Any:
    """A person's input turned into the value Slack puts in state, refusing what Slack's client would refuse."""
    kind = element["type"]
    if kind in ("static_select", "radio_buttons", "external_select"):
        return _option(element, given) if given not in (None, "") else None
    if kind in ("multi_static_select", "checkboxes", "multi_external_select"):
        return [_option(element, g) for g in given]
    if kind in MULTI:
        return list(given)
    if kind in TEXT_INPUTS:
        text = str(given) if given not in (None, "") else None
        if text is not None and not int(element.get("min_length", 0)) <= len(text) <= int(element.get("max_length", 3000)):
            raise AssertionError(f"Slack would not submit {label!r}: length {len(text)} outside the input's min/max length")
        return text
    if kind == "datepicker" and given and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(given)):
        raise AssertionError(f"{label!r}: a datepicker gives YYYY-MM-DD, not {given!r}")
    if kind == "timepicker" and given and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", str(given)):
        raise AssertionError(f"{label!r}: a timepicker gives HH:mm, not {given!r}")
    return given or None
