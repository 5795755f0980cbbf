"""`meetup-bot`: the command line. `run` starts the bot; `check` validates an events file."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from adapters import platforms
from adapters.base import StartError
from adapters.calendar_files import calendar_path, run_settings
from adapters.log_redaction import redact
from adapters.logging_setup import setup_logging
from bot.calendar.loader import CalendarError, load_calendar_data
from bot.calendar.model import Community
from bot.calendar.source import CalendarSource
from bot.config import Settings, SettingsError
from bot.edits.git_repo import GitError
from bot.wording import plural

# The other subcommands by the module that defines them (its `add_parser(sub)`). A module is
# imported only when its subcommand is named, or for the full --help: `run` loads none of them.
SUBCOMMANDS = {
    "slack-manifest": "adapters.slack.manifest",
    "schedule": "adapters.schedule_command",
    "import-posts": "adapters.archive_cli",
    "export": "adapters.archive_cli",
    "site": "adapters.web.site.command",
    "attendees": "adapters.attendees_cli",
    "proposals": "adapters.proposals_cli",
    "db": "adapters.db_cli",
}


def cmd_run(args: argparse.Namespace) -> int:
    from adapters.app import App  # the bot's parts: only `run` needs them
    from bot.store.kinds import StoreUnavailable  # not bot.store.store: SQLAlchemy on first real use

    settings = Settings.from_env()
    serving = platforms.configured(settings)  # checks every platform's settings before anything starts
    platforms.check_organisers(settings)  # ORGANISERS=local or telegram:@dana would never match anyone
    platforms.check_announce_chats(settings)  # nor could ANNOUNCE_CHATS=general be posted to
    # A console chat shows replies, not start-up chatter or the warnings an operator reads (a
    # refused broadcast is already said in the reply), unless LOG_LEVEL asks for them; errors
    # (a broken edit of events.yaml) still show. With PORT set it is a server, and says where
    # it listens.
    quiet = not serving and settings.port is None and "LOG_LEVEL" not in os.environ
    setup_logging("ERROR" if quiet else settings.log_level, platforms.secrets(settings))
    settings = run_settings(settings, args.events)  # CALENDAR_REPO: cloned or fetched now
    try:
        source = CalendarSource.from_file(settings.events_file)
    except CalendarError as exc:
        if [e.path for e in exc.errors] == ["(file)"]:  # missing, unreadable, not UTF-8: one line
            print(f"cannot start: {exc.errors[0]}", file=sys.stderr)
            return 1
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
    except (StoreUnavailable, StartError) as error:
        print(redact(f"cannot start: {error}"), file=sys.stderr)  # printed, not logged: redact here
        return 1


def cmd_check(args: argparse.Namespace) -> int:
    path = calendar_path(args.file or args.events)  # the file `run` would read
    try:
        data = load_calendar_data(path)
    except CalendarError as exc:
        for error in exc.errors:
            print(error)
        print(f"{plural(len(exc.errors), 'error')} in {path}", file=sys.stderr)
        return 1
    for warning in platform_warnings(path, data.community):
        print(warning, file=sys.stderr)
    counts = [plural(len(data.events), "meetup"), plural(len(data.speakers), "speaker")]
    print(f"{path}: OK, {', '.join(counts)}, {plural(len(data.venues), 'venue')}")
    return 0


def platform_warnings(path: Path, community: Community) -> list[str]:
    """Chat and user refs for a platform this environment does not run: not an error (the file
    may serve another deployment), but nothing is posted there and nobody there is an organiser."""
    try:
        running = platforms.running_names(Settings.from_env())
    except SettingsError:
        running = frozenset()
    refs = [(f"community.announce[{i}]", ref) for i, ref in enumerate(community.announce)]
    refs += [(f"community.organisers[{i}]", ref) for i, ref in enumerate(community.organisers)]
    if community.organisers_chat:
        refs.append(("community.organisers_chat", community.organisers_chat))
    warnings = []
    for i, ref in enumerate(community.organisers):
        if (problem := platforms.organiser_problem(ref)) is not None:
            warnings.append(f"{path}: warning: community.organisers[{i}]: never matches anyone: {problem}")
    for where, ref in refs:
        name = ref.partition(":")[0].lower()
        if name not in running:
            why = platforms.not_running(name)
            warnings.append(f"{path}: warning: {where}: {ref} is on {name}, {why}")
    return warnings


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command line; given `argv`, only the named subcommand's module is imported."""
    parser = argparse.ArgumentParser(prog="meetup-bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the bot (a console chat when no platform token is set)")
    run.add_argument("--events", help="the events file (default: $EVENTS_FILE or events.yaml)")
    run.set_defaults(func=cmd_run)

    check = sub.add_parser("check", help="validate an events file; exit 1 listing every error")
    check.add_argument("file", nargs="?", help="the events file (default: $EVENTS_FILE or events.yaml)")
    check.add_argument("--events", "--file", dest="events", help="the events file, as the other subcommands name it")
    check.set_defaults(func=cmd_check)

    named = next((a for a in (sys.argv[1:] if argv is None else argv) if not a.startswith("-")), None)
    if named in ("run", "check"):
        return parser
    for module in dict.fromkeys(SUBCOMMANDS.values()):  # each once, in the order of the table
        if named not in SUBCOMMANDS or SUBCOMMANDS[named] == module:
            _add_subcommand(sub, module)
    return parser


def _add_subcommand(sub: argparse._SubParsersAction[argparse.ArgumentParser], module: str) -> None:
    loaded = importlib.import_module(module)
    if module == "adapters.slack.manifest":
        what = "print a Slack app manifest (scopes, slash command, events)"
        loaded.add_arguments(sub.add_parser("slack-manifest", help=what))
    elif module == "adapters.archive_cli":
        loaded.add_parsers(sub)  # import-posts, export
    else:
        loaded.add_parser(sub)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
        sys.stdout.flush()  # a full disk or a closed pipe shows here, not as a traceback at exit
    except SettingsError as error:  # a bad setting in the environment: a usage error, one line
        print(f"{parser.prog}: {error}", file=sys.stderr)
        return 2
    except GitError as error:  # CALENDAR_REPO cannot be fetched: one line, credentials redacted
        print(redact(f"{parser.prog}: cannot read the calendar repository: {error}"), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (`| head`): nothing more to tell it
        _drop_stdout()
        return 1
    except OSError as error:  # the output could not be written (`> /dev/full`)
        _drop_stdout()
        print(f"{parser.prog}: {error}", file=sys.stderr)
        return 1
    return code


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's own flush at exit does not fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
