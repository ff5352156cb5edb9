"""The Web API over real HTTP: Slack's response shapes, auth, Block Kit checks, pagination and faults."""
from __future__ import annotations

import base64
import json
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlparse

from tests.slack_double.blockkit import Invalid, validate_blocks, validate_view
from tests.slack_double.state import Message, RecordedCall, Workspace

if TYPE_CHECKING:
    from tests.slack_double import SlackDouble

JSON_FIELDS = ("blocks", "view", "metadata", "attachments", "files")
TRIGGER_USES = 1
RESPONSE_URL_USES, RESPONSE_URL_TTL = 5, 30 * 60


class SlackError(Exception):
    """An `ok: false` answer."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.body = {"ok": False, "error": error, **extra}


def _blocks_ok(ws: Workspace, blocks: Any, limit: int = 50) -> None:
    try:
        validate_blocks(blocks or [], limit)
    except Invalid as problem:
        raise SlackError("invalid_blocks", response_metadata={"messages": [str(problem)]}) from problem


def _view_ok(view: Any) -> None:
    try:
        validate_view(view)
    except Invalid as problem:
        raise SlackError("invalid_arguments", response_metadata={"messages": [str(problem)]}) from problem


class WebApi:
    """Method implementations; each takes the parsed params and returns the `ok: true` body."""

    def __init__(self, double: SlackDouble) -> None:
        self.double = double
        self.ws: Workspace = double.ws

    # -- identity -------------------------------------------------------------------------------
    def auth_test(self, p: dict[str, Any]) -> dict[str, Any]:
        team = self.ws.home_team
        return {"url": f"https://{team.domain}.slack.com/", "team": team.name, "user": "alliancebot", "team_id": team.team_id,
                "user_id": self.double.bot_user_id, "bot_id": "B0BOT", "is_enterprise_install": False}

    def apps_connections_open(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"url": f"{self.double.socket.url}?ticket={uuid.uuid4()}&app_id={self.double.app_id}"}

    def team_info(self, p: dict[str, Any]) -> dict[str, Any]:
        team = self.ws.teams.get(p.get("team") or self.ws.home_team.team_id)
        if team is None:
            raise SlackError("team_not_found")
        return {"team": {"id": team.team_id, "name": team.name, "domain": team.domain, "email_domain": "", "icon": {}}}

    def users_info(self, p: dict[str, Any]) -> dict[str, Any]:
        user = self.ws.users.get(str(p.get("user")))
        if user is None:
            raise SlackError("user_not_found")
        return {"user": user.to_api()}

    # -- channels -------------------------------------------------------------------------------
    def _channel(self, channel_id: Any, *, need_member: bool = True) -> Any:
        channel_id = str(channel_id or "")
        if channel_id.startswith(("U", "W")) and channel_id in self.ws.users:
            return self.ws.dm_channel(channel_id)
        channel = self.ws.channels.get(channel_id)
        bot = self.double.bot_user_id
        if channel is None or (channel.is_private and not channel.is_im and bot not in channel.members):
            raise SlackError("channel_not_found")
        if need_member and not channel.is_im and bot not in channel.members:
            raise SlackError("not_in_channel")
        return channel

    def conversations_members(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(p.get("channel"), need_member=False)
        limit = min(int(p.get("limit") or 100), 1000)
        try:
            start = int(base64.b64decode(p["cursor"]).decode().split(":")[1]) if p.get("cursor") else 0
        except (ValueError, IndexError) as error:
            raise SlackError("invalid_cursor") from error
        page = channel.members[start:start + limit]
        more = start + limit < len(channel.members)
        cursor = base64.b64encode(f"offset:{start + limit}".encode()).decode() if more else ""
        return {"members": page, "response_metadata": {"next_cursor": cursor}}

    def conversations_info(self, p: dict[str, Any]) -> dict[str, Any]:
        c = self._channel(p.get("channel"), need_member=False)
        teams = sorted({self.ws.users[u].team_id for u in c.members if u in self.ws.users})
        return {"channel": {"id": c.channel_id, "name": c.name, "is_channel": not c.is_private, "is_group": c.is_private and not c.is_im,
                            "is_im": c.is_im, "is_private": c.is_private, "is_archived": c.archived, "is_ext_shared": c.is_ext_shared,
                            "is_shared": c.is_ext_shared, "is_member": self.double.bot_user_id in c.members,
                            "context_team_id": self.ws.home_team.team_id, "shared_team_ids": teams if c.is_ext_shared else [self.ws.home_team.team_id],
                            "connected_team_ids": teams if c.is_ext_shared else [], "conversation_host_id": self.ws.home_team.team_id}}

    def conversations_open(self, p: dict[str, Any]) -> dict[str, Any]:
        user = str(p.get("users") or "").split(",")[0]
        if user not in self.ws.users:
            raise SlackError("user_not_found")
        return {"channel": {"id": self.ws.dm_channel(user).channel_id}}

    def conversations_history(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(p.get("channel"))
        messages = [m for m in reversed(self.ws.messages.get(channel.channel_id, []))
                    if float(p.get("oldest") or 0) <= float(m.ts) <= float(p.get("latest") or 9e12)]
        out = []
        for m in messages[: int(p.get("limit") or 100)]:
            item: dict[str, Any] = {"type": "message", "ts": m.ts, "user": m.user, "text": m.text, "blocks": m.blocks}
            if m.metadata and str(p.get("include_all_metadata")).lower() in ("true", "1"):
                item["metadata"] = m.metadata
            out.append(item)
        return {"messages": out, "has_more": False, "response_metadata": {"next_cursor": ""}}

    # -- messages -------------------------------------------------------------------------------
    def _message_api(self, m: Message) -> dict[str, Any]:
        return {"type": "message", "user": m.user, "bot_id": m.bot_id, "text": m.text, "blocks": m.blocks, "ts": m.ts, "team": self.ws.home_team.team_id}

    def _check_content(self, p: dict[str, Any]) -> None:
        if not p.get("text") and not p.get("blocks"):
            raise SlackError("no_text")
        if len(str(p.get("text") or "")) > 40_000:
            raise SlackError("msg_too_long")
        _blocks_ok(self.ws, p.get("blocks"))

    def chat_postMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(p.get("channel"))
        if channel.archived:
            raise SlackError("is_archived")
        self._check_content(p)
        message = Message(channel.channel_id, self.ws.next_ts(), self.double.bot_user_id, str(p.get("text") or ""), list(p.get("blocks") or []),
                          thread_ts=p.get("thread_ts"), metadata=p.get("metadata"), bot_id="B0BOT")
        self.ws.messages.setdefault(channel.channel_id, []).append(message)
        return {"channel": channel.channel_id, "ts": message.ts, "message": self._message_api(message)}

    def chat_update(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(p.get("channel"))
        message = self.ws.find_message(channel.channel_id, str(p.get("ts")))
        if message is None:
            raise SlackError("message_not_found")
        if message.user != self.double.bot_user_id:
            raise SlackError("cant_update_message")
        self._check_content(p)
        message.text, message.blocks, message.edits = str(p.get("text") or ""), list(p.get("blocks") or []), message.edits + 1
        return {"channel": channel.channel_id, "ts": message.ts, "text": message.text, "message": self._message_api(message)}

    def chat_delete(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(p.get("channel"))
        message = self.ws.find_message(channel.channel_id, str(p.get("ts")))
        if message is None:
            raise SlackError("message_not_found")
        self.ws.messages[channel.channel_id].remove(message)
        return {"channel": channel.channel_id, "ts": message.ts}

    def chat_postEphemeral(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(p.get("channel"))
        user = str(p.get("user"))
        if user not in channel.members:
            raise SlackError("user_not_in_channel")
        self._check_content(p)
        message = Message(channel.channel_id, self.ws.next_ts(), self.double.bot_user_id, str(p.get("text") or ""),
                          list(p.get("blocks") or []), ephemeral_to=user, bot_id="B0BOT")
        self.ws.ephemerals.append(message)
        return {"message_ts": message.ts}

    def chat_getPermalink(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(p.get("channel"), need_member=False)
        ts = str(p.get("message_ts"))
        if self.ws.find_message(channel.channel_id, ts) is None:
            raise SlackError("message_not_found")
        return {"channel": channel.channel_id, "permalink": f"https://{self.ws.home_team.domain}.slack.com/archives/{channel.channel_id}/p{ts.replace('.', '')}"}

    # -- views ----------------------------------------------------------------------------------
    def _use_trigger(self, trigger: Any) -> str:
        grant = self.ws.triggers.get(str(trigger or ""))
        if grant is None:
            raise SlackError("invalid_arguments", response_metadata={"messages": ["[ERROR] invalid `trigger_id` [json-pointer:/trigger_id]"]})
        if grant.uses >= TRIGGER_USES or time.monotonic() - grant.issued > self.double.trigger_ttl:
            raise SlackError("expired_trigger_id")
        grant.uses += 1
        return grant.user

    def _store_view(self, view: dict[str, Any], user: str, view_id: str | None = None, previous: str | None = None) -> dict[str, Any]:
        view_id = view_id or self.ws.next_id("V")
        stored = {**view, "id": view_id, "team_id": self.ws.home_team.team_id, "app_id": self.double.app_id, "bot_id": "B0BOT",
                  "hash": f"{time.time():.6f}.{uuid.uuid4().hex[:8]}", "state": {"values": {}}, "private_metadata": view.get("private_metadata", ""),
                  "callback_id": view.get("callback_id", ""), "external_id": view.get("external_id", ""), "root_view_id": view_id,
                  "previous_view_id": previous, "app_installed_team_id": self.ws.home_team.team_id, "user": user}
        self.ws.views[view_id] = stored
        return stored

    def views_open(self, p: dict[str, Any]) -> dict[str, Any]:
        user = self._use_trigger(p.get("trigger_id"))
        _view_ok(p.get("view"))
        stored = self._store_view(p["view"], user)
        self.ws.view_stacks[user] = [stored["id"]]
        return {"view": stored}

    def views_push(self, p: dict[str, Any]) -> dict[str, Any]:
        user = self._use_trigger(p.get("trigger_id"))
        _view_ok(p.get("view"))
        stack = self.ws.view_stacks.setdefault(user, [])
        stored = self._store_view(p["view"], user, previous=stack[-1] if stack else None)
        stack.append(stored["id"])
        return {"view": stored}

    def views_update(self, p: dict[str, Any]) -> dict[str, Any]:
        view_id = p.get("view_id") or next((k for k, v in self.ws.views.items() if p.get("external_id") and v.get("external_id") == p.get("external_id")), None)
        current = self.ws.views.get(str(view_id))
        if current is None:
            raise SlackError("not_found")
        if p.get("hash") and p["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        _view_ok(p.get("view"))
        return {"view": self._store_view(p["view"], current["user"], view_id=current["id"], previous=current.get("previous_view_id"))}

    def views_publish(self, p: dict[str, Any]) -> dict[str, Any]:
        user = str(p.get("user_id"))
        if user not in self.ws.users:
            raise SlackError("user_not_found")
        view = p.get("view") or {}
        if view.get("type") != "home":
            raise SlackError("invalid_arguments", response_metadata={"messages": ["[ERROR] must be home [json-pointer:/view/type]"]})
        _view_ok(view)
        stored = self._store_view(view, user)
        self.ws.homes[user] = stored
        return {"view": stored}

    # -- files ----------------------------------------------------------------------------------
    def files_getUploadURLExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        file_id = self.ws.next_id("F")
        self.ws.files[file_id] = {"id": file_id, "name": p.get("filename"), "length": int(p.get("length") or 0), "content": None}
        return {"upload_url": f"{self.double.base_url}/upload/{file_id}", "file_id": file_id}

    def files_completeUploadExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        files = p.get("files") or []
        out = []
        for item in files:
            stored = self.ws.files.get(item.get("id"))
            if stored is None or stored["content"] is None:
                raise SlackError("file_not_found")
            stored.update(title=item.get("title") or stored["name"], channel=p.get("channel_id"))
            out.append({"id": stored["id"], "title": stored["title"], "name": stored["name"]})
        if p.get("channel_id"):
            channel = self._channel(p["channel_id"])
            message = Message(channel.channel_id, self.ws.next_ts(), self.double.bot_user_id, str(p.get("initial_comment") or ""), [],
                              thread_ts=p.get("thread_ts"), bot_id="B0BOT", metadata={"files": [f["id"] for f in out]})
            self.ws.messages.setdefault(channel.channel_id, []).append(message)
        return {"files": out}


class Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 front: routes /api/<method>, /upload/<file>, /response/<id>."""

    protocol_version = "HTTP/1.1"
    server: DoubleServer

    def log_message(self, *_: Any) -> None:  # quiet test output
        pass

    def do_GET(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        url = urlparse(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        double = self.server.double
        if url.path.startswith("/upload/"):
            self._upload(url.path.rsplit("/", 1)[-1], body)
        elif url.path.startswith("/response/"):
            status, answer = double.use_response_url(url.path.rsplit("/", 1)[-1], body)
            self._send(status, answer)
        elif url.path.startswith("/api/"):
            self._api(url.path[len("/api/"):], url.query, body)
        else:
            self._send(404, {"ok": False, "error": "not_found"})

    def _upload(self, file_id: str, body: bytes) -> None:
        with self.server.double.ws.lock:
            stored = self.server.double.ws.files.get(file_id)
            if stored is not None:
                stored["content"] = body
        self._send(200 if stored else 404, b"OK - " + str(len(body)).encode())

    def _params(self, query: str, body: bytes) -> dict[str, Any]:
        params: dict[str, Any] = dict(parse_qsl(query))
        if body[:1] in (b"{", b"["):
            params.update(json.loads(body))
        else:
            params.update(dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)))
        for key in JSON_FIELDS:
            if isinstance(params.get(key), str) and params[key]:
                try:
                    params[key] = json.loads(params[key])
                except ValueError:
                    pass
        return params

    def _api(self, method: str, query: str, body: bytes) -> None:
        double = self.server.double
        params = self._params(query, body)
        auth = self.headers.get("Authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else params.pop("token", None)
        fault = double.take_fault(method)
        if fault is not None and fault.kind == "timeout":
            time.sleep(fault.delay)
        status, answer, headers = double.answer(method, params, token, fault)
        if fault is not None and fault.kind == "empty_body":
            self._send(200, b"")
            return
        if fault is not None and fault.kind == "reset_after_commit":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self._send(status, answer, headers)

    def _send(self, status: int, answer: dict[str, Any] | bytes, headers: dict[str, str] | None = None) -> None:
        payload = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8" if not isinstance(answer, bytes) else "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)


class DoubleServer(ThreadingHTTPServer):
    """The HTTP server, knowing its double."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, double: SlackDouble) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.double = double


def record(double: SlackDouble, method: str, params: dict[str, Any], token: str | None, status: int, answer: dict[str, Any]) -> None:
    """Keep the call for assertions."""
    double.ws.calls.append(RecordedCall(method, params, token, time.monotonic(), status, answer))
