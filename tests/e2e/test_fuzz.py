"""Hostile and malformed input to every command and every interactive payload: no crash, everyone answered.

Commands come from the manifest, action and callback ids from bot/views/ids.py, so a new
feature's listeners are fuzzed as soon as they are registered. Each case runs as its own person in
its own channel, so every answer can be traced to the input that caused it.
"""
from __future__ import annotations

import logging
import random
import re
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.domain.alliance import Alliance, MemberMapping, Partner
from bot.manifest import load_manifest
from bot.views.ids import Action, Block, Callback
from storage.alliances import save_alliance
from tests.e2e.conftest import CHANNEL, HOME, PARTNER, RunningBot, bot_on_sqlite, eventually
from tests.slack_double import SlackDouble
from tests.slack_double.payloads import VERIFICATION_TOKEN, now_ts
from tests.trust_profiles import FUZZ_ROUNDS

HOSTILE: tuple[Any, ...] = (
    "", " ", "\n\t\n", "help", "x" * 5000, "Ünïcødé 期限 🚀 \u202etxet\u202c \u200b", "\x00\x01\x7f", "<!channel> <!here> <@UMARIA> <#C0ALLIANCE>",
    "'; DROP TABLE decisions; --", "{{7*7}} ${jndi:ldap://x/a} %s%n", "../../../etc/passwd", "<script>alert(1)</script>",
    "*bold* _it_ ~st~ `code` ```block``` > quote", '{"v":1,"decision":1}', "done 99999999999999999999999", "by 2026-13-45",
    "in -5 days", "tomorrow 25:99", "@nobody by yesterday", "list mine", "setup " + "ü" * 3000, "1e309", "-1", "NaN",
)
BAD_VALUES: tuple[Any, ...] = (None, "", "garbage", "{}", "[]", "null", '{"v":1,"decision":999999}', '{"v":1,"decision":"x"}', '{"v":2}',
                               '{"v":1,"decision":-1}', '{"v":1,"decision":1e400}', '{"v":1,"channel_id":7}', '{"v":1,"channel_id":"C0NOPE"}',
                               '{"v":1,"decision":1}', "x" * 4000, 12, [1], {"v": 1})
ELEMENTS = (("plain_text_input", "value"), ("datepicker", "selected_date"), ("timepicker", "selected_time"),
            ("multi_users_select", "selected_users"), ("users_select", "selected_user"), ("static_select", "selected_option"),
            ("checkboxes", "selected_options"), ("datetimepicker", "selected_date_time"), ("conversations_select", "selected_conversation"))
# Names Slack gives its form fields and envelope keys and values: the HTTP edge must tell requests apart by
# how they are sent, so a person typing one of these words changes nothing (issue #18).
SLACK_FIELD_NAMES = ("payload", "type", "token", "challenge", "command", "text", "ssl_check", "event", "event_id", "trigger_id",
                     "response_url", "team_id", "user_id", "api_app_id", "view", "actions", "url_verification", "event_callback",
                     "block_actions", "view_submission", "envelope_id")
ANSWERING = {"chat.postEphemeral", "chat.postMessage", "views.open", "views.update", "views.push", "chat.update"}


@dataclass
class Case:
    """One hostile delivery, by its own person in its own channel."""

    label: str
    kind: str
    user: str
    channel: str
    trigger: str
    status: int = 0
    ack_body: Any = None
    ignored: bool = False  # Bolt has no listener for it (Slack never sends it): nothing to answer
    calls_before: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def wrong(rng: random.Random, element: str, field_name: str) -> Any:
    """A value for an input: sometimes plausible, often of the wrong type or shape."""
    text = rng.choice(HOSTILE)
    return rng.choice([text, None, 12, [text], {"value": text}, ["UNOPE", "U" + "9" * 40], "2026-02-30", "-1", {"value": "x", "text": 3},
                       1e300 if field_name == "selected_date_time" else text])


def state_for(rng: random.Random) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for block in list(Block) + [f"partner_{n}_{p}" for n in (1, 2, 3) for p in ("name", "team", "members")]:
        if rng.random() < 0.3:
            continue
        kind, name = rng.choice(ELEMENTS)
        values[str(block)] = {f"a{rng.randrange(9)}": {"type": kind, name: wrong(rng, kind, name)}}
    return {"values": values}


class Fuzzer:
    def __init__(self, bot: RunningBot, rng: random.Random) -> None:
        self.bot, self.rng, self.cases, self.n = bot, rng, [], 0
        # Cases are independent (own person, own channel), so deliveries go out several at a time,
        # as Slack's would; the cases themselves are made one by one.
        self.pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="fuzz")
        self.sent: list[Future[None]] = []

    def new_case(self, label: str, kind: str) -> Case:
        self.n += 1
        user, channel = f"UFZ{self.n:05d}", f"CFZ{self.n:05d}"
        slack = self.bot.slack
        slack.add_user(user, HOME if self.n % 3 else PARTNER, f"fuzz{self.n}")
        slack.add_channel(channel, f"fuzz-{self.n}", members=[user, "UKENJI"], is_ext_shared=True)
        if self.n % 2:  # half of them in a channel whose alliance is set up, so deeper paths run too
            with self.bot.services.db.write() as session:
                save_alliance(session, self.bot.services.default_installation_id,
                              Alliance(channel, "Fuzz", MemberMapping.SLACK_TEAM, (Partner("Alpha", HOME), Partner("Beta", PARTNER))),
                              by_user=user, now=self.bot.services.clock.now())
        case = Case(label, kind, user, channel, slack.issue_trigger(user, channel), calls_before=len(slack.calls()))
        self.cases.append(case)
        return case

    def deliver(self, case: Case, payload: dict[str, Any]) -> None:
        self.sent.append(self.pool.submit(self._deliver, case, payload))

    def _deliver(self, case: Case, payload: dict[str, Any]) -> None:
        result = self.bot.transport.deliver(case.kind, payload)
        case.status, case.ack_body = result.status or (200 if result.acked else 0), result.payload
        case.ignored = case.status == 404

    def wait_for_acks(self) -> None:
        for future in self.sent:
            future.result()
        self.pool.shutdown()

    def command(self, command: str, text: Any, drop: str | None = None) -> None:
        case = self.new_case(f"{command} {str(text)[:40]!r} drop={drop}", "slash_commands")
        slack = self.bot.slack
        payload = {"token": VERIFICATION_TOKEN, "team_id": slack.team_id, "team_domain": "alphapharma", "channel_id": case.channel,
                   "channel_name": "fuzz", "user_id": case.user, "user_name": "fuzz", "command": command, "text": text,
                   "api_app_id": slack.app_id, "is_enterprise_install": "false",
                   "response_url": slack.issue_response_url(case.user, case.channel), "trigger_id": case.trigger}
        if drop:
            payload.pop(drop)
        self.deliver(case, payload)

    def base(self, case: Case, kind: str) -> dict[str, Any]:
        slack = self.bot.slack
        return {"type": kind, "user": {"id": case.user, "username": "fuzz", "name": "fuzz", "team_id": slack.team_id},
                "api_app_id": slack.app_id, "token": VERIFICATION_TOKEN, "trigger_id": case.trigger,
                "team": {"id": slack.team_id, "domain": "alphapharma"}, "enterprise": None, "is_enterprise_install": False}

    def action(self, action_id: str, value: Any, mangle: str | None = None) -> None:
        case = self.new_case(f"action {action_id} {str(value)[:40]!r} {mangle}", "interactive")
        slack = self.bot.slack
        payload = self.base(case, "block_actions")
        ts = now_ts()
        payload.update({"container": {"type": "message", "message_ts": ts, "channel_id": case.channel, "is_ephemeral": False},
                        "channel": {"id": case.channel, "name": "fuzz"},
                        "message": {"type": "message", "ts": ts, "text": "x", "blocks": [], "user": slack.bot_user_id},
                        "state": state_for(self.rng), "response_url": slack.issue_response_url(case.user, case.channel, ts),
                        "actions": [{"action_id": action_id, "block_id": "b", "type": "button", "action_ts": ts, "value": value,
                                     "text": {"type": "plain_text", "text": "x"}}]})
        if mangle == "no-value":
            payload["actions"][0].pop("value")
        elif mangle == "no-channel":
            for key in ("channel", "container", "message", "response_url"):
                payload.pop(key)
        elif mangle == "user-string":
            payload["user"] = case.user
            case.extra["nobody"] = True
        elif mangle == "in-modal":
            for key in ("channel", "message", "response_url"):
                payload.pop(key)
            payload["container"] = {"type": "view", "view_id": "V0FUZZ"}
            payload["view"] = self.view(Callback.START_DECISION, value)
        self.deliver(case, payload)

    def view(self, callback_id: str, metadata: Any) -> dict[str, Any]:
        return {"id": "V0FUZZ", "team_id": self.bot.slack.team_id, "type": "modal", "callback_id": callback_id,
                "private_metadata": metadata, "blocks": [], "state": state_for(self.rng), "hash": "1.x",
                "title": {"type": "plain_text", "text": "x"}, "app_id": self.bot.slack.app_id}

    def submission(self, callback_id: str, metadata: Any, mangle: str | None = None) -> None:
        case = self.new_case(f"view {callback_id} {str(metadata)[:40]!r} {mangle}", "interactive")
        payload = self.base(case, "view_submission")
        payload.update({"view": self.view(callback_id, metadata), "response_urls": []})
        if mangle == "no-state":
            payload["view"].pop("state")
        elif mangle == "values-list":
            payload["view"]["state"] = {"values": []}
        self.deliver(case, payload)

    def shortcut(self, callback_id: str, kind: str) -> None:
        case = self.new_case(f"shortcut {callback_id}", "interactive")
        payload = self.base(case, kind)
        payload.update({"callback_id": callback_id, "action_ts": now_ts()})
        if kind == "message_action":
            ts = now_ts()
            payload.update({"channel": {"id": case.channel, "name": "fuzz"}, "message_ts": ts,
                            "message": {"type": "message", "ts": ts, "text": self.rng.choice(HOSTILE), "user": "UKENJI"},
                            "response_url": self.bot.slack.issue_response_url(case.user, case.channel, ts)})
        self.deliver(case, payload)

    def answered(self, case: Case) -> bool:
        if case.ignored or (isinstance(case.ack_body, dict) and case.ack_body):
            return True
        if case.extra.get("nobody"):  # no user id in the payload: acknowledged, and nobody to answer
            return case.status == 200
        slack = self.bot.slack
        if slack.ephemerals(user=case.user) or slack.open_views(case.user) or slack.messages(case.channel):
            return True
        with slack.ws.lock:
            dm = slack.ws.dm_channel(case.user).channel_id
        return bool(slack.messages(dm))


def commands() -> list[tuple[str, list[str]]]:
    found = []
    for entry in load_manifest()["features"].get("slash_commands", []):
        words = sorted(set(re.findall(r"[a-z]+", entry.get("usage_hint", ""))) - {"proposal", "text", "id", "date"})
        found.append((entry["command"], words))
    return found


@pytest.fixture
def fuzzed(slack: SlackDouble, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Iterator[tuple[Fuzzer, pytest.LogCaptureFixture]]:
    """The app over signed HTTP on SQLite: HTTP shows at once when Bolt has no listener for an id (404),
    where Socket Mode would leave the envelope unacknowledged until the double's timeout."""
    caplog.set_level(logging.WARNING)
    with bot_on_sqlite(slack, tmp_path, "http") as bot:
        yield from _fuzzer(bot, caplog)


@pytest.fixture(params=["socket", "http"])
def fuzzed_transports(request: pytest.FixtureRequest, slack: SlackDouble, tmp_path: Path,
                      caplog: pytest.LogCaptureFixture) -> Iterator[tuple[Fuzzer, pytest.LogCaptureFixture]]:
    """The app over Socket Mode and over signed HTTP, on SQLite."""
    caplog.set_level(logging.WARNING)
    with bot_on_sqlite(slack, tmp_path, request.param) as bot:
        yield from _fuzzer(bot, caplog)


def _fuzzer(bot: RunningBot, caplog: pytest.LogCaptureFixture) -> Iterator[tuple[Fuzzer, pytest.LogCaptureFixture]]:
    with bot.services.db.write() as session:
        save_alliance(session, bot.services.default_installation_id,
                      Alliance(CHANNEL, "A–B", MemberMapping.SLACK_TEAM, (Partner("Alpha", HOME), Partner("Beta", PARTNER))),
                      by_user="UMARIA", now=bot.services.clock.now())
    bot.person("UMARIA").run("/consensus", "A real decision the fuzzers aim at", channel=CHANNEL)
    eventually(lambda: bot.slack.messages(CHANNEL), what="the decision")
    yield Fuzzer(bot, random.Random(7)), caplog


def check(fuzzer: Fuzzer, caplog: pytest.LogCaptureFixture) -> None:
    assert fuzzer.cases
    fuzzer.wait_for_acks()
    eventually(lambda: all(fuzzer.answered(c) for c in fuzzer.cases),
               what="answers to " + "; ".join(c.label for c in fuzzer.cases if not fuzzer.answered(c))[:2000])
    assert all(c.status in (200, 404) for c in fuzzer.cases), [(c.label, c.status) for c in fuzzer.cases if c.status not in (200, 404)]
    crashes = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or "incident" in r.getMessage()]
    assert crashes == []
    handled = [c for c in fuzzer.cases if not c.ignored]
    print(f"\nfuzz: {len(fuzzer.cases)} deliveries, {len(handled)} reached a listener, all answered, 0 unhandled exceptions")


def test_every_command_survives_hostile_text(fuzzed: tuple[Fuzzer, pytest.LogCaptureFixture]) -> None:
    fuzzer, caplog = fuzzed
    for command, words in commands():
        texts = list(HOSTILE) + [f"{word} {fuzzer.rng.choice(HOSTILE)}" for word in words]
        while len(texts) < FUZZ_ROUNDS:  # deeper runs combine hostile pieces behind the subcommands
            texts.append(" ".join(fuzzer.rng.choice([*words, *HOSTILE]) for _ in range(fuzzer.rng.randint(2, 4))))
        for text in fuzzer.rng.sample(texts, FUZZ_ROUNDS):
            fuzzer.command(command, text)
        for drop in ("user_id", "channel_id", "trigger_id", "response_url", "text"):
            fuzzer.command(command, "help", drop=drop)
    check(fuzzer, caplog)


def test_every_button_form_and_shortcut_survives_malformed_payloads(fuzzed: tuple[Fuzzer, pytest.LogCaptureFixture]) -> None:
    fuzzer, caplog = fuzzed
    rng = fuzzer.rng
    per_id = max(3, FUZZ_ROUNDS // 8)
    for action_id in Action:
        for value in rng.choices(BAD_VALUES, k=per_id):
            fuzzer.action(action_id, value)
        for mangle in ("no-value", "no-channel", "user-string", "in-modal"):
            fuzzer.action(action_id, rng.choice(BAD_VALUES), mangle)
    for callback_id in Callback:
        for metadata in rng.choices(BAD_VALUES, k=per_id):
            fuzzer.submission(callback_id, metadata)
        for mangle in ("no-state", "values-list"):
            fuzzer.submission(callback_id, '{"v":1,"decision":1}', mangle)
    manifest = load_manifest()["features"]
    for shortcut in manifest.get("shortcuts", []):
        fuzzer.shortcut(shortcut["callback_id"], "message_action" if shortcut.get("type") == "message" else "shortcut")
    check(fuzzer, caplog)


def test_every_command_reaches_its_listener_whatever_slack_field_names_its_text_holds(
        fuzzed_transports: tuple[Fuzzer, pytest.LogCaptureFixture]) -> None:
    fuzzer, caplog = fuzzed_transports
    for command, _words in commands():
        for name in SLACK_FIELD_NAMES:
            # The word alone, and the word in the form and JSON syntax a parser could mistake it for.
            fuzzer.command(command, f'Confirm the {name} plan {name}={{"type":"{name}","{name}":1}}&{name}=1 {{"{name}": "x"}}')
    check(fuzzer, caplog)
    assert [c.label for c in fuzzer.cases if c.status != 200 or c.ignored] == []
