"""The `alliancebot` command: run, scheduler, db upgrade, manifest, check, export, alliance delete."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

from bot.settings import ConfigError, Settings, load_settings

logger = logging.getLogger("alliancebot")


class Failure(Exception):
    """A one-line reason to stop, with the exit status to stop with."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def configure_logging(level: str) -> None:
    """Plain one-line logs; Slack libraries at WARNING so no request bodies reach INFO logs."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("slack_bolt", "slack_sdk", "apscheduler", "waitress", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    top = argparse.ArgumentParser(prog="alliancebot", description="Alliance Bot: a Slack bot for biopharma alliance teams.")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser("run", help="run the bot and its scheduler (Socket Mode when SLACK_APP_TOKEN is set, else HTTP)")
    run.add_argument("--port", type=int, default=3000, help="HTTP port (default 3000)")
    run.add_argument("--host", default="0.0.0.0", help="HTTP address to listen on (default 0.0.0.0)")
    run.add_argument("--http", action="store_true", help="serve HTTP even when SLACK_APP_TOKEN is set")
    run.add_argument("--no-scheduler", action="store_true", help="do not run the scheduler in this process")
    run.add_argument("--workers", type=int, default=1, help="HTTP worker processes sharing the port and the database (default 1; use PostgreSQL for more)")
    commands.add_parser("scheduler", help="run the scheduler alone")
    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_commands.add_parser("upgrade", help="apply database migrations")
    manifest = commands.add_parser("manifest", help="print the Slack app manifest")
    manifest.add_argument("--http-url", help="print the HTTP variant whose request URL is this https URL")
    commands.add_parser("check", help="check the settings and call Slack's auth.test")
    export = commands.add_parser("export", help="write an alliance's data (or every alliance's) as JSON; `export decisions` for the decision log")
    export.add_argument("--channel", help="the alliance's channel id (default: every alliance of the workspace)")
    export.add_argument("--installation", help="the workspace's team id, when several share the database")
    export.add_argument("--output", help="the JSON file to write (- for standard output)")
    export_commands = export.add_subparsers(dest="export_command", required=False, metavar="[decisions]")
    decisions = export_commands.add_parser("decisions", help="every consensus decision: rounds, outcome, votes, governance load")
    decisions.add_argument("--format", choices=("csv", "json"), default="csv", help="csv (one row per round) or json (default csv)")
    decisions.add_argument("--channel", help="only this channel's decisions (a channel id like C0123ABC)")
    decisions.add_argument("--installation", help="the workspace's team id, when several share the database")
    decisions.add_argument("--output", help="write to this file instead of standard output")
    alliance = commands.add_parser("alliance", help="alliance maintenance")
    alliance_commands = alliance.add_subparsers(dest="alliance_command", required=True, metavar="ACTION")
    remove = alliance_commands.add_parser("delete", help="delete all of an alliance's data, for when a partnership ends")
    remove.add_argument("--channel", required=True, help="the alliance's channel id")
    remove.add_argument("--installation", help="the workspace's team id, when several share the database")
    remove.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    meetings = commands.add_parser("meetings", help="time-zone-fair meeting planning")
    meetings_commands = meetings.add_subparsers(dest="meetings_command", required=True, metavar="ACTION")
    plan = meetings_commands.add_parser("plan", help="plan a tzfair-instance/1 file; prints a tzfair-solution/1 file")
    plan.add_argument("instance", metavar="INSTANCE.json")
    plan.add_argument("--track", choices=("A", "B"), default="B", help="B (default): no avoidable night meeting")
    plan.add_argument("--online", action="store_true", help="fix occurrences one at a time from the pain already carried")
    plan.add_argument("--table", action="store_true", help="print the schedule and the pain ledger for people")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    args = parser().parse_args(argv)
    try:
        if args.command == "manifest":
            return print_manifest(args.http_url)
        if args.command == "meetings":
            return plan_meetings(args)
        settings = load_settings()
        configure_logging(settings.log_level)
        if args.command == "db":
            return db_upgrade(settings)
        if args.command == "check":
            return check(settings)
        if args.command == "export" and args.export_command == "decisions":
            return export_decisions(settings, args.format, args.channel, args.output, args.installation)
        if args.command in ("export", "alliance"):
            return retention(settings, args)
        from bot.runner import run_bot, run_scheduler

        if args.command == "scheduler":
            return run_scheduler(settings)
        return run_bot(settings, port=args.port, host=args.host, force_http=args.http, with_scheduler=not args.no_scheduler,
                       workers=args.workers)
    except ConfigError as error:
        print(f"alliancebot: {error}", file=sys.stderr)
        return 2
    except Failure as error:
        print(f"alliancebot: {error}", file=sys.stderr)
        return error.status
    except KeyboardInterrupt:
        return 130


def print_manifest(http_url: str | None) -> int:
    """Print the manifest (Socket Mode, or HTTP at `http_url`)."""
    from bot.manifest import http_manifest, load_manifest

    manifest = load_manifest()
    if http_url:
        try:
            manifest = http_manifest(manifest, http_url)
        except ValueError as error:
            raise Failure(str(error), 2) from error
    print(json.dumps(manifest, indent=2))
    return 0


def open_migrated_database(settings: Settings) -> object:
    """Open the database and apply migrations, turning connection problems into one line."""
    from storage.db import open_database
    from storage.migrate import upgrade

    try:
        db = open_database(settings.database_url)
        upgrade(db)
        return db
    except Exception as error:  # the driver's errors vary; the operator needs one clear line
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise Failure(f"DATABASE_URL: cannot open or migrate the database ({reason[:200]})", 2) from error


def db_upgrade(settings: Settings) -> int:
    """`alliancebot db upgrade`."""
    from storage.migrate import current_revision

    db = open_migrated_database(settings)
    print(f"database is at revision {current_revision(db)}")  # type: ignore[arg-type]
    return 0


def check(settings: Settings) -> int:
    """`alliancebot check`: settings are valid and Slack accepts the token."""
    from bot.app import web_client
    from bot.slack_edge.gateway import SlackCallError, SlackGateway

    try:
        identity = SlackGateway(web_client(settings)).auth_test()
    except SlackCallError as error:
        raise Failure(explain_slack_failure(error.error, settings), 2) from error
    mode = "Socket Mode" if settings.socket_mode else "HTTP"
    print(f"ok: bot {identity.get('user')} ({identity.get('user_id')}) in {identity.get('team')} ({identity.get('team_id')}); {mode}")
    return 0


def explain_slack_failure(code: str, settings: Settings) -> str:
    """One line telling the operator what a failed auth.test means."""
    if code in ("invalid_auth", "not_authed", "token_revoked", "account_inactive", "token_expired"):
        return f"SLACK_BOT_TOKEN was refused by Slack ({code}): copy the current Bot User OAuth Token from the app's OAuth & Permissions page"
    return f"cannot reach Slack at SLACK_API_URL={settings.api_url} ({code}); check the network or the URL"


def export_decisions(settings: Settings, fmt: str, channel: str | None, output: str | None, installation: str | None) -> int:
    """`alliancebot export decisions`: anonymous decisions come out without names next to votes."""
    from bot.views.consensus_export import export_record, to_csv, to_json
    from storage.db import Database
    from bot.retention import RetentionError, pick_installation
    from storage.decisions import decision_history

    if channel is not None and not (channel[:1] in "CGD" and channel[1:].isalnum() and len(channel) > 1):
        raise Failure(f"--channel: {channel!r} is not a Slack channel id (like C0123ABC)", 2)
    db = open_migrated_database(settings)
    assert isinstance(db, Database)
    try:
        ref = pick_installation(db, installation)
    except RetentionError as error:
        raise Failure(str(error), 1) from error
    with db.read() as session:
        records = [export_record(decision, rounds) for decision, rounds in decision_history(session, ref.id, channel)]
    text = to_json(records) if fmt == "json" else to_csv(records)
    if output is None:
        sys.stdout.write(text)
        return 0
    try:
        with open(output, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
    except OSError as error:
        raise Failure(f"--output: cannot write {output} ({error.strerror or error})", 2) from error
    print(f"exported {len(records)} decisions to {output}", file=sys.stderr)
    return 0


def retention(settings: Settings, args: argparse.Namespace) -> int:
    """`alliancebot export` and `alliancebot alliance delete`."""
    from bot import retention as commands

    if args.command == "export" and not args.output:
        raise Failure("--output: name the JSON file to write (or - for standard output)", 2)
    db = open_migrated_database(settings)
    try:
        if args.command == "export":
            totals = commands.export(db, output=args.output, channel=args.channel, installation=args.installation)  # type: ignore[arg-type]
            if args.output != "-":
                print(f"exported {sum(totals.values())} rows to {args.output}: " + (", ".join(f"{n} {t}" for t, n in totals.items()) or "nothing"))
            return 0
        deleted = commands.delete(db, channel=args.channel, installation=args.installation, yes=args.yes)  # type: ignore[arg-type]
        print(f"deleted {sum(deleted.values())} rows of the alliance in {args.channel}: " + ", ".join(f"{n} {t}" for t, n in deleted.items()))
        return 0
    except commands.RetentionError as error:
        raise Failure(str(error), 1) from error
    finally:
        db.dispose()  # type: ignore[attr-defined]


def plan_meetings(args: argparse.Namespace) -> int:
    """`alliancebot meetings plan`: no settings or database needed."""
    from bot.fairness_cli import PlanError, plan_file

    try:
        text, warnings = plan_file(args.instance, track=args.track, online=args.online, table=args.table)
    except PlanError as error:
        raise Failure(str(error), 2) from error
    for warning in warnings:
        print(f"alliancebot: warning: {warning}", file=sys.stderr)
    print(text)
    return 0
