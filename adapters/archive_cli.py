"""`meetup-bot import-posts` and `meetup-bot export`: the archive's command line.

import-posts reads website posts and merges them into the events file as text edits (see
bot/archive/yaml_writer.py); the file is replaced atomically, and only when something changed
and the result is a valid calendar. `--dry-run` prints the same report with where each field
came from, and the YAML it would write as a diff. export writes JSON or iCalendar to stdout.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bot.archive.ics import calendar_ics
from bot.archive.importer import import_posts, yaml_diff
from bot.archive.json_export import dumps
from bot.archive.yaml_writer import MergeError
from bot.calendar.loader import CalendarError, load_calendar_data

POST_SUFFIXES = (".md", ".markdown", ".txt", ".html")


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    imp = sub.add_parser("import-posts", help="merge website posts (Jekyll front matter + markdown) into events.yaml")
    imp.add_argument("paths", nargs="+", help="post files, or folders of them (*.md, *.markdown, *.txt, *.html)")
    imp.add_argument("--into", default="events.yaml", help="the events file to merge into (default: events.yaml)")
    imp.add_argument("--update", action="store_true", help="replace meetups already in the file (hand edits go)")
    imp.add_argument(
        "--dry-run",
        action="store_true",
        help="report what would change, where each field came from, and the YAML it would write; write nothing",
    )
    imp.set_defaults(func=cmd_import_posts)

    exp = sub.add_parser("export", help="write the calendar as JSON or iCalendar to stdout")
    exp.add_argument("--format", choices=("json", "ics"), required=True)
    exp.add_argument("--file", help="the events file (default: $EVENTS_FILE or events.yaml)")
    exp.set_defaults(func=cmd_export)


def post_files(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in POST_SUFFIXES))
        else:
            files.append(path)  # named explicitly: read whatever it is called
    return files


def cmd_import_posts(args: argparse.Namespace) -> int:
    into = Path(args.into)
    posts: list[tuple[str, str]] = []
    unreadable: list[str] = []
    for raw in args.paths:  # a folder with no posts in it is a wrong path, not "nothing to do"
        if Path(raw).is_dir() and not post_files([raw]):
            unreadable.append(f"{raw}: NOT IMPORTED\n  - no posts in this folder ({', '.join(POST_SUFFIXES)})")
    for path in post_files(args.paths):
        try:
            posts.append((str(path), path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            unreadable.append(f"{path}: NOT IMPORTED\n  - cannot read the file: {exc}")
    try:
        text = into.read_text(encoding="utf-8")
        result = import_posts(posts, text, filename=str(into), update=args.update)
    except OSError as exc:
        print(f"cannot read {into}: {exc}", file=sys.stderr)
        return 1
    except CalendarError as exc:
        print(f"{into} has errors; fix them first (nothing was imported):", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    except MergeError as exc:
        print(f"cannot merge into {into}: {exc} (nothing was changed)", file=sys.stderr)
        return 1
    for line in [*result.report_lines(origins=args.dry_run), *unreadable]:
        print(line)
    if args.dry_run:
        for line in yaml_diff(text, result.text, str(into)):
            print(line)
    elif result.changed:
        _write_atomically(into, result.text)
    merge = result.merge
    # The same words as the real run's; a dry run says "would" where the real run would write.
    verb = "unchanged" if not result.changed else "would change" if args.dry_run else "changed"
    print(f"{into}: {verb}: {len(merge.added)} added, {len(merge.updated)} updated, {len(merge.kept)} kept, "
          f"{len(result.failed) + len(unreadable)} not imported")  # fmt: skip
    if args.dry_run:
        print("dry run: nothing written")
    return 1 if result.failed or unreadable else 0


def _write_atomically(path: Path, text: str) -> None:
    """Write beside the file and rename over it: a crash never leaves half a calendar, and the
    bot's reloader sees one complete change."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cmd_export(args: argparse.Namespace) -> int:
    path = Path(args.file or os.environ.get("EVENTS_FILE") or "events.yaml")  # as `run` finds it
    try:
        data = load_calendar_data(path)
    except CalendarError as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        return 1
    if args.format == "json":
        sys.stdout.write(dumps(data))
        return 0
    stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(microsecond=0)
    body = calendar_ics(data, stamp=stamp)
    sys.stdout.flush()
    sys.stdout.buffer.write(body)  # bytes: RFC 5545 lines end in CRLF
    sys.stdout.buffer.flush()
    return 0
