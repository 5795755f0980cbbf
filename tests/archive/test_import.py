"""Importing website posts into events.yaml: the seeds reproduce the shipped meetups, re-import
is idempotent, hand edits and comments survive, and nothing is ever silently dropped."""

from __future__ import annotations

import difflib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.cli import main
from bot.archive.importer import import_posts
from bot.calendar.loader import parse_calendar
from bot.calendar.model import Event
from tests.archive.conftest import SEED_IDS, community_only, seed_posts
from tests.archive.fidelity import VARIANTS
from tests.conftest import SHIPPED_EVENTS


def comparable(event: Event) -> dict[str, object]:
    """What the website says about a meetup (hand-written tags and wording aside)."""
    venue = event.venue
    return {
        "id": event.id,
        "title": event.title,
        "start": event.start,
        "end": event.end,
        "url": event.url,
        "schedule": [(s.start, s.end, s.title, s.kind) for s in event.schedule],
        "talks": [(t.title, [s.name for s in t.speakers]) for t in event.talks],
        "venue": (venue.id, venue.name, venue.address, venue.host) if venue else None,
        "host": event.host,
        "language": event.language,
        "filmed": event.filmed,
        "status": event.status,
    }


def test_importing_the_seed_posts_reproduces_the_shipped_meetups() -> None:
    result = import_posts(seed_posts(), community_only())
    assert sorted(result.merge.added) == sorted(SEED_IDS)
    assert all(p.problems == () for p in result.posts), [p.problems for p in result.posts]
    imported = {e.id: e for e in parse_calendar(result.text, "imported.yaml").events}
    shipped = {e.id: e for e in parse_calendar(SHIPPED_EVENTS.read_text(), "events.yaml").events}
    for event_id in SEED_IDS:
        assert comparable(imported[event_id]) == comparable(shipped[event_id])


def test_imported_starts_are_the_real_local_start_of_each_evening() -> None:
    """The front matter says 16:00 +0300 / 17:00 +0200: the UTC clock of a 19:00 start."""
    result = import_posts(seed_posts(), community_only())
    events = {e.id: e for e in parse_calendar(result.text).events}
    assert events["2016-01-12-locking-mechanisms"].start == datetime(2016, 1, 12, 17, 0, tzinfo=UTC)  # 19:00 IST
    assert events["2016-07-12-breaking-the-wall"].start == datetime(2016, 7, 12, 16, 0, tzinfo=UTC)  # 19:00 IDT
    assert events["2016-09-04-delving-deep"].start == datetime(2016, 9, 4, 16, 0, tzinfo=UTC)  # 19:00 IDT
    assert "start: 2016-01-12 19:00\n" in result.text


def test_reimport_is_idempotent() -> None:
    first = import_posts(seed_posts(), community_only())
    again = import_posts(seed_posts(), first.text)
    assert again.text == first.text
    assert sorted(again.merge.kept) == sorted(SEED_IDS) and not again.changed


def test_importing_into_the_shipped_file_changes_nothing_hand_edits_win() -> None:
    text = SHIPPED_EVENTS.read_text()
    result = import_posts(seed_posts(), text)
    assert result.text == text
    assert sorted(result.merge.kept) == sorted(SEED_IDS)
    assert "already in the file, kept (use --update to replace it)" in "\n".join(result.report_lines())


def only_insertions_and_those_lines(before: str, after: str) -> list[str]:
    """The lines `after` adds to `before`; fails if any line of `before` was lost or changed."""
    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False)
    added: list[str] = []
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        assert tag in ("equal", "insert"), f"{tag}: {before.splitlines()[_i1:_i2]}"
        if tag == "insert":
            added.extend(after.splitlines()[j1:j2])
    return added


NEW_POST = """\
---
layout: post
title:  "Fast Paths - XDP in Practice"
date:   2027-04-06 16-00-00 +0300
categories: meetups
---
[meetup event](https://www.meetup.com/Tel-Aviv-Yafo-Linux-Kernel-Meetup/events/300000001/)

Schedule
19:00-19:30 Gathering
19:30-20:15 XDP in production
20:15-20:30 Q&amp;A

**XDP in production**

Dana Levi will show how an XDP program drops a DDoS at line rate.

All the lectures will be in English.
"""


def test_a_new_post_is_appended_and_every_existing_line_and_comment_survives() -> None:
    text = SHIPPED_EVENTS.read_text()
    result = import_posts([("2027-04-06-fast-paths.md", NEW_POST)], text)
    assert result.merge.added == ("2027-04-06-fast-paths",) and result.merge.new_speakers == ("dana-levi",)
    added = only_insertions_and_those_lines(text, result.text)
    assert "  - id: 2027-04-06-fast-paths" in added and "  dana-levi:" in added
    event = next(e for e in parse_calendar(result.text).events if e.id == "2027-04-06-fast-paths")
    # After Israel's switch to summer time (26 March 2027): 19:00 IDT is 16:00 UTC.
    assert event.start == datetime(2027, 4, 6, 16, 0, tzinfo=UTC)
    assert event.language == "English"
    assert [(t.title, [s.name for s in t.speakers]) for t in event.talks] == [("XDP in production", ["Dana Levi"])]


def test_update_replaces_only_those_meetups_keeping_comments_and_what_posts_cannot_say() -> None:
    text = SHIPPED_EVENTS.read_text()
    result = import_posts(seed_posts(), text, update=True)
    assert sorted(result.merge.updated) == sorted(SEED_IDS)
    assert result.merge.new_speakers == () and result.merge.new_venues == ()  # the file's own are reused
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            assert line in result.text.splitlines()
    planned = text[text.index("  - id: 2027-01-19-fast-packets") :]
    assert result.text.endswith(planned)  # the 2027 meetup is untouched
    updated = {e.id: e for e in parse_calendar(result.text).events}
    shipped = {e.id: e for e in parse_calendar(text).events}
    for event_id in SEED_IDS:
        assert comparable(updated[event_id]) == comparable(shipped[event_id])
        # Tags are not on the website: --update keeps the hand-written ones.
        assert [t.tags for t in updated[event_id].talks] == [t.tags for t in shipped[event_id].talks]
    assert import_posts(seed_posts(), result.text, update=True).text == result.text


BROKEN_FRONT_MATTER = """\
---
title: "Kernel Panic Night
date: 2027-05-04 16-00-00 +0300
---
**Why kernels panic**

Yossi Cohen will walk through a dozen real oopses.
"""


def test_a_partly_unreadable_post_is_imported_as_far_as_possible_and_reported() -> None:
    result = import_posts([("2027-05-04-kernel-panic.md", BROKEN_FRONT_MATTER)], community_only())
    [post] = result.posts
    assert post.event is not None and result.merge.added == (post.event.id,)
    problems = "\n".join(post.problems)
    assert "front matter is not valid YAML" in problems
    assert "no schedule: start taken from the front matter, 16:00 read as UTC" in problems
    assert "no meetup.com event link" in problems
    event = parse_calendar(result.text).events[0]
    assert event.title == "Kernel Panic Night"
    assert event.start == datetime(2027, 5, 4, 16, 0, tzinfo=UTC)
    assert [(t.title, [s.name for s in t.speakers]) for t in event.talks] == [("Why kernels panic", ["Yossi Cohen"])]
    report = "\n".join(result.report_lines())
    assert "2027-05-04-kernel-panic.md: 2027-05-04-kernel-panic-night: added" in report
    assert "  - no meetup.com event link" in report


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_cli_imports_a_folder_writes_a_valid_file_and_is_idempotent(
    tmp_path: Path, posts_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = write(tmp_path / "events.yaml", community_only())
    assert main(["import-posts", str(posts_dir), "--into", str(target)]) == 0
    out = capsys.readouterr().out
    assert "changed: 3 added, 0 updated, 0 kept, 0 not imported" in out
    assert main(["check", str(target)]) == 0
    written = target.read_text()
    assert main(["import-posts", str(posts_dir), "--into", str(target)]) == 0
    assert "unchanged: 0 added, 0 updated, 3 kept" in capsys.readouterr().out
    assert target.read_text() == written


def test_cli_dry_run_writes_nothing_and_shows_the_yaml_it_would_write(
    tmp_path: Path, posts_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = write(tmp_path / "events.yaml", community_only())
    assert main(["import-posts", str(posts_dir), "--into", str(target), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would change: 3 added, 0 updated, 0 kept, 0 not imported" in out and "dry run: nothing written" in out
    assert target.read_text() == community_only()
    # The YAML itself, as the lines the real run adds, and where each field came from.
    assert main(["import-posts", str(posts_dir), "--into", str(target)]) == 0
    written = target.read_text()
    added = only_insertions_and_those_lines(community_only(), written)
    shown = [line[1:] for line in out.splitlines() if line.startswith("+") and not line.startswith("+++")]
    assert shown == added
    assert "  · start: the schedule's first slot" in out


def test_cli_dry_run_words_an_unchanged_file_as_the_real_run_does(
    tmp_path: Path, posts_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = write(tmp_path / "events.yaml", community_only())
    assert main(["import-posts", str(posts_dir), "--into", str(target)]) == 0
    capsys.readouterr()
    assert main(["import-posts", str(posts_dir), "--into", str(target), "--dry-run"]) == 0
    dry = capsys.readouterr().out
    assert main(["import-posts", str(posts_dir), "--into", str(target)]) == 0
    real = capsys.readouterr().out
    summary = f"{target}: unchanged: 0 added, 0 updated, 3 kept, 0 not imported"
    assert summary in dry.splitlines() and summary in real.splitlines()
    assert "would change" not in dry and "+++" not in dry


def test_the_variant_posts_import_into_a_valid_file_and_reimport_byte_identical() -> None:
    files = sorted(p for p in VARIANTS.iterdir() if p.suffix in (".md", ".html"))
    posts = [(p.name, p.read_text(encoding="utf-8")) for p in files]
    first = import_posts(posts, community_only())
    assert len(first.merge.added) == len(posts) and not first.failed
    events = {e.id: e for e in parse_calendar(first.text, "variants.yaml").events}
    assert len(events) == len(posts)
    assert all(len(v.id) <= 40 for v in parse_calendar(first.text).venues)
    again = import_posts(posts, first.text)
    assert again.text == first.text and not again.changed
    assert import_posts(posts, first.text, update=True).text == first.text


def test_cli_reports_posts_it_cannot_import_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = write(tmp_path / "events.yaml", community_only())
    undated = write(tmp_path / "about-us.md", "---\ntitle: About us\n---\nWe are a meetup.\n")
    binary = tmp_path / "2027-01-01-photo.md"
    binary.write_bytes(b"\xff\xfe\x00broken")
    good = write(tmp_path / "2027-05-04-kernel-panic.md", BROKEN_FRONT_MATTER)
    assert main(["import-posts", str(undated), str(binary), str(good), "--into", str(target)]) == 1
    out = capsys.readouterr().out
    assert f"{undated}: NOT IMPORTED" in out and "no date (neither in the front matter nor in the file name)" in out
    assert f"{binary}: NOT IMPORTED" in out and "cannot read the file" in out
    assert "1 added, 0 updated, 0 kept, 2 not imported" in out
    assert "2027-05-04-kernel-panic-night" in target.read_text()  # the good one is not held back


def test_cli_refuses_a_broken_events_file_and_leaves_it_alone(
    tmp_path: Path, posts_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = community_only().replace("timezone: Asia/Jerusalem", "timezone: Mars/Olympus")
    target = write(tmp_path / "events.yaml", broken)
    assert main(["import-posts", str(posts_dir), "--into", str(target)]) == 1
    err = capsys.readouterr().err
    assert "has errors; fix them first (nothing was imported)" in err and "Mars/Olympus" in err
    assert target.read_text() == broken


def test_a_meetup_renamed_by_hand_is_found_by_its_link_and_keeps_its_id() -> None:
    text = SHIPPED_EVENTS.read_text().replace("id: 2016-09-04-delving-deep", "id: 2016-09-delving")
    kept = import_posts(seed_posts(), text)
    assert kept.text == text
    report = "\n".join(kept.report_lines())
    assert "2016-09-delving: already in the file, kept" in report and "would be 2016-09-04-delving-deep" in report
    updated = import_posts(seed_posts(), text, update=True)
    assert "2016-09-delving" in updated.merge.updated
    assert [e.id for e in parse_calendar(updated.text).events].count("2016-09-delving") == 1


def test_cli_exit_status_says_whether_posts_carry_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """0: all imported, no warning; 3: all imported, some with warnings; 1: some not imported."""
    target = write(tmp_path / "events.yaml", community_only())
    warned = write(tmp_path / "2027-05-04-kernel-panic.md", BROKEN_FRONT_MATTER)  # no link, no schedule
    assert main(["import-posts", str(warned), "--into", str(target), "--dry-run"]) == 3
    assert main(["import-posts", str(warned), "--into", str(target)]) == 3
    out = capsys.readouterr().out
    assert "1 added, 0 updated, 0 kept, 0 not imported" in out
    assert main(["import-posts", str(warned), "--into", str(target)]) == 3  # kept, still with its warnings
    capsys.readouterr()
    clean = write(tmp_path / "2027-04-06-fast-paths.md", NEW_POST)  # link, schedule, speaker, details
    assert main(["import-posts", str(clean), "--into", str(target)]) == 0
    assert "  - " not in capsys.readouterr().out  # no warning line


def test_the_report_shows_where_abstracts_and_bios_came_from_and_dry_run_every_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = write(tmp_path / "events.yaml", community_only())
    post = VARIANTS / "36-abstract-vs-bio-name-line.md"
    assert main(["import-posts", str(post), "--into", str(target), "--dry-run"]) == 0
    dry = capsys.readouterr().out
    assert "  · talk 'Tracing with bpftrace': abstract from its details section" in dry
    assert "  · speaker 'Noga Levin': bio from a paragraph about them in the talk's description" in dry
    assert "  · start: the schedule's first slot" in dry
    assert main(["import-posts", str(post), "--into", str(target)]) == 0
    real = capsys.readouterr().out
    assert "  · speaker 'Noga Levin': bio from a paragraph about them in the talk's description" in real
    assert "  · start: the schedule's first slot" not in real
