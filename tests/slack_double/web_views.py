"""Web API methods for views and file uploads, plus the response_url and upload endpoints."""
from __future__ import annotations

import json
import time
import uuid
from typing import TYPE_CHECKING, Any

from tests.slack_double.blockkit import Invalid, validate_view
from tests.slack_double.payloads import fill_ids
from tests.slack_double.state import Message
from tests.slack_double.web_methods import SlackError

if TYPE_CHECKING:
    from tests.slack_double.state import Channel, Installation, Workspace

RESPONSE_URL_USES, RESPONSE_URL_TTL = 5, 30 * 60
MAX_VIEW_STACK = 3
VIEW_DEFAULTS = {"private_metadata": "", "callback_id": "", "external_id": "", "clear_on_close": False, "notify_on_close": False}


def _view_ok(view: Any) -> None:
    try:
        validate_view(view)
    except Invalid as problem:
        raise SlackError("invalid_arguments", response_metadata={"messages": [str(problem)]}) from problem


def _invalid_trigger() -> SlackError:
    return SlackError("invalid_arguments", response_metadata={"messages": ["[ERROR] invalid `trigger_id` [json-pointer:/trigger_id]"]})


class ViewAndFileMethods:
    """views.* and files.* methods; mixed into WebApi, which provides `double`, `ws` and `channel()`."""

    double: Any
    ws: Workspace
    caller: Installation  # provided by WebMethods: the installation whose token made the call

    def channel(self, channel_id: Any, *, need_member: bool = True) -> Channel:  # provided by WebMethods
        raise NotImplementedError

    # -- views ----------------------------------------------------------------------------------
    def use_trigger(self, trigger: Any) -> str:
        """The user a trigger_id was issued to; each works once, within `trigger_ttl` seconds, for the installation it went to.

        A trigger delivered to one installation, presented with another installation's token, is answered like
        one Slack never issued (views.open's documented "invalid `trigger_id`"): assumed, Slack documents
        nothing about triggers across installations (dialog.open's `invalid_trigger` reads "invalid or
        cannot be used by this token").
        """
        grant = self.ws.triggers.get(str(trigger or ""))
        if grant is None or (grant.team_id or self.ws.home_team.team_id) != self.caller.team_id:
            raise _invalid_trigger()
        if grant.uses >= 1 or self.double.clock() - grant.issued > self.double.trigger_ttl:
            raise SlackError("expired_trigger_id")
        grant.uses += 1
        return grant.user

    def store_view(self, view: dict[str, Any], user: str, view_id: str | None = None, previous: str | None = None,
                   root: str | None = None, *, team_id: str) -> dict[str, Any]:
        """Keep a view as Slack returns it: id, hash, empty state and Slack's default fields.

        `team_id`: the installation whose token opened (or published) it; it stays the view's
        `app_installed_team_id` (as in the recorded view_submission.slack_connect.json) and `bot_id`.
        """
        installation = self.ws.installations[team_id]
        view_id = view_id or self.ws.next_id("V")
        stored = {**VIEW_DEFAULTS, **view, "blocks": fill_ids(view.get("blocks") or []), "id": view_id, "team_id": team_id,
                  "state": {"values": {}},
                  "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}", "root_view_id": root or view_id, "previous_view_id": previous,
                  "app_id": self.double.app_id, "app_installed_team_id": team_id, "bot_id": installation.bot_id}
        if view.get("type") == "modal":
            stored.setdefault("close", None)
            stored.setdefault("submit", None)
        self.ws.views[view_id] = stored
        self.ws.view_owner[view_id] = user
        return stored

    def _own_views(self) -> dict[str, dict[str, Any]]:
        """The views the calling installation opened or published: the only ones its token can name (assumed:
        external_id "must be unique for all views on a team", and another installation's view_id is none of its own)."""
        return {k: v for k, v in self.ws.views.items() if v.get("app_installed_team_id") == self.caller.team_id}

    def _check_external_id(self, view: dict[str, Any], allowed: str | None = None) -> None:
        external = view.get("external_id")
        if external and any(v.get("external_id") == external and k != allowed for k, v in self._own_views().items()):
            raise SlackError("duplicate_external_id")

    def views_open(self, p: dict[str, Any]) -> dict[str, Any]:
        user = self.use_trigger(p.get("trigger_id"))
        _view_ok(p.get("view"))
        self._check_external_id(p["view"])
        stored = self.store_view(p["view"], user, team_id=self.caller.team_id)
        self.ws.view_stacks[user] = [stored["id"]]
        return {"view": stored}

    def views_push(self, p: dict[str, Any]) -> dict[str, Any]:
        user = self.use_trigger(p.get("trigger_id"))
        _view_ok(p.get("view"))
        stack = self.ws.view_stacks.setdefault(user, [])
        if len(stack) >= MAX_VIEW_STACK:
            raise SlackError("push_limit_reached")
        self._check_external_id(p["view"])
        stored = self.store_view(p["view"], user, previous=stack[-1] if stack else None, root=stack[0] if stack else None,
                                 team_id=self.caller.team_id)
        stack.append(stored["id"])
        return {"view": stored}

    def views_update(self, p: dict[str, Any]) -> dict[str, Any]:
        if not p.get("view_id") and not p.get("external_id"):
            raise SlackError("invalid_arguments", response_metadata={"messages": ["[ERROR] view_id or external_id is required"]})
        own = self._own_views()
        view_id = p.get("view_id") or next((k for k, v in own.items() if v.get("external_id") == p.get("external_id")), None)
        current = own.get(str(view_id))
        if current is None:
            raise SlackError("not_found")  # documented: "the given view_id or external_id doesn't exist"
        if p.get("hash") and p["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        _view_ok(p.get("view"))
        self._check_external_id(p["view"], allowed=current["id"])
        owner = self.ws.view_owner[current["id"]]
        stored = self.store_view(p["view"], owner, view_id=current["id"], previous=current.get("previous_view_id"),
                                 root=current.get("root_view_id"), team_id=self.caller.team_id)
        if current["type"] == "home":
            self.ws.homes[(self.caller.team_id, owner)] = stored
        return {"view": stored}

    def views_publish(self, p: dict[str, Any]) -> dict[str, Any]:
        user = str(p.get("user_id"))
        if user not in self.ws.users:
            raise SlackError("user_not_found")
        view = p.get("view")
        if not isinstance(view, dict) or view.get("type") != "home":
            raise SlackError("invalid_arguments", response_metadata={"messages": ["[ERROR] must be home [json-pointer:/view/type]"]})
        _view_ok(view)
        # A person has one Home tab per installation (each installation is its own app in their sidebar, assumed):
        # publishing again keeps its id and replaces the content.
        key = (self.caller.team_id, user)
        current = self.ws.homes.get(key)
        if current is not None and p.get("hash") and p["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        stored = self.store_view(view, user, view_id=current["id"] if current else None, team_id=self.caller.team_id)
        self.ws.homes[key] = stored
        return {"view": stored}

    # -- files (upload v2) ----------------------------------------------------------------------
    def files_getUploadURLExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        if not p.get("filename") or not str(p.get("length") or "").isdigit():
            raise SlackError("invalid_arguments")
        file_id = self.ws.next_id("F")
        self.ws.files[file_id] = {"id": file_id, "name": p["filename"], "title": p["filename"], "length": int(p["length"]),
                                  "content": None, "channel": None}
        return {"upload_url": f"{self.double.base_url}/upload/{file_id}", "file_id": file_id}

    def receive_upload(self, file_id: str, body: bytes) -> tuple[int, bytes]:
        """The raw POST of the bytes to upload_url (slack_sdk sends no token here)."""
        with self.ws.lock:
            stored = self.ws.files.get(file_id)
            if stored is None:
                return 404, b"not_found"
            stored["content"] = body
        return 200, b"OK - " + str(len(body)).encode()

    def files_completeUploadExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        files = p.get("files")
        if not isinstance(files, list) or not files:
            raise SlackError("invalid_arguments")
        channel = self.channel(p["channel_id"]) if p.get("channel_id") else None
        out = []
        for item in files:
            stored = self.ws.files.get(item.get("id"))
            if stored is None or stored["content"] is None:
                raise SlackError("file_not_found")
            stored.update(title=item.get("title") or stored["name"], channel=channel.channel_id if channel else None)
            out.append({"id": stored["id"], "title": stored["title"], "name": stored["name"], "size": len(stored["content"])})
        if channel is not None:
            # Sharing files into a channel posts a file_share message there.
            message = Message(channel.channel_id, self.ws.next_ts(), self.caller.bot_user_id, str(p.get("initial_comment") or ""),
                              fill_ids(p.get("blocks") or []), thread_ts=p.get("thread_ts") or None, bot_id=self.caller.bot_id,
                              files=[f["id"] for f in out], team_id=self.caller.team_id)
            self.ws.messages.setdefault(channel.channel_id, []).append(message)
        return {"files": out}

    # -- response_url -----------------------------------------------------------------------------
    def use_response_url(self, key: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """Post through a response_url: 5 uses within 30 minutes; ephemeral unless in_channel; replace/delete original."""
        with self.ws.lock:
            grant = self.ws.response_urls.get(key)
            if grant is None:
                return 404, {"ok": False, "error": "invalid_url"}
            if grant.uses >= RESPONSE_URL_USES:
                return 404, {"ok": False, "error": "used_url"}
            if self.double.clock() - grant.issued > RESPONSE_URL_TTL:
                return 404, {"ok": False, "error": "expired_url"}
            try:
                data = json.loads(body or b"{}")
            except ValueError:
                return 400, {"ok": False, "error": "invalid_payload"}
            grant.uses += 1
            channel = grant.channel or ""
            original = self.ws.find_any_message(channel, grant.message_ts) if grant.message_ts else None
            if data.get("delete_original"):
                if original is not None:
                    (self.ws.ephemerals if original.ephemeral_to else self.ws.messages[channel]).remove(original)
                return 200, {"ok": True}
            try:
                self.check_content(data)  # type: ignore[attr-defined]
            except SlackError as error:
                return 400, error.body
            if data.get("replace_original") and original is not None:
                original.text, original.blocks = str(data.get("text") or ""), fill_ids(data.get("blocks") or [])
                original.edits += 1
                return 200, {"ok": True}
            # A response_url posts as the installation the payload carrying it was delivered to.
            installation = self.ws.installations[grant.team_id or self.ws.home_team.team_id]
            message = Message(channel, self.ws.next_ts(), installation.bot_user_id, str(data.get("text") or ""),
                              fill_ids(data.get("blocks") or []), thread_ts=data.get("thread_ts"), bot_id=installation.bot_id,
                              team_id=installation.team_id)
            if data.get("response_type") == "in_channel":
                self.ws.messages.setdefault(channel, []).append(message)
            else:
                message.ephemeral_to = grant.user
                self.ws.ephemerals.append(message)
            return 200, {"ok": True}
