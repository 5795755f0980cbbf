"""`meetup-bot`: the command line. `run` starts the bot; `check` validates an events file."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from adapters import archive_cli, schedule_command
from adapters.app import App
from adapters.logging_setup import setup_logging
from adapters.slack import manifest as slack_manifest
from bot.calendar.loader import CalendarError, load_calendar_data
from bot.calendar.source import CalendarSource
from bot.config import Settings
from bot.store.store import StoreUnavailable


def cmd_run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if args.events:
        settings = _with_events(settings, args.events)
    # A console chat shows replies, not start-up chatter, unless LOG_LEVEL asks for it.
    quiet = settings.console_only and "LOG_LEVEL" not in os.environ
    setup_logging("WARNING" if quiet else settings.log_level, settings.secrets())
    try:
        source = CalendarSource.from_file(settings.events_file)
    except CalendarError as exc:
        print(f"cannot start: {settings.events_file} has errors:", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        return 1

    async def main() -> int:
        app = App(settings, source)
        app.install_signal_handlers()
        return await app.run()

    try:
        return asyncio.run(main())
    except StoreUnavailable as error:
        print(f"cannot start: {error}", file=sys.stderr)
        return 1


def cmd_check(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        data = load_calendar_data(path)
    except CalendarError as exc:
        for error in exc.errors:
            print(error)
        print(f"{len(exc.errors)} error(s) in {path}", file=sys.stderr)
        return 1
    print(f"{path}: OK, {len(data.events)} meetups, {len(data.speakers)} speakers, {len(data.venues)} venues")
    return 0


def _with_events(settings: Settings, events: str) -> Settings:
    return replace(settings, events_file=Path(events))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="meetup-bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the bot (a console chat when no platform token is set)")
    run.add_argument("--events", help="the events file (default: $EVENTS_FILE or events.yaml)")
    run.set_defaults(func=cmd_run)

    check = sub.add_parser("check", help="validate an events file; exit 1 listing every error")
    check.add_argument("file", nargs="?", default="events.yaml")
    check.set_defaults(func=cmd_check)

    slack_manifest.add_arguments(
        sub.add_parser("slack-manifest", help="print a Slack app manifest (scopes, slash command, events)")
    )
    schedule_command.add_parser(sub)
    archive_cli.add_parsers(sub)  # import-posts, export
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
