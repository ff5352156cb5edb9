"""The `alliancebot` command: run, scheduler, db upgrade, manifest, check, export, alliance delete."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from bot.settings import ConfigError, Settings, StoreSettings, load_settings, load_store_settings
from bot.startup import NOT_DONE, Failure, check_tz_data, open_migrated_database, verify_slack

logger = logging.getLogger("alliancebot")


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
    run.add_argument("--health-port", type=int, help="Socket Mode: serve /healthz on this port (at --host); 503 while the connection to Slack is down")
    run.add_argument("--feed-port", type=int, help="Socket Mode: serve the calendar feeds (/calendar/…) on this port (at --host); "
                     "HTTP mode serves them on --port")
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
        if args.command in ("db", "export", "alliance"):
            # Database-only commands: DATABASE_URL is all they read; no Slack token is needed.
            store = load_store_settings()
            configure_logging(store.log_level)
            if args.command == "db":
                return db_upgrade(store)
            if args.command == "export" and args.export_command == "decisions":
                return export_decisions(store, args.format, args.channel, args.output, args.installation)
            return retention(store, args)
        settings = load_settings()
        configure_logging(settings.log_level)
        if args.command == "check":
            return check(settings)
        from bot.runner import run_bot, run_scheduler, serves_http

        if args.command == "scheduler":
            return run_scheduler(settings)
        if args.workers > 1 and serves_http(settings, args.http):
            from bot.workers import serve_workers

            return serve_workers(settings, host=args.host, port=args.port, workers=args.workers, with_scheduler=not args.no_scheduler,
                                 run=run_bot)
        return run_bot(settings, port=args.port, host=args.host, force_http=args.http, with_scheduler=not args.no_scheduler,
                       health_port=args.health_port, feed_port=args.feed_port)
    except ConfigError as error:
        print(f"alliancebot: {error}", file=sys.stderr)
        return 2
    except Failure as error:
        print(f"alliancebot: {error}", file=sys.stderr)
        return error.status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`alliancebot manifest | head`): stop quietly, as other tools do, and
        # point stdout at nothing so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


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


def db_upgrade(store: StoreSettings) -> int:
    """`alliancebot db upgrade`."""
    from storage.migrate import current_revision

    db = open_migrated_database(store.database_url)
    try:
        print(f"database is at revision {current_revision(db)}")
    finally:
        db.dispose()
    return 0


def check(settings: Settings) -> int:
    """`alliancebot check`: the settings are valid, Slack accepts every token the mode uses, and the
    database answers (it is not migrated or changed: `db upgrade` or `run` does that)."""
    from storage.migrate import database_status

    tz_data = check_tz_data()
    identity = verify_slack(settings)
    mode = "OAuth (HTTP)" if settings.oauth else "Socket Mode" if settings.socket_mode else "HTTP"
    if identity:
        print(f"ok: bot {identity.get('user')} ({identity.get('user_id')}) in {identity.get('team')} ({identity.get('team_id')}); {mode}")
    else:
        print(f"ok: {mode}; each workspace's bot token is checked when it installs")
    if settings.socket_mode:
        print("ok: SLACK_APP_TOKEN opens Socket Mode connections (apps.connections.open)")
    print(f"ok: time zone data {tz_data}")
    try:
        status = database_status(settings.database_url)
    except Exception as error:  # the driver's errors vary; the operator needs one clear line
        from bot.startup import first_line

        raise Failure(f"DATABASE_URL: cannot open the database ({first_line(error)})") from error
    print(f"ok: database {status}")
    return 0


def export_decisions(store: StoreSettings, fmt: str, channel: str | None, output: str | None, installation: str | None) -> int:
    """`alliancebot export decisions`: anonymous decisions come out without names next to votes."""
    from bot import retention as commands

    target = output or "-"

    def export(db: Any) -> str:
        count = commands.export_decisions(db, fmt=fmt, channel=channel, output=target, installation=installation)
        return f"exported {count} decisions to {target}"

    return _retention_command(store, export, data_on_stdout=target == "-")


def retention(store: StoreSettings, args: argparse.Namespace) -> int:
    """`alliancebot export` and `alliancebot alliance delete`."""
    from bot import retention as commands

    def export(db: Any) -> str:
        return f"exported {_rows(commands.export(db, output=args.output, channel=args.channel, installation=args.installation))} to {args.output}"

    def delete(db: Any) -> str:
        deleted = commands.delete(db, channel=args.channel, installation=args.installation, yes=args.yes)
        return f"deleted {_rows(deleted)} of the alliance in {args.channel}"

    if args.command == "alliance":
        return _retention_command(store, delete)
    if not args.output:
        raise Failure("--output: name the JSON file to write (or - for standard output)")
    return _retention_command(store, export, data_on_stdout=args.output == "-")


def _rows(counts: dict[str, int]) -> str:
    """'12 rows: 1 decisions, 11 votes'."""
    return f"{sum(counts.values())} rows: " + (", ".join(f"{n} {table}" for table, n in counts.items()) or "nothing")


def _retention_command(store: StoreSettings, command: Callable[[Any], str], data_on_stdout: bool = False) -> int:
    """Run an export or delete on the migrated database and print its one-line summary (on standard
    error when the data itself goes to standard output); its mistakes become one line."""
    from bot.retention import RetentionError

    db = open_migrated_database(store.database_url)
    try:
        print(command(db), file=sys.stderr if data_on_stdout else sys.stdout)
        return 0
    except RetentionError as error:
        raise Failure(str(error), NOT_DONE if error.declined else 2) from error
    finally:
        db.dispose()


def plan_meetings(args: argparse.Namespace) -> int:
    """`alliancebot meetings plan`: no settings or database needed."""
    from bot.fairness_cli import PlanError, plan_file

    try:
        text, warnings = plan_file(args.instance, track=args.track, online=args.online, table=args.table)
    except PlanError as error:
        raise Failure(str(error)) from error
    for warning in warnings:
        print(f"alliancebot: warning: {warning}", file=sys.stderr)
    print(text)
    return 0
