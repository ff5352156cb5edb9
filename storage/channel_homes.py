"""Which installation holds a shared channel's alliance, and which installations have seen the channel.

A Slack Connect channel has one id in every organisation it connects. When both organisations
installed the app, requests about the channel arrive through either installation, but the channel
has one alliance: the one stored first, under the installation that stored it (its *home*). Every
other installation that has seen the channel in a request Slack signed works on the home's rows.
Installations that have not seen a channel never reach it: a sighting is the proof that the
channel is shared with their workspace.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from storage.db import insert_if_absent
from storage.models.actions import ActionItemRow
from storage.models.alliances import AllianceRow, ChannelSightingRow
from storage.models.decisions import DecisionRow
from storage.models.installations import InstallationTokenRow
from storage.models.meetings import MeetingRow
from storage.models.milestones import MilestoneRow

# What a button's value or a modal's metadata may name by id (bot/views/metadata.py), and the rows it names.
REFERENCES: dict[str, type[ActionItemRow | DecisionRow | MeetingRow | MilestoneRow]] = {
    "decision": DecisionRow, "item": ActionItemRow, "meeting": MeetingRow, "milestone": MilestoneRow}


@dataclass(frozen=True)
class ChannelHome:
    """Where a channel's rows live as seen from one installation.

    `home`: the installation to read and write them under. `stranded`: an installation that holds the
    channel's alliance but can no longer speak (it uninstalled), whose rows should move to `home`."""

    home: int
    stranded: int | None = None
    settled: bool = False  # the channel has an alliance: its home stays until that installation uninstalls


def record_sighting(session: Session, installation_id: int, channel_id: str, now: datetime) -> bool:
    """Remember that the installation saw the channel; True the first time."""
    return insert_if_absent(session, ChannelSightingRow, {"installation_id": installation_id, "channel_id": channel_id,
                                                          "seen_at": now}, ChannelSightingRow.channel_id) is not None


def has_seen(session: Session, installation_id: int, channel_id: str) -> bool:
    """Whether the installation has seen the channel in a signed request."""
    return session.get(ChannelSightingRow, (installation_id, channel_id)) is not None


def channel_home(session: Session, installation_id: int, channel_id: str) -> ChannelHome:
    """Where the channel's alliance lives, for a request through `installation_id`, which must have seen it.

    The oldest alliance of the channel under an installation that can still speak (OAuth mode: one that has a bot
    token) wins. A channel with no alliance (an action item needs none) is at home with the installation that saw it
    first and can still speak, where its first rows went. An alliance left under an uninstalled installation is
    `stranded`, to be moved here."""
    if not has_seen(session, installation_id, channel_id):
        return ChannelHome(installation_id)
    holders = list(session.scalars(select(AllianceRow.installation_id).where(AllianceRow.channel_id == channel_id)
                                   .order_by(AllianceRow.id)))
    speaking = set(session.scalars(select(InstallationTokenRow.installation_id)
                                   .where(InstallationTokenRow.installation_id.in_(holders)))) if holders else set()
    for holder in holders:
        if holder in speaking:
            return ChannelHome(holder, settled=True)
    if holders:
        return ChannelHome(installation_id, holders[0])
    first = session.scalar(select(ChannelSightingRow.installation_id).where(
        ChannelSightingRow.channel_id == channel_id,
        exists().where(InstallationTokenRow.installation_id == ChannelSightingRow.installation_id))
        .order_by(ChannelSightingRow.seen_at, ChannelSightingRow.installation_id).limit(1))
    return ChannelHome(first if first is not None else installation_id)


def channel_of_reference(session: Session, installation_id: int, kind: str, row_id: int) -> str | None:
    """The channel of the decision, item, meeting or milestone `row_id`, when the installation may see it: one of its
    own, of a channel it has seen, or of an installation it shares a channel with (a person's Home tab lists their
    own work from those: the app wrote the reference, Slack signed the request). None otherwise (no such row, or an
    unrelated workspace's)."""
    model = REFERENCES.get(kind)
    if model is None:
        return None
    row = session.execute(select(model.installation_id, model.channel_id).where(model.id == row_id)).first()
    if row is None:
        return None
    if (row.installation_id == installation_id or has_seen(session, installation_id, row.channel_id)
            or row.installation_id in partner_installations(session, installation_id)):
        return str(row.channel_id)
    return None


def successors(session: Session, installation_id: int, channel_id: str) -> list[int]:
    """Other installations that have seen the channel and can still speak, first seen first: who takes it over
    when `installation_id` uninstalls."""
    return list(session.scalars(
        select(ChannelSightingRow.installation_id)
        .where(ChannelSightingRow.channel_id == channel_id, ChannelSightingRow.installation_id != installation_id,
               exists().where(InstallationTokenRow.installation_id == ChannelSightingRow.installation_id))
        .order_by(ChannelSightingRow.seen_at, ChannelSightingRow.installation_id)))


def partner_installations(session: Session, installation_id: int) -> list[int]:
    """The installation and every other one it shares a channel with (in either direction: a channel it has seen
    lives under the other, or the other has seen one of its channels): where a person's own work may be stored."""
    mine = select(ChannelSightingRow.channel_id).where(ChannelSightingRow.installation_id == installation_id)
    holders = select(AllianceRow.installation_id).where(AllianceRow.channel_id.in_(mine))
    own_channels = select(AllianceRow.channel_id).where(AllianceRow.installation_id == installation_id)
    seers = select(ChannelSightingRow.installation_id).where(ChannelSightingRow.channel_id.in_(own_channels))
    others = set(session.scalars(holders)) | set(session.scalars(seers))
    return [installation_id, *sorted(others - {installation_id})]


def forget_sighting(session: Session, installation_id: int, channel_id: str) -> None:
    """The installation no longer sees the channel (it moved away from it)."""
    session.execute(delete(ChannelSightingRow).where(ChannelSightingRow.installation_id == installation_id,
                                                     ChannelSightingRow.channel_id == channel_id))
