"""The one place that calls Slack's Web API: checks payloads, retries safely, reports clearly."""
from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from http.client import HTTPException
from json import JSONDecodeError
from typing import Any
from urllib.error import URLError
from urllib.request import Request, urlopen

from slack_sdk.errors import SlackApiError
from slack_sdk.web import WebClient

from bot.slack_edge.blockkit import check_message, check_view
from bot.slack_edge.installation_context import current_installation, requesting_installation

logger = logging.getLogger(__name__)

# Errors that will not go away by trying again; the caller must change something.
PERMANENT = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "user_not_found", "user_not_in_channel",
    "invalid_blocks", "msg_too_long", "no_text", "message_not_found", "cant_update_message",
    "expired_trigger_id", "invalid_arguments", "missing_scope", "hash_conflict", "view_not_found",
    "invalid_cursor", "team_not_found", "user_not_visible", "cannot_dm_bot", "restricted_action",
})
AUTH = frozenset({"not_authed", "invalid_auth", "token_revoked", "token_expired", "account_inactive", "not_allowed_token_type"})
TRANSIENT = frozenset({"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"})
# Methods whose effect is the same however often they run: safe to retry after an unclear failure.
# Calls about a person's own views, made with the token of the installation Slack delivered their request to: the
# modals its trigger opens, and their Home tab, which is their own company's installation's (docs/slack-connect.md).
TRIGGERED = frozenset({"views.open", "views.push", "views.update", "views.publish"})
IDEMPOTENT = frozenset({
    "auth.test", "chat.update", "chat.delete", "chat.getPermalink", "conversations.members", "conversations.info",
    "conversations.history", "conversations.replies", "conversations.open", "users.info", "team.info", "views.update", "views.publish",
    "files.getUploadURLExternal", "apps.connections.open", "pins.add",
})


class ErrorCategory(StrEnum):
    """What a failed Web API call means for the caller."""

    PERMANENT = "permanent"  # change something first: trying again gives the same answer
    AUTH = "auth"  # the token is gone or refused: the workspace must reinstall or the token rotate
    TRANSIENT = "transient"  # Slack did not take it; trying again later may work
    UNCERTAIN = "uncertain"  # a post may or may not have landed: never retried blindly


class SlackCallError(Exception):
    """A Web API call that failed for good; `error` is Slack's code and `category` what it means."""

    def __init__(self, method: str, error: str, category: ErrorCategory) -> None:
        super().__init__(f"{method} failed: {error}")
        self.method = method
        self.error = error
        self.category = category


class DeliveryUncertain(SlackCallError):
    """A non-idempotent call (a post) whose outcome is unknown; it is not retried, so never doubled."""

    def __init__(self, method: str, reason: str) -> None:
        super().__init__(method, reason, ErrorCategory.UNCERTAIN)


@dataclass(frozen=True)
class RetryPolicy:
    """How many times and how long to wait between attempts."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter for the given (1-based) failed attempt."""
        delay = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return float(delay * (0.75 + random.random() / 2))


def _is_connection_refused(error: BaseException) -> bool:
    reason = getattr(error, "reason", error)
    return isinstance(reason, ConnectionRefusedError)


class SlackGateway:
    """Typed Web API calls with payload checks, 429/5xx retries and no doubled posts."""

    def __init__(
        self,
        client: WebClient,
        policy: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        tokens: Callable[[int], str] | None = None,
        forget_token: Callable[[int], None] | None = None,
        log: logging.Logger = logger,
    ) -> None:
        self.client = client
        self._log = log  # a start-up check passes a silent one: its Failure is the one line
        self.policy = policy
        self._sleep = sleep
        # OAuth mode: the bot token of the installation bound to the current request or work item.
        self._tokens = tokens
        self._forget_token = forget_token

    @property
    def per_installation(self) -> bool:
        """OAuth mode: each installation speaks with its own token (the one bound to the current context)."""
        return self._tokens is not None

    def _auth_headers(self, method: str) -> dict[str, str] | None:
        installation_id = current_installation.get()
        if method in TRIGGERED and requesting_installation.get() is not None:
            installation_id = requesting_installation.get()
        if self._tokens is None or installation_id is None:
            return None  # single-workspace mode: the client's own token
        return {"Authorization": f"Bearer {self._tokens(installation_id)}"}

    # -- the retry loop ------------------------------------------------------------------------

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Call `method`, retrying what is safe to retry; return the response data."""
        idempotent = method in IDEMPOTENT
        headers = self._auth_headers(method)
        for attempt in range(1, self.policy.attempts + 1):
            last = attempt == self.policy.attempts
            try:
                if _needs_json(params):
                    response = self.client.api_call(method, json=params, headers=headers)
                else:
                    response = self.client.api_call(method, data=_form(params), headers=headers)
                return dict(response.data) if isinstance(response.data, dict) else {}
            except SlackApiError as error:
                status = error.response.status_code
                data = error.response.data if isinstance(error.response.data, dict) else {}
                code = str(data.get("error", f"http_{status}"))
                if status == 429:
                    # Slack did not process a rate-limited call, so retrying never doubles it.
                    if last:
                        raise SlackCallError(method, "ratelimited", ErrorCategory.TRANSIENT) from error
                    wait = float(error.response.headers.get("Retry-After", error.response.headers.get("retry-after", 1)) or 1)
                    self._log.warning("slack %s rate limited; retrying in %.1fs", method, wait)
                    self._sleep(min(wait, self.policy.max_retry_after) + random.random() * 0.2)
                    continue
                # Slack sometimes answers 200 with an empty or non-JSON body; what happened is unknown.
                unreadable = code.startswith("Received a response in a non-JSON format")
                if unreadable:
                    code = "unreadable_response"
                if status >= 500 or code in TRANSIENT or unreadable:
                    # 503 means Slack refused before processing; other 5xx may have been processed.
                    if (idempotent or status == 503) and not last:
                        self._sleep(self.policy.backoff(attempt))
                        continue
                    if not idempotent and status != 503:
                        raise DeliveryUncertain(method, code) from error
                    raise SlackCallError(method, code, ErrorCategory.TRANSIENT) from error
                category = ErrorCategory.AUTH if code in AUTH else ErrorCategory.PERMANENT
                if category is ErrorCategory.AUTH and self._forget_token is not None and current_installation.get() is not None:
                    self._forget_token(current_installation.get())  # type: ignore[arg-type]
                raise SlackCallError(method, code, category) from error
            except (URLError, TimeoutError, ConnectionError, HTTPException, JSONDecodeError) as error:
                if not idempotent and not _is_connection_refused(error):
                    # The request may have reached Slack: a retry could post the same thing twice.
                    raise DeliveryUncertain(method, type(error).__name__) from error
                if last:
                    raise SlackCallError(method, type(error).__name__, ErrorCategory.TRANSIENT) from error
                self._log.warning("slack %s connection problem (%s); retrying", method, type(error).__name__)
                self._sleep(self.policy.backoff(attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    # -- messages ------------------------------------------------------------------------------

    def post_message(self, channel: str, text: str, blocks: list[dict[str, Any]] | None = None, *, thread_ts: str | None = None,
                     broadcast: bool = False, metadata: Mapping[str, Any] | None = None) -> str:
        """Post to a channel (or DM) and return the message ts; `broadcast` shows a thread reply in the channel too."""
        check_message(text, blocks)
        params: dict[str, Any] = {"channel": channel, "text": text}
        if blocks:
            params["blocks"] = blocks
        if thread_ts:
            params["thread_ts"] = thread_ts
            if broadcast:
                params["reply_broadcast"] = True
        if metadata:
            params["metadata"] = dict(metadata)
        return str(self.call("chat.postMessage", **params)["ts"])

    def find_marked_message(self, channel: str, event_type: str, key: str, *, oldest: datetime,
                            thread_ts: str | None = None, max_pages: int = 10) -> str | None:
        """The ts of our message in `channel` (or in a thread) whose metadata carries `key`, posted after `oldest`."""
        params: dict[str, Any] = {"channel": channel, "oldest": f"{oldest.timestamp():.6f}", "limit": 200, "include_all_metadata": True}
        for _ in range(max_pages):
            # A thread reply is only listed by conversations.replies (unless it was broadcast).
            page = self.call("conversations.replies", ts=thread_ts, **params) if thread_ts else self.call("conversations.history", **params)
            for message in page.get("messages", []):
                metadata = message.get("metadata") or {}
                if metadata.get("event_type") == event_type and (metadata.get("event_payload") or {}).get("key") == key:
                    return str(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor", "")
            if not cursor:
                return None
            params["cursor"] = cursor
        return None

    def message_text(self, channel: str, ts: str) -> str | None:
        """The text of one top-level message of a channel, or None when Slack has no such message there."""
        page = self.call("conversations.history", channel=channel, oldest=ts, latest=ts, inclusive=True, limit=1)
        found = [m for m in page.get("messages") or [] if m.get("ts") == ts]
        return str(found[0].get("text") or "") if found else None

    def open_dm(self, user_id: str) -> str:
        """The id of the app's direct-message conversation with a person."""
        return str(self.call("conversations.open", users=user_id)["channel"]["id"])

    def update_message(self, channel: str, ts: str, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        """Replace a message's text and blocks."""
        check_message(text, blocks)
        self.call("chat.update", channel=channel, ts=ts, text=text, blocks=blocks or [])

    def pin(self, channel: str, ts: str) -> None:
        """Pin a message to the channel; one already pinned stays as it is."""
        try:
            self.call("pins.add", channel=channel, timestamp=ts)
        except SlackCallError as error:
            if error.error != "already_pinned":
                raise

    def post_ephemeral(self, channel: str, user: str, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        """Show a message only `user` can see in `channel`."""
        check_message(text, blocks)
        params: dict[str, Any] = {"channel": channel, "user": user, "text": text}
        if blocks:
            params["blocks"] = blocks
        self.call("chat.postEphemeral", **params)

    def permalink(self, channel: str, ts: str) -> str:
        """A link to a message that opens it in Slack (chat.getPermalink)."""
        return str(self.call("chat.getPermalink", channel=channel, message_ts=ts)["permalink"])

    # -- views ---------------------------------------------------------------------------------

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> dict[str, Any]:
        """Open a modal; returns Slack's view (with its id and hash)."""
        check_view(view)
        return dict(self.call("views.open", trigger_id=trigger_id, view=view)["view"])

    def update_view(self, view_id: str, view: dict[str, Any], view_hash: str | None = None) -> dict[str, Any]:
        """Replace an open modal's content."""
        check_view(view)
        params: dict[str, Any] = {"view_id": view_id, "view": view}
        if view_hash:
            params["hash"] = view_hash
        return dict(self.call("views.update", **params)["view"])

    def publish_home(self, user_id: str, view: dict[str, Any]) -> None:
        """Publish a user's App Home tab."""
        check_view(view)
        self.call("views.publish", user_id=user_id, view=view)

    # -- files ---------------------------------------------------------------------------------

    def upload_file(self, channel: str, filename: str, content: bytes, *, title: str | None = None,
                    initial_comment: str | None = None, thread_ts: str | None = None) -> str:
        """Share a file in a channel the way Slack asks since files.upload was retired; returns the file id.

        files.getUploadURLExternal gives an upload URL, the bytes are POSTed there (no token), and
        files.completeUploadExternal shares the file, posting a file_share message in the channel.
        """
        target = self.call("files.getUploadURLExternal", filename=filename, length=len(content))
        request = Request(str(target["upload_url"]), data=content, method="POST",
                          headers={"Content-Type": "application/octet-stream"})
        try:
            with urlopen(request, timeout=self.client.timeout) as answer:
                if answer.status != 200:
                    raise SlackCallError("files.upload", f"http_{answer.status}", ErrorCategory.TRANSIENT)
        except (URLError, TimeoutError, ConnectionError, HTTPException) as error:
            # Nothing is shared before files.completeUploadExternal: trying the whole upload again is safe.
            raise SlackCallError("files.upload", type(error).__name__, ErrorCategory.TRANSIENT) from error
        params: dict[str, Any] = {"files": [{"id": target["file_id"], "title": title or filename}], "channel_id": channel}
        if initial_comment:
            params["initial_comment"] = initial_comment
        if thread_ts:
            params["thread_ts"] = thread_ts
        self.call("files.completeUploadExternal", **params)
        return str(target["file_id"])

    # -- people and channels -------------------------------------------------------------------

    def auth_test(self) -> dict[str, Any]:
        """Who the token belongs to (team, bot user)."""
        return self.call("auth.test")

    def channel_member_ids(self, channel: str, page_size: int = 200) -> Iterator[str]:
        """Every member of a channel, following Slack's cursor pagination."""
        cursor = ""
        while True:
            params: dict[str, Any] = {"channel": channel, "limit": page_size}
            if cursor:
                params["cursor"] = cursor
            page = self.call("conversations.members", **params)
            yield from page.get("members", [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor", "")
            if not cursor:
                return

    def user_info(self, user_id: str) -> dict[str, Any]:
        """A user's profile, including their home team and `tz` when Slack has one."""
        return dict(self.call("users.info", user=user_id)["user"])

    def team_name(self, team_id: str) -> str | None:
        """The display name of a team, or None when Slack will not tell (another org's team)."""
        try:
            return str(self.call("team.info", team=team_id)["team"]["name"])
        except SlackCallError as error:
            if error.category is ErrorCategory.AUTH:
                raise
            return None


def _form(params: Mapping[str, Any]) -> dict[str, Any]:
    # Form encoding has no booleans; Slack reads "true"/"false".
    return {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in params.items()}


def _needs_json(params: Mapping[str, Any]) -> bool:
    # Nested values (blocks, views, metadata) go as a JSON body; flat ones as form fields.
    return any(isinstance(value, (dict, list)) for value in params.values())
