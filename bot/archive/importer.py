"""Import website posts into an events file's text: parse each post, merge, report.

Pure: the caller reads the posts and the events file and writes the result. Every post is
accounted for in the report: added, updated, kept (already in the file) or not importable,
each with what could not be read (and, on request, where each field came from); `yaml_diff`
shows the text a run would write.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.archive.posts import PostImport, parse_post
from bot.archive.yaml_writer import MergeReport, merge_events
from bot.calendar.loader import CalendarError, parse_calendar
from bot.calendar.model import Event

_TEXT_ORIGIN = re.compile(r"^talk .*: (?:abstract from|no abstract)|^speaker .*: (?:bio from|no bio)")


@dataclass(frozen=True, slots=True)
class ImportResult:
    text: str  # the new events file text (unchanged when nothing was added or updated)
    posts: tuple[PostImport, ...]
    merge: MergeReport

    @property
    def changed(self) -> bool:
        return bool(self.merge.added or self.merge.updated)

    @property
    def failed(self) -> tuple[PostImport, ...]:
        """Posts that yielded no meetup at all (no date, say)."""
        return tuple(p for p in self.posts if p.event is None)

    @property
    def warned(self) -> tuple[PostImport, ...]:
        """Posts imported (or kept) with warnings: something missing, guessed or left out."""
        return tuple(p for p in self.posts if p.event is not None and p.problems)

    def report_lines(self, *, origins: bool = False) -> list[str]:
        """One line per post and one per problem, for the command line; with `origins`, also
        where each field came from ("  · start: the schedule's first slot")."""
        added, updated = set(self.merge.added), set(self.merge.updated)
        lines: list[str] = []
        for post in self.posts:
            if post.event is None:
                lines.append(f"{post.source}: NOT IMPORTED")
            else:
                eid = dict(self.merge.same_as).get(post.event.id, post.event.id)
                state = (
                    "added" if eid in added else "updated" if eid in updated
                    else "already in the file, kept (use --update to replace it)"
                )  # fmt: skip
                if eid != post.event.id:
                    state += f" (found by its meetup.com link; the post's id would be {post.event.id})"
                lines.append(f"{post.source}: {eid}: {state}")
            lines.extend(f"  - {problem}" for problem in post.problems)
            # Abstracts and bios are where a talk's text and a person's text get mixed up: their
            # origin is always shown; with `origins` (--dry-run), every field's.
            lines.extend(f"  · {o}" for o in post.origins if origins or _TEXT_ORIGIN.search(o))
        if self.merge.new_speakers:
            lines.append(f"new speakers: {', '.join(self.merge.new_speakers)}")
        if self.merge.new_venues:
            lines.append(f"new venues: {', '.join(self.merge.new_venues)}")
        return lines


def import_posts(
    posts: Sequence[tuple[str, str]], events_text: str, *, filename: str = "events.yaml", update: bool = False
) -> ImportResult:
    """Merge `posts` ((source name, text) pairs) into `events_text`.

    Raises CalendarError when the events file itself is invalid (fix it first), MergeError when
    it cannot be edited as text."""
    data = parse_calendar(events_text, filename)
    parsed = tuple(parse_post(text, source, data.community.timezone, data.speakers) for source, text in posts)
    # Two posts of one meetup: the later file wins, like a later edit would.
    events = {p.event.id: p.event for p in parsed if p.event is not None}
    text, merge = events_text, MergeReport()
    refused: dict[str, str] = {}
    degraded: dict[str, str] = {}
    for event in events.values():  # one at a time, so one bad meetup cannot hold back the rest
        errors: list[str] = []
        for how, version in _versions(event):
            try:
                text, one = merge_events(text, [version], update=update, filename=filename)
            except CalendarError as exc:
                errors.append("; ".join(e.message for e in exc.errors))
                continue
            merge = merge.combined(one)
            if errors:
                degraded[event.id] = f"could not be written as read ({errors[0]}); written {how}"
            break
        else:
            refused[event.id] = f"could not be written: {errors[0]}"
    return ImportResult(text, tuple(_with_outcome(p, refused, degraded) for p in parsed), merge)


def _versions(event: Event) -> list[tuple[str, Event]]:
    """The event as read, then with less and less of what the post said: a post with a date
    and a title is always imported, and the report says what was left out."""
    bare = replace(event, venue=None, host=None)
    return [
        ("as read", event),
        ("without its venue", bare),
        ("without its venue and talks", replace(bare, talks=())),
        ("with its title, time and link only", replace(bare, talks=(), schedule=(), notes=(), description=None)),
    ]


def _with_outcome(post: PostImport, refused: dict[str, str], degraded: dict[str, str]) -> PostImport:
    if post.event is None:
        return post
    if post.event.id in refused:
        return PostImport(post.source, None, (*post.problems, refused[post.event.id]), post.origins)
    if post.event.id in degraded:
        return replace(post, problems=(*post.problems, degraded[post.event.id]))
    return post


def yaml_diff(before: str, after: str, filename: str = "events.yaml") -> list[str]:
    """The lines a run would write, as a unified diff of the events file (empty: no change)."""
    diff = difflib.unified_diff(
        before.splitlines(), after.splitlines(), f"{filename} (now)", f"{filename} (after import)", lineterm=""
    )
    return list(diff)
