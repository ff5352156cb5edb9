"""The one error boundary: user errors become ephemeral answers, the rest an incident id and a log line."""
from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from bot.domain.errors import FormErrors, UserError
from bot.domain.mentions import as_typed
from bot.services import Services, services_of
from bot.slack_edge.gateway import SlackCallError
from bot.slack_edge.installation_context import current_installation
from bot.slack_edge.payloads import where_to_answer
from bot.slack_edge.private_messages import tell_privately
from bot.slack_edge.shared_channels import request_channel

logger = logging.getLogger("bot.errors")
T = TypeVar("T")

# What people are told when Slack itself refuses something, by Slack's error code.
SLACK_ERROR_TEXT = {
    "not_in_channel": "I am not a member of this channel. Invite me with `/invite @Alliance Bot` and try again.",
    "channel_not_found": "I cannot see this channel. Invite me with `/invite @Alliance Bot` and try again.",
    "is_archived": "This channel is archived.",
    "expired_trigger_id": "Slack took too long to open the form. Please run the command again.",
    "missing_scope": "The app is missing a permission; ask your Slack admin to reinstall it from its manifest.",
}


ECHO_MAX = 2500  # characters of a refused command shown back (Slack allows 4000 in a command's text)


def with_what_was_typed(message: str, body: Mapping[str, Any]) -> str:
    """A refused slash command's message, then the command as typed, to fix and send again (nothing is kept of it)."""
    command, typed = body.get("command"), body.get("text")
    if not isinstance(command, str) or not isinstance(typed, str) or not typed.strip():
        return message
    # Slack's escaping (&amp; &lt; &gt;) stays: it is what shows the characters as typed.
    again = as_typed(" ".join(typed.split())).replace("```", "'''")[:ECHO_MAX]  # a fence would end the block
    return f"{message}\nWhat you typed, to fix and send again:\n```{command} {again}```"


def error_handler(services: Services) -> Callable[..., None]:
    """Build the `@app.error` handler."""

    def handle(error: Exception, body: dict[str, Any], respond: Callable[..., Any] | None = None) -> None:
        if isinstance(error, UserError):
            text = with_what_was_typed(error.message, body)
        elif isinstance(error, SlackCallError) and error.error in SLACK_ERROR_TEXT:
            logger.warning("slack refused %s: %s", error.method, error.error)
            text = SLACK_ERROR_TEXT[error.error]
        else:
            incident = uuid.uuid4().hex[:8]
            # Never the payload: it may carry another company's confidential text.
            logger.exception("incident %s: %s while handling a %s payload",
                             incident, type(error).__name__, body.get("type") or body.get("command") or "request")
            text = f"Something went wrong on my side (incident `{incident}`). Please try again; if it keeps happening, give your admin that incident id."
        if respond is not None and (body.get("response_url") or body.get("response_urls")):
            # response_url answers work even where the bot is not a channel member.
            try:
                respond(text=text, response_type="ephemeral", replace_original=False)
                return
            except Exception:
                logger.warning("answering through response_url failed; trying chat.postEphemeral")
        _, user = where_to_answer(body)
        if user:
            tell_about_error(services, body, user, text)

    return handle


def answer_privately(services: Services, body: dict[str, Any], user: str, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
    """Answer a person privately about the request `body`: where they acted (an ephemeral in its channel), else by DM.
    A modal or a Home tab button names no channel: a DM first, then an ephemeral in the channel of the decision, item,
    meeting or milestone it is about (a partner's person may not be reachable by DM). A refused route is logged by
    `tell_privately`."""
    bound = current_installation.get()
    installation_id = services.default_installation_id if bound is None else bound
    channel = request_channel(body)
    where_they_are = channel is not None
    if channel is None:
        channel = services.shared_channels.channel_of(installation_id, body)
    tell_privately(services.gateway, services.db, installation_id, user, channel, text, blocks, now=services.clock.now(),
                   in_channel_first=where_they_are)


def tell_about_error(services: Services, body: dict[str, Any], user: str, text: str) -> None:
    """`answer_privately`, logging a call that failed rather than raising from the error boundary."""
    try:
        answer_privately(services, body, user, text)
    except SlackCallError as reply_error:
        logger.warning("could not tell %s about an error: %s", user, reply_error.error)


def listener(function: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a module-level listener so that its errors are answered here, not by Bolt.

    When a listener raises after ack(), Bolt resets the ack and waits out its 3-second ack timeout
    before logging "didn't call ack()", which delays or loses the answer. The listener takes
    `context` and finds its services there (`bot.services.services_of`), so it can be registered,
    imported and tested alone; it takes `body` (and may take `respond`) so the person can be told
    what went wrong."""

    @functools.wraps(function)  # Bolt reads the wrapped signature to inject arguments
    def guarded(**kwargs: Any) -> Any:
        try:
            return function(**kwargs)
        except Exception as error:
            _answer_failure(error_handler(services_of(kwargs["context"])), error, kwargs)
            return None

    return guarded


def _answer_failure(handle: Callable[..., None], error: Exception, kwargs: dict[str, Any]) -> None:
    ack = kwargs.get("ack")
    if ack is not None and getattr(ack, "response", None) is None:
        # It failed before acknowledging (a payload it could not read): answer Slack now rather
        # than leave it waiting out its 3 s; the person is told below.
        ack()
    handle(error, kwargs.get("body") or {}, kwargs.get("respond"))


def on_valid_form(ack: Callable[..., Any], block_id: str, read: Callable[[], T], act: Callable[[T], Any]) -> None:
    """A modal submission: read it (errors go back into the form, see `form_or_errors`); a valid one is
    acked, closing the form, and then acted on."""
    form = form_or_errors(ack, block_id, read)
    if form is None:
        return
    ack()
    act(form)


def form_or_errors(ack: Callable[..., Any], block_id: str, read: Callable[[], T]) -> T | None:
    """Read a submitted modal; a user error is acked back into the modal (None returned): on its own
    fields for `FormErrors`, else on `block_id`."""
    try:
        return read()
    except FormErrors as problems:
        ack(response_action="errors", errors=dict(problems.errors))
        return None
    except UserError as problem:
        ack(response_action="errors", errors={block_id: problem.message})
        return None
