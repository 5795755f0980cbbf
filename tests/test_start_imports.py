"""Start-up imports only what the chosen mode uses (issue 13): measured in a real `meetup-bot run`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT, SHIPPED_EVENTS

# Runs `meetup-bot run` as the console script does; the console ends at EOF on stdin, and then
# the modules the process loaded are printed.
PROBE = """
import sys
from adapters.cli import main
code = main(["run"])
print("LOADED", " ".join(sorted(m for m in sys.modules if m.split(".")[0] in sys.argv[1:])))
sys.exit(code)
"""
HEAVY = ("slack_bolt", "slack_sdk", "aiohttp", "icalendar", "jinja2", "telegram", "sqlalchemy")


def loaded_by_run(env: dict[str, str]) -> set[str]:
    """The modules of HEAVY's packages that `run` loaded, by their full names."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_", "PORT", "DATABASE_URL"))}
    clean.update(env, EVENTS_FILE=str(SHIPPED_EVENTS), MEETUP_BOT_CACHE="off")
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *HEAVY],
        input="",
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=clean,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    [line] = [line for line in result.stdout.splitlines() if line.startswith("LOADED")]
    return set(line.split()[1:])


def test_console_mode_imports_no_platform_and_no_web_server(tmp_path: Path) -> None:
    loaded = loaded_by_run({"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}"})
    packages = {name.split(".")[0] for name in loaded}
    assert packages.isdisjoint({"slack_bolt", "slack_sdk", "aiohttp", "telegram"}), packages
    assert packages.isdisjoint({"icalendar", "jinja2"}), packages  # feeds and pages: only with PORT
    # PostgreSQL's dialect package loads its drivers' modules: only for a PostgreSQL store.
    assert "sqlalchemy.dialects.sqlite" in loaded
    assert not any(name.startswith("sqlalchemy.dialects.postgresql") for name in loaded)


def test_the_command_line_imports_only_the_named_subcommand() -> None:
    heavy = ["adapters.app", "adapters.schedule_command", "adapters.archive_cli", "sqlalchemy", "aiohttp", "icalendar"]
    code = (
        "import sys; from adapters.cli import build_parser; build_parser(['check'])\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
