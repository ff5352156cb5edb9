"""`alliancebot export` and `alliancebot alliance delete`: an alliance's data out, or gone, when a partnership ends."""
from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO

from bot.clock import Clock, SystemClock
from storage.db import Database
from storage.retention import InstallationRef, alliance_channels, alliance_data, delete_alliance, installations

logger = logging.getLogger(__name__)

EXPORT_FORMAT = "alliancebot-export/1"


class RetentionError(Exception):
    """An operator mistake told in one line; `declined` when nothing was wrong but the operator said no."""

    def __init__(self, message: str, *, declined: bool = False) -> None:
        super().__init__(message)
        self.declined = declined


def check_channel_id(channel: str | None) -> None:
    """A --channel value must look like a Slack conversation id (C…, G… or D…)."""
    if channel is not None and not (len(channel) > 1 and channel[0] in "CGD" and channel[1:].isalnum() and channel.isupper()):
        raise RetentionError(f"--channel {channel}: not a Slack channel id (like C0123ABCD)")


def pick_installation(db: Database, wanted: str | None) -> InstallationRef:
    """The installation named by team id, enterprise id or number; the only one when not named."""
    with db.read() as session:
        known = installations(session)
    if not known:
        raise RetentionError("the database has no installation yet: run the bot once, or check DATABASE_URL")
    if wanted is None:
        if len(known) > 1:
            names = ", ".join(ref.team_id or ref.enterprise_id for ref in known)
            raise RetentionError(f"several workspaces share this database; name one with --installation ({names})")
        return known[0]
    for ref in known:
        if wanted in (ref.team_id, ref.enterprise_id, str(ref.id)) and wanted:
            return ref
    raise RetentionError(f"--installation {wanted}: no such workspace in this database")


def _installation_json(ref: InstallationRef) -> dict[str, Any]:
    return {"team_id": ref.team_id, "enterprise_id": ref.enterprise_id, "team_name": ref.team_name}


def export(db: Database, *, output: str, channel: str | None, installation: str | None, clock: Clock | None = None) -> dict[str, int]:
    """Write the alliance's (or, without a channel, every alliance's) data as JSON; rows per table."""
    check_channel_id(channel)
    ref = pick_installation(db, installation)
    with db.read() as session:
        channels = [channel] if channel else alliance_channels(session, ref.id)
        found = [alliance_data(session, ref.id, c) for c in channels]
    if channel and found[0].empty:
        raise RetentionError(f"--channel {channel}: no alliance data for this channel in {ref.team_id or ref.enterprise_id}")
    document = {"format": EXPORT_FORMAT, "exported_at": (clock or SystemClock()).now().isoformat(),
                "installation": _installation_json(ref),
                "alliances": [{"channel_id": data.channel_id, "tables": data.tables} for data in found]}
    write_private(output, json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    totals: dict[str, int] = {}
    for data in found:
        for name, count in data.counts().items():
            totals[name] = totals.get(name, 0) + count
    logger.info("exported %d alliance(s) of installation %s: %s", len(found), ref.id, totals)
    return totals


def export_decisions(db: Database, *, fmt: str, channel: str | None, output: str, installation: str | None,
                     clock: Clock | None = None) -> int:
    """Every consensus decision (of one channel's alliance, or all) as CSV or JSON; how many.
    Anonymous decisions come out as their views show them: no names next to votes."""
    from bot.usecases.governance_load import channel_figures, paths
    from bot.views.consensus_export import export_record, load_record, to_csv, to_json
    from storage.decisions import decision_history
    from storage.disputes import disputes_of

    check_channel_id(channel)
    ref = pick_installation(db, installation)
    with db.read() as session:
        if channel and channel not in alliance_channels(session, ref.id):
            raise RetentionError(f"--channel {channel}: no alliance data for this channel in {ref.team_id or ref.enterprise_id}")
        history = decision_history(session, ref.id, channel)
        disputes = disputes_of(session, ref.id, [decision.id for decision, _ in history])
        now = (clock or SystemClock()).now()
        routes = paths(session, ref.id, [decision for decision, _ in history], now, disputes)
        records = [export_record(decision, rounds, disputes.get(decision.id), routes.get(decision.id)) for decision, rounds in history]
        load = {c: load_record(channel_figures(session, ref.id, c, now)) for c in dict.fromkeys(d.channel_id for d, _ in history)}
    write_private(output, to_json(records, load) if fmt == "json" else to_csv(records))
    return len(records)


def write_private(output: str, text: str) -> None:
    """Write `text` to standard output (`-`) or atomically to a file only its owner can read: every
    export holds confidential alliance data."""
    if output == "-":
        sys.stdout.write(text)
        return
    target = Path(output)
    if not target.parent.is_dir():
        raise RetentionError(f"--output {output}: the folder {target.parent} does not exist")
    if target.is_dir():
        raise RetentionError(f"--output {output}: is a folder; name a file")
    try:
        handle, temporary = tempfile.mkstemp(prefix=".alliancebot-export-", dir=target.parent)  # mode 0600
    except OSError as error:
        raise RetentionError(f"--output {output}: cannot write there ({error.strerror or error})") from error
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def delete(db: Database, *, channel: str, installation: str | None, yes: bool, stdin: TextIO | None = None,
           stdout: TextIO | None = None) -> dict[str, int]:
    """Delete the alliance in `channel`, after confirmation (or --yes); rows deleted per table."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    check_channel_id(channel)
    ref = pick_installation(db, installation)
    with db.read() as session:
        counts = alliance_data(session, ref.id, channel).counts()
    workspace = ref.team_id or ref.enterprise_id
    if not counts:
        raise RetentionError(f"--channel {channel}: no alliance data for this channel in {workspace}")
    if not yes:
        if not stdin.isatty():
            raise RetentionError("refusing to delete without confirmation: add --yes")
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        stdout.write(f"Delete every row of the alliance in {channel} ({workspace}): {summary}?\nType the channel id to confirm: ")
        stdout.flush()
        if stdin.readline().strip() != channel:
            raise RetentionError("not confirmed; nothing was deleted", declined=True)
    with db.write() as session:
        deleted = delete_alliance(session, ref.id, channel)
    logger.info("deleted the alliance in %s of installation %s: %s", channel, ref.id, deleted)
    return deleted
