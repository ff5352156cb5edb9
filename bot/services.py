"""What listeners and jobs need, built once at start (bot/app.py builds it) and passed explicitly.

Its own module, importing only what its fields are, so that every listener, job and middleware can
name it without importing the app that registers them."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from slack_bolt.context import BoltContext

from bot.clock import Clock
from bot.settings import Settings
from bot.slack_edge.coalescer import UpdateCoalescer
from bot.slack_edge.directory import MemberDirectory
from bot.slack_edge.gateway import SlackGateway
from bot.slack_edge.group_commit import GroupCommit
from bot.slack_edge.payloads import ReceivedVote
from bot.slack_edge.shared_channels import SharedChannels
from bot.slack_edge.tokens import TokenVault
from storage.db import Database
from storage.installations import installation_bot_user


@dataclass
class Services:
    """What listeners and jobs need, built once at start and passed explicitly."""

    settings: Settings
    db: Database
    gateway: SlackGateway
    directory: MemberDirectory
    coalescer: UpdateCoalescer
    clock: Clock
    default_installation_id: int
    home_bot_user_id: str
    listener_executor: ThreadPoolExecutor
    # OAuth (multi-workspace) mode only: tokens by installation, and the install flow.
    vault: TokenVault | None = None
    oauth_flow: Any = None
    # How long a vote's listener waits for its commit before it gives up acknowledging it (Slack
    # allows 3 s in all). Tests on a loaded machine raise it: they check the ack comes, not how fast.
    vote_ack_wait: float = 2.5
    # Votes wait here to be stored in batches before their listeners ack (bot.usecases.consensus.cast).
    ballots: GroupCommit[ReceivedVote] = field(default_factory=lambda: GroupCommit("votes"))
    # Which installation's rows a request about a shared channel works on (both organisations may have installed).
    shared_channels: SharedChannels = field(init=False)

    def __post_init__(self) -> None:
        self.shared_channels = SharedChannels(self.db, self.clock, oauth=self.vault is not None)

    def bot_user(self, installation_id: int) -> str:
        """The bot's user id in an installation's workspace: each OAuth installation has its own bot
        user, read from the database (it is stored at install time); single-workspace mode has one."""
        if self.vault is None:
            return self.home_bot_user_id
        with self.db.read() as session:
            return installation_bot_user(session, installation_id) or ""

    def close(self) -> None:
        """Finish pending message updates and close database connections."""
        self.coalescer.close()
        self.db.dispose()


def services_of(context: BoltContext) -> Services:
    """The services a module-level listener runs on, put in Bolt's context by `services_middleware`."""
    services = context.get("services")
    if not isinstance(services, Services):
        raise RuntimeError("no services in the Bolt context: register services_middleware before the listeners")
    return services
