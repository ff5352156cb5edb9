"""Web API methods about identity, conversations and messages, answering in Slack's shapes."""
from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from tests.slack_double.blockkit import Invalid, validate_blocks
from tests.slack_double.payloads import fill_ids
from tests.slack_double.state import Channel, Installation, Message, Workspace

if TYPE_CHECKING:
    from tests.slack_double.double import SlackDouble

MAX_TEXT = 40_000


class SlackError(Exception):
    """An `ok: false` answer."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.body: dict[str, Any] = {"ok": False, "error": error, **extra}


def truthy(value: Any) -> bool:
    """Slack's reading of a boolean form field."""
    return value is True or str(value).lower() in ("true", "1")


class WebMethods:
    """auth, apps, team, users, conversations and chat methods; each returns the body after `ok: true`.

    Every call acts as the installation its token belongs to (`caller`): that installation's bot must be
    in the channel, its messages are the ones it may change, its DMs the ones it sees.
    """

    def __init__(self, double: SlackDouble) -> None:
        self.double = double
        self.ws: Workspace = double.ws
        # The installation whose token made the call being answered; WebApi.answer sets it under the
        # workspace lock, which it holds until the call is answered, so no other call sees it.
        self.caller: Installation = self.ws.installations[self.ws.home_team.team_id]

    # -- identity -------------------------------------------------------------------------------
    def auth_test(self, p: dict[str, Any]) -> dict[str, Any]:
        # The token's own workspace and bot user (api.slack.com/methods/auth.test).
        team = self.ws.teams[self.caller.team_id]
        return {"url": f"https://{team.domain}.slack.com/", "team": team.name, "user": "alliancebot", "team_id": team.team_id,
                "user_id": self.caller.bot_user_id, "bot_id": self.caller.bot_id, "is_enterprise_install": False}

    def apps_connections_open(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.double.socket.new_link()}

    def apps_event_authorizations_list(self, p: dict[str, Any]) -> dict[str, Any]:
        # api.slack.com/methods/apps.event.authorizations.list: with an app-level token, every installation an
        # event (by its event_context) is visible to; the event itself names at most one. The error for an
        # unknown context is not documented: the double answers invalid_arguments (assumed).
        found = self.ws.event_contexts.get(str(p.get("event_context") or ""))
        if found is None:
            raise SlackError("invalid_arguments")
        return {"authorizations": [dict(a) for a in found], "response_metadata": {"next_cursor": ""}}

    def team_info(self, p: dict[str, Any]) -> dict[str, Any]:
        team = self.ws.teams.get(p.get("team") or self.caller.team_id)
        if team is None:
            raise SlackError("team_not_found")
        return {"team": {"id": team.team_id, "name": team.name, "domain": team.domain, "email_domain": "",
                         "icon": {"image_default": True}}}

    def users_info(self, p: dict[str, Any]) -> dict[str, Any]:
        user = self.ws.users.get(str(p.get("user")))
        if user is None:
            raise SlackError("user_not_found")
        return {"user": user.to_api(with_email="users:read.email" in self.double.scopes)}

    # -- conversations --------------------------------------------------------------------------
    def channel(self, channel_id: Any, *, need_member: bool = True) -> Channel:
        """The channel a call names, refused the way Slack refuses a bot that cannot see or post in it."""
        channel_id = str(channel_id or "")
        team = self.caller.team_id
        if channel_id.startswith(("U", "W")) and channel_id in self.ws.users:
            if self.ws.dm_refused(channel_id, team):
                raise SlackError("channel_not_found")  # what chat.postMessage answered in issue 17
            return self.ws.dm_channel(channel_id, team)  # posting to a user id lands in this bot's DM with them
        if channel_id.startswith("#"):
            channel_id = next((c.channel_id for c in self.ws.channels.values() if c.name == channel_id[1:]), channel_id)
        channel = self.ws.channels.get(channel_id)
        # The calling installation's bot: each installation's bot is a member (or not) on its own.
        bot = self.caller.bot_user_id
        # A private channel the bot is not in does not exist, as far as the bot can tell; nor does another bot's DM.
        if channel is None or (channel.is_private and not channel.is_im and bot not in channel.members):
            raise SlackError("channel_not_found")
        if channel.is_im and (channel.im_team not in (None, team) or self.ws.dm_refused(channel.members[0], team)):
            raise SlackError("channel_not_found")
        if need_member and not channel.is_im and bot not in channel.members:
            raise SlackError("not_in_channel")
        return channel

    def conversations_members(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel(p.get("channel"), need_member=False)
        try:
            limit = int(p.get("limit") or 100)
        except ValueError as error:
            raise SlackError("invalid_limit") from error
        if not 1 <= limit <= 1000:
            raise SlackError("invalid_limit")
        try:
            start = int(base64.b64decode(p["cursor"]).decode().split(":")[1]) if p.get("cursor") else 0
        except (ValueError, IndexError) as error:
            raise SlackError("invalid_cursor") from error
        more = start + limit < len(channel.members)
        cursor = base64.b64encode(f"user_id:{start + limit}".encode()).decode() if more else ""
        return {"members": channel.members[start:start + limit], "response_metadata": {"next_cursor": cursor}}

    def conversations_info(self, p: dict[str, Any]) -> dict[str, Any]:
        c = self.channel(p.get("channel"), need_member=False)
        home = self.ws.home_team.team_id  # the host of every channel the double has
        teams = sorted({home} | {self.ws.users[u].team_id for u in c.members if u in self.ws.users}) if c.is_ext_shared else [home]
        info: dict[str, Any] = {
            "id": c.channel_id, "name": c.name, "name_normalized": c.name, "created": 1449252889, "creator": "",
            "is_channel": not c.is_private and not c.is_im, "is_group": c.is_private and not c.is_im, "is_im": c.is_im,
            "is_mpim": False, "is_private": c.is_private, "is_archived": c.archived, "is_general": False, "is_shared": c.is_ext_shared,
            "is_ext_shared": c.is_ext_shared, "is_org_shared": False, "is_pending_ext_shared": False, "pending_shared": [],
            # context_team_id: the workspace the channel is seen from, i.e. the caller's (assumed; the host's for the home one).
            "is_member": self.caller.bot_user_id in c.members, "context_team_id": self.caller.team_id, "conversation_host_id": home,
            "shared_team_ids": teams, "internal_team_ids": [], "parent_conversation": None, "unlinked": 0,
            "topic": {"value": "", "creator": "", "last_set": 0}, "purpose": {"value": "", "creator": "", "last_set": 0},
        }
        if c.is_ext_shared:
            info["connected_team_ids"] = [t for t in teams if t != home]
        if c.is_im:
            info["user"] = c.members[0]
        return {"channel": info}

    def conversations_open(self, p: dict[str, Any]) -> dict[str, Any]:
        user = str(p.get("users") or "").split(",")[0]
        if user not in self.ws.users:
            raise SlackError("user_not_found")
        if self.ws.dm_refused(user, self.caller.team_id):
            raise SlackError("user_not_visible")  # documented for conversations.open; seen in issue 17
        return {"channel": {"id": self.ws.dm_channel(user, self.caller.team_id).channel_id}}

    def conversations_history(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel(p.get("channel"))
        inclusive = truthy(p.get("inclusive"))
        oldest, latest = float(p.get("oldest") or 0), float(p.get("latest") or 9e12)
        # Thread replies stay in their thread; history lists top-level messages newest first.
        found = [m for m in reversed(self.ws.messages.get(channel.channel_id, []))
                 if (m.thread_ts in (None, m.ts)) and (oldest <= float(m.ts) <= latest if inclusive else oldest < float(m.ts) < latest)]
        limit = int(p.get("limit") or 100)
        with_metadata = truthy(p.get("include_all_metadata"))
        return {"messages": [self.message_api(m, metadata=with_metadata) for m in found[:limit]], "has_more": len(found) > limit,
                "pin_count": 0, "response_metadata": {"next_cursor": ""}}

    def conversations_replies(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel(p.get("channel"))
        ts = str(p.get("ts"))
        if self.ws.find_message(channel.channel_id, ts) is None:
            raise SlackError("thread_not_found")
        found = [m for m in self.ws.messages.get(channel.channel_id, []) if m.ts == ts or m.thread_ts == ts]
        return {"messages": [self.message_api(m, metadata=truthy(p.get("include_all_metadata"))) for m in found], "has_more": False,
                "response_metadata": {"next_cursor": ""}}

    # -- messages -------------------------------------------------------------------------------
    def message_api(self, m: Message, metadata: bool = True) -> dict[str, Any]:
        """A message object as chat.* and conversations.history return it."""
        # `team` is the poster's own organisation (a partner's person writes with their team in a shared channel).
        author = self.ws.users.get(m.user)
        item: dict[str, Any] = {"type": "message", "user": m.user, "text": m.text, "ts": m.ts,
                                "team": author.team_id if author else self.ws.home_team.team_id}
        if m.bot_id:
            item.update(bot_id=m.bot_id, app_id=self.double.app_id)
        if m.blocks:
            item["blocks"] = m.blocks
        if m.thread_ts:
            item["thread_ts"] = m.thread_ts
        if m.metadata and metadata:
            item["metadata"] = m.metadata
        if m.edits:
            item["edited"] = {"user": m.user, "ts": m.ts}
        if m.files:
            item.update(subtype="file_share", files=[{"id": f} for f in m.files])
        return item

    def check_content(self, p: dict[str, Any], *, need_content: bool = True) -> None:
        """no_text / msg_too_long / invalid_blocks / invalid_metadata_format, as chat.postMessage checks them."""
        if need_content and not p.get("text") and not p.get("blocks") and not p.get("attachments"):
            raise SlackError("no_text")
        if len(str(p.get("text") or "")) > MAX_TEXT:
            raise SlackError("msg_too_long")
        if "blocks" in p:
            try:
                validate_blocks(p["blocks"] or [], 50)
            except Invalid as problem:
                raise SlackError("invalid_blocks", response_metadata={"messages": [str(problem)]}) from problem
        metadata = p.get("metadata")
        if metadata not in (None, "") and not (isinstance(metadata, dict) and isinstance(metadata.get("event_type"), str)
                                               and isinstance(metadata.get("event_payload"), dict)):
            raise SlackError("invalid_metadata_format")

    def chat_postMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel(p.get("channel"))
        if channel.archived:
            raise SlackError("is_archived")
        self.check_content(p)
        message = Message(channel.channel_id, self.ws.next_ts(), self.caller.bot_user_id, str(p.get("text") or ""),
                          fill_ids(p.get("blocks") or []), thread_ts=p.get("thread_ts") or None, metadata=p.get("metadata") or None,
                          bot_id=self.caller.bot_id, team_id=self.caller.team_id)
        self.ws.messages.setdefault(channel.channel_id, []).append(message)
        return {"channel": channel.channel_id, "ts": message.ts, "message": self.message_api(message)}

    def chat_update(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel(p.get("channel"))
        message = self.ws.find_message(channel.channel_id, str(p.get("ts")))
        if message is None:
            raise SlackError("message_not_found")
        # A bot may edit its own messages only: another installation's bot's are someone else's (documented code).
        if message.user != self.caller.bot_user_id:
            raise SlackError("cant_update_message")
        if channel.archived:
            raise SlackError("is_archived")
        self.check_content(p, need_content=False)
        # Slack's chat.update: blocks (and metadata) left out are kept; an empty blocks array removes them.
        text = str(p.get("text") or "") if "text" in p else message.text
        blocks = fill_ids(p.get("blocks") or []) if "blocks" in p else message.blocks
        if not text and not blocks:
            raise SlackError("no_text")
        message.text, message.blocks = text, blocks
        if p.get("metadata"):
            message.metadata = p["metadata"]
        message.edits += 1
        return {"channel": channel.channel_id, "ts": message.ts, "text": message.text, "message": self.message_api(message)}

    def chat_delete(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel(p.get("channel"))
        message = self.ws.find_message(channel.channel_id, str(p.get("ts")))
        if message is None:
            raise SlackError("message_not_found")
        if message.user != self.caller.bot_user_id:
            raise SlackError("cant_delete_message")
        self.ws.messages[channel.channel_id].remove(message)
        if message.ts in channel.pinned:  # a deleted message is no longer pinned
            channel.pinned.remove(message.ts)
        return {"channel": channel.channel_id, "ts": message.ts}

    def chat_postEphemeral(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel(p.get("channel"))
        user = str(p.get("user"))
        if user not in self.ws.users:
            raise SlackError("user_not_found")
        if user not in channel.members:
            raise SlackError("user_not_in_channel")
        self.check_content(p)
        message = Message(channel.channel_id, self.ws.next_ts(), self.caller.bot_user_id, str(p.get("text") or ""),
                          fill_ids(p.get("blocks") or []), thread_ts=p.get("thread_ts") or None, ephemeral_to=user,
                          bot_id=self.caller.bot_id, team_id=self.caller.team_id)
        self.ws.ephemerals.append(message)
        return {"message_ts": message.ts}

    def pins_add(self, p: dict[str, Any]) -> dict[str, Any]:
        # api.slack.com/methods/pins.add: channel + timestamp; the bot must be in the channel (not_in_channel),
        # the message must exist (message_not_found), a message pins once (already_pinned); pins:write.
        if "pins:write" not in self.double.scopes:
            raise SlackError("missing_scope", needed="pins:write", provided=",".join(self.double.scopes))
        channel = self.channel(p.get("channel"))
        ts = str(p.get("timestamp") or "")
        if self.ws.find_message(channel.channel_id, ts) is None:
            raise SlackError("message_not_found")
        if ts in channel.pinned:
            raise SlackError("already_pinned")
        channel.pinned.append(ts)
        return {}

    def chat_getPermalink(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = self.channel(p.get("channel"), need_member=False)
        ts = str(p.get("message_ts"))
        if self.ws.find_message(channel.channel_id, ts) is None:
            raise SlackError("message_not_found")
        permalink = f"https://{self.ws.teams[self.caller.team_id].domain}.slack.com/archives/{channel.channel_id}/p{ts.replace('.', '')}"
        return {"channel": channel.channel_id, "permalink": permalink}
