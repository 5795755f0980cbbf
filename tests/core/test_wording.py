"""Wording: counts agree with their nouns, `check` errors say what is allowed, the README's
`check` example is what the tool prints, and `schedule` says what to do about a missing store."""

from __future__ import annotations

import os
import re
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from adapters.cli import main
from bot.calendar.loader import CalendarError, parse_calendar
from bot.config import database_url
from bot.store.store import Store
from tests.conftest import COMMUNITY_YAML, ROOT, SHIPPED_EVENTS

SINGULAR_SLIPS = re.compile(r"\b1 [a-z]+s\b|\(s\)")
PG_URL = os.environ.get("TEST_DATABASE_URL", "")

# The README's broken.yaml, in a file: the two mistakes its `check` example shows.
BROKEN = (
    COMMUNITY_YAML
    + """\
speakers:
  liran-ben-haim: {name: Liran Ben Haim}
events:
  - {id: a, title: A, start: 2027-01-12 19:00}
  - id: b
    title: B
    strat: 2027-02-12 19:00
    talks:
      - {title: T, speakers: [liran]}
"""
)


def errors_of(body: str) -> list[str]:
    with pytest.raises(CalendarError) as caught:
        parse_calendar(COMMUNITY_YAML + body, "test.yaml")
    return [str(e) for e in caught.value.errors]


def test_check_counts_agree_with_their_nouns(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(SHIPPED_EVENTS)]) == 0
    out = capsys.readouterr().out
    assert out.strip().endswith("OK, 4 meetups, 5 speakers, 1 venue")
    assert not SINGULAR_SLIPS.search(out)


def test_check_reports_one_error_in_the_singular(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(COMMUNITY_YAML + "events:\n  - {id: a, title: A}\n", encoding="utf-8")
    assert main(["check", str(broken)]) == 1
    assert f"1 error in {broken}" in capsys.readouterr().err


def test_an_unknown_status_lists_the_valid_values_without_naming_a_python_class() -> None:
    [error] = errors_of("events:\n  - {id: a, title: A, start: 2027-01-12 19:00, status: tentative}\n")
    assert error.endswith("events[0].status: expected planned, confirmed or cancelled, got 'tentative'")
    assert "EventStatus" not in error


@pytest.mark.parametrize("ref", ["liran", "Liran Ben Haim", "liran-ben-haym", "ben-haim"])
def test_an_unknown_speaker_suggests_by_prefix_by_name_and_by_spelling(ref: str) -> None:
    body = f"""\
speakers:
  liran-ben-haim: {{name: Liran Ben Haim}}
  mark-veltzer: {{name: Mark Veltzer}}
events:
  - {{id: a, title: A, start: 2027-01-12 19:00, talks: [{{title: T, speakers: ["{ref}"]}}]}}
"""
    [error] = errors_of(body)
    assert error.endswith(f"unknown speaker {ref!r} (did you mean 'liran-ben-haim'?)")


def test_a_prefix_shared_by_two_ids_suggests_neither() -> None:
    body = """\
speakers:
  dan-levi: {name: Dan Levi}
  dan-cohen: {name: Dan Cohen}
events:
  - {id: a, title: A, start: 2027-01-12 19:00, talks: [{title: T, speakers: [dan]}]}
"""
    [error] = errors_of(body)
    assert error.endswith("unknown speaker 'dan'")


def readme_check_example() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("$ meetup-bot check broken.yaml\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_the_readme_check_example_is_what_the_tool_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "broken.yaml").write_text(BROKEN, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "broken.yaml"]) == 1
    captured = capsys.readouterr()
    printed = captured.out.splitlines() + captured.err.splitlines()
    example = readme_check_example()
    assert len(example) == len(printed) == 4
    for want in example:  # line numbers differ: the README's file is a longer one
        pattern = re.escape(re.sub(r"^broken\.yaml:\d+:", "broken.yaml:LINE:", want)).replace("LINE", r"\d+")
        assert any(re.fullmatch(pattern, line) for line in printed), f"{want!r} not in {printed}"


# ---- schedule: the store, in words ---------------------------------------------------------

EVENTS = (
    COMMUNITY_YAML
    + """\
events:
  - {id: spring, title: Spring Meetup, start: 2027-03-27 19:00}
"""
)


@pytest.fixture
def events(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "events.yaml"
    path.write_text(EVENTS, encoding="utf-8")
    monkeypatch.setenv("ANNOUNCE_CHATS", "telegram:-1001")
    monkeypatch.setenv("SQLITE_PATH", str(tmp_path / "bot.sqlite3"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return path


def schedule(events: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["schedule", "--events", str(events), "--days", "10", "--from", "2027-03-20 00:00"]) == 0
    return capsys.readouterr().out


def test_schedule_without_a_store_says_so_in_plain_words(events: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = schedule(events, capsys)
    assert "the no store" not in out and not SINGULAR_SLIPS.search(out)
    assert "Target chats (1, from ANNOUNCE_CHATS):" in out
    assert "no store yet" in out and "`meetup-bot run` creates it" in out
    assert "1 announcement:" in out and "-> 1 chat" in out
    assert not (events.parent / "bot.sqlite3").exists()  # a dry run creates nothing


def test_schedule_on_a_store_without_tables_says_what_to_do(events: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sqlite3.connect(events.parent / "bot.sqlite3").close()  # the file exists, the worker never ran
    out = schedule(events, capsys)
    assert "Error" not in out and "not readable" not in out
    assert "the sqlite store has no tables yet: `meetup-bot run` creates them when it starts" in out


@pytest.fixture
def fresh_postgres(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    schema = f"fresh_{uuid.uuid4().hex[:10]}"
    admin = Store(database_url({"DATABASE_URL": PG_URL}, Path("unused")))
    with admin.engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}"
    monkeypatch.setenv("DATABASE_URL", url)
    try:
        yield url
    finally:
        with admin.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.close()


@pytest.mark.postgres
def test_schedule_on_a_fresh_postgres_says_what_to_do(
    events: Path, fresh_postgres: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = schedule(events, capsys)
    assert "ProgrammingError" not in out and "not readable" not in out
    assert "the postgresql store has no tables yet: `meetup-bot run` creates them when it starts" in out


def test_no_count_has_a_parenthesised_plural() -> None:
    """ "1 chat(s)" reads badly; `bot.wording.plural` says "1 chat", "2 chats"."""
    count_then_word_s = re.compile(r"(%d|\})\s*[a-z]+\(s\)")
    slips = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in ("bot", "adapters")
        for path in sorted((ROOT / package).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if count_then_word_s.search(line)
    ]
    assert slips == []
