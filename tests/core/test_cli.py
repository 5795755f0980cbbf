"""The command line as a user runs it: real subprocesses of the installed `meetup-bot`."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.conftest import COMMUNITY_YAML, ROOT, SHIPPED_EVENTS

BIN = Path(sys.executable).parent / "meetup-bot"


def run(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_", "DATABASE_URL"))}
    clean.update(env or {})
    return subprocess.run(
        [str(BIN), *args], input=stdin, capture_output=True, text=True, timeout=60, cwd=ROOT, env=clean
    )


def test_check_accepts_the_shipped_file() -> None:
    result = run("check", str(SHIPPED_EVENTS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK, 4 meetups" in result.stdout


def test_check_reports_a_typo_with_its_line_and_exits_1(tmp_path: Path) -> None:
    text = SHIPPED_EVENTS.read_text()
    marker = "  - id: 2016-07-12-breaking-the-wall\n"
    line = text[: text.index(marker)].count("\n") + 2
    bad = tmp_path / "events.yaml"
    bad.write_text(text.replace(marker, marker + "    strat: 2016-07-12 19:00\n"))
    result = run("check", str(bad))
    assert result.returncode == 1
    assert f"{bad}:{line}: events[1].strat: unknown key 'strat' (did you mean 'start'?)" in result.stdout


def test_check_of_a_missing_file(tmp_path: Path) -> None:
    result = run("check", str(tmp_path / "nope.yaml"))
    assert result.returncode == 1 and "cannot read" in result.stdout


def test_run_with_piped_input_answers_and_exits_0(tmp_path: Path) -> None:
    # The real clock runs here, so the meetup is put ten days from today, not at a fixed date.
    events = tmp_path / "events.yaml"
    day = datetime.now(ZoneInfo("Asia/Jerusalem")).date() + timedelta(days=10)  # the community's calendar day
    events.write_text(COMMUNITY_YAML + f"events:\n  - {{id: soon, title: Piped Meetup, start: {day} 19:00}}\n")
    result = run("run", "--events", str(events), stdin="/next\n/help\n", env={"SQLITE_PATH": str(tmp_path / "db")})
    assert result.returncode == 0, result.stderr
    assert "Piped Meetup" in result.stdout and "(in 10 days)" in result.stdout
    assert "What I can do" in result.stdout
    assert result.stderr == ""  # a console chat prints replies, not start-up chatter


def test_run_refuses_to_start_on_a_broken_file(tmp_path: Path) -> None:
    bad = tmp_path / "events.yaml"
    bad.write_text("community: [\n")
    result = run("run", "--events", str(bad), stdin="/next\n")
    assert result.returncode == 1
    assert "cannot start" in result.stderr and "syntax error" in result.stderr
