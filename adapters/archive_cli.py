"""`meetup-bot import-posts` and `meetup-bot export`: the archive's command line.

import-posts reads website posts and merges them into the events file as text edits (see
bot/archive/yaml_writer.py), as one edit through the calendar writer (bot/edits/writer.py):
under its lock, compare-and-swap, atomic, only when something changed and the result is a valid
calendar, and a commit (pushed, with CALENDAR_REPO). `--dry-run` prints the same report with where each field
came from, and the YAML it would write as a diff. export writes JSON or iCalendar to stdout.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from adapters.calendar_files import calendar_path, repo_for
from bot.archive.ics import calendar_ics
from bot.archive.importer import ImportResult, import_posts, yaml_diff
from bot.archive.json_export import dumps
from bot.archive.yaml_writer import MergeError
from bot.calendar.loader import CalendarError, load_calendar_data
from bot.edits.contract import Author, EditFailed, EditResult

if TYPE_CHECKING:
    from bot.edits.writer import CalendarWriter

POST_SUFFIXES = (".md", ".markdown", ".txt", ".html")
IMPORTED_WITH_WARNINGS = 3  # not 2: argparse exits 2 on a usage error
IMPORT_EXIT_STATUS = """\
exit status:
  0  every post imported (or already in the file), with no warning
  1  some post was NOT IMPORTED (no date, unreadable, cannot be written), or the events file
     has errors; the other posts are still imported
  3  every post imported, but some carry warnings (a talk without title or speaker, no
     schedule, no meetup link, ...): read the report"""


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    imp = sub.add_parser(
        "import-posts",
        help="merge website posts (Jekyll front matter + markdown) into events.yaml",
        epilog=IMPORT_EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    imp.add_argument("paths", nargs="+", help="post files, or folders of them (*.md, *.markdown, *.txt, *.html)")
    # --events as every subcommand names the file; --into, its first name, still works.
    imp.add_argument(
        "--events", "--into", dest="into", help="the events file to merge into (default: as `run` finds it)"
    )
    imp.add_argument("--update", action="store_true", help="replace meetups already in the file (hand edits go)")
    imp.add_argument(
        "--dry-run",
        action="store_true",
        help="report what would change, where each field came from, and the YAML it would write; write nothing",
    )
    imp.set_defaults(func=cmd_import_posts)

    exp = sub.add_parser("export", help="write the calendar as JSON or iCalendar to stdout")
    exp.add_argument("--format", choices=("json", "ics"), required=True)
    # --events as every subcommand names the file; --file, its first name, still works.
    exp.add_argument("--events", "--file", dest="file", help="the events file (default: $EVENTS_FILE or events.yaml)")
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


@dataclass
class ImportEdit:
    """import-posts as one CalendarEdit: the writer may apply it again to newer content, and
    `result` is then the report of what was written."""

    posts: Sequence[tuple[str, str]]
    update: bool
    result: ImportResult | None = field(default=None, init=False)

    @property
    def subject(self) -> str:
        posts = f"{len(self.posts)} post{'s' if len(self.posts) != 1 else ''}"
        return f"Import {posts}" + (" (--update)" if self.update else "")

    def apply(self, text: str, filename: str) -> EditResult:
        try:
            self.result = import_posts(self.posts, text, filename=filename, update=self.update)
        except CalendarError as exc:
            raise EditFailed(f"{filename} has errors: {exc.errors[0]}") from None
        except MergeError as exc:
            raise EditFailed(f"cannot merge into {filename}: {exc}") from None
        merge = self.result.merge
        return EditResult(self.result.text, f"{len(merge.added)} added, {len(merge.updated)} updated")


def cmd_import_posts(args: argparse.Namespace) -> int:
    into = calendar_path(args.into)
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
    if not args.dry_run and result.changed:
        edit = ImportEdit(posts, args.update)
        try:
            written = _writer(into).edit_now(edit, Author("import-posts", "cli"))
        except EditFailed as exc:
            print(f"{into}: {exc} (nothing was changed)", file=sys.stderr)
            return 1
        result = edit.result or result  # the report of what was written, on the newest content
        if written.commit:
            print(f"{into}: committed {written.commit[:12]}")
    for line in [*result.report_lines(origins=args.dry_run), *unreadable]:
        print(line)
    if args.dry_run:
        for line in yaml_diff(text, result.text, str(into)):
            print(line)
    merge = result.merge
    # The same words as the real run's; a dry run says "would" where the real run would write.
    verb = "unchanged" if not result.changed else "would change" if args.dry_run else "changed"
    print(f"{into}: {verb}: {len(merge.added)} added, {len(merge.updated)} updated, {len(merge.kept)} kept, "
          f"{len(result.failed) + len(unreadable)} not imported")  # fmt: skip
    if args.dry_run:
        print("dry run: nothing written")
    return 1 if result.failed or unreadable else IMPORTED_WITH_WARNINGS if result.warned else 0


def _writer(into: Path) -> CalendarWriter:
    """The calendar writer of `into` (it pushes when `into` is CALENDAR_REPO's copy)."""
    from bot.edits.writer import CalendarWriter

    return CalendarWriter(into, repo=repo_for(into))


def cmd_export(args: argparse.Namespace) -> int:
    path = calendar_path(args.file)  # as `run` finds it
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
