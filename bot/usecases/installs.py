"""Uninstalls and revoked tokens (OAuth mode): forget the workspace's tokens at once, and hand its shared channels to
the partner's installation when the partner installed the app too."""
from __future__ import annotations

import logging

from bot.services import Services
from bot.slack_edge.gateway import SlackCallError
from bot.slack_edge.installation_context import bound_installation
from bot.usecases import alliances, consensus, meeting_plans
from bot.views import alliance as views
from storage.alliances import get_alliance
from storage.channel_homes import forget_sighting, successors
from storage.installation_tokens import delete_tokens
from storage.installations import installation_name
from storage.retention import alliance_channels, move_alliance

logger = logging.getLogger(__name__)


def forget_tokens(services: Services, installation_id: int, why: str) -> None:
    """Delete the installation's stored tokens and drop them from the vault's cache; its shared channels carry on
    under the other installation that sees them."""
    with services.db.write() as session:
        deleted = delete_tokens(session, installation_id)
    if services.vault is not None:
        services.vault.forget(installation_id)
    logger.info("%s: installation %s tokens %s", why, installation_id, "deleted" if deleted else "were already gone")
    hand_over_channels(services, installation_id)


def hand_over_channels(services: Services, installation_id: int) -> list[tuple[str, int]]:
    """Move each alliance of the installation whose channel another installation has seen (a Slack Connect channel
    whose partner installed the app too) to that installation, so its schedule and its people carry on; which
    channel went where."""
    handed: list[tuple[str, int]] = []
    with services.db.write() as session:
        for channel in alliance_channels(session, installation_id):
            heirs = successors(session, installation_id, channel)
            if not heirs or get_alliance(session, installation_id, channel) is None:
                continue
            moved = move_alliance(session, installation_id, heirs[0], channel)
            if moved:
                forget_sighting(session, installation_id, channel)
                handed.append((channel, heirs[0]))
            logger.info("channel %s: handed from installation %s to %s (%s)", channel, installation_id, heirs[0],
                        moved or "not moved: that installation has rows of its own there")
    services.shared_channels.forget(installation_id)
    for channel, heir in handed:
        carry_on(services, installation_id, heir, channel)
    return handed


def carry_on(services: Services, gone: int, heir: int, channel_id: str) -> None:
    """Through the heir's bot: say what happened, post the panel and the open decisions again (the old messages
    were the removed bot's). The heir's bot must be in the channel; if it is not, one line says so."""
    with services.db.read() as session:
        names = installation_name(session, gone), installation_name(session, heir)
    try:
        with bound_installation(heir):
            reposted = consensus.post_again(services, heir, channel_id) + meeting_plans.post_proposals_again(services, heir, channel_id)
            services.gateway.post_message(channel_id, *views.handed_over_message(*names, reposted))
            alliances.show_panel(services, heir, channel_id)
    except SlackCallError as error:
        logger.warning("channel %s: installation %s took it over but cannot post there (%s); invite its bot to the channel",
                       channel_id, heir, error.error)
