"""The command line as a user runs it: real subprocesses of the installed `meetup-bot`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SHIPPED_EVENTS

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
    result = run("run", stdin="/next\n/help\n", env={"SQLITE_PATH": str(tmp_path / "bot.sqlite3")})
    assert result.returncode == 0, result.stderr
    assert "Fast Packets - XDP, eBPF and Kernel Bypass" in result.stdout
    assert "What I can do" in result.stdout


def test_run_refuses_to_start_on_a_broken_file(tmp_path: Path) -> None:
    bad = tmp_path / "events.yaml"
    bad.write_text("community: [\n")
    result = run("run", "--events", str(bad), stdin="/next\n")
    assert result.returncode == 1
    assert "cannot start" in result.stderr and "syntax error" in result.stderr
