"""`meetup-bot db upgrade|current|history` (issue 20, item 7), run as an operator runs it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.store import migrations
from tests.conftest import ROOT
from tests.store.test_migrations import load_previous_release


def db(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SQLITE_PATH")}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli", "db", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,  # the default SQLite file is relative: never the checkout's
        env={**clean, "PYTHONPATH": os.pathsep.join([str(ROOT), clean.get("PYTHONPATH", "")])},
    )


def test_history_lists_the_revisions_oldest_first(tmp_path: Path) -> None:
    result = db(tmp_path, "history")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"base -> {migrations.FIRST}: The first revision")
    assert f"-> {migrations.HEAD} (head): " in lines[-1]
    assert len(lines) == len(list((ROOT / "bot" / "store" / "migrations" / "versions").glob("r*.py")))


def test_current_then_upgrade_then_current(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.sqlite3'}"}
    before = db(tmp_path, "current", **env)  # it only reads: no file is made where there was none
    assert before.returncode == 1 and "there is no store at" in before.stderr, before.stdout
    assert not (tmp_path / "bot.sqlite3").exists()
    sqlite3.connect(tmp_path / "bot.sqlite3").close()  # an empty database file
    empty = db(tmp_path, "current", **env)
    assert empty.returncode == 0 and "no revision" in empty.stdout, empty.stderr
    up = db(tmp_path, "upgrade", **env)
    assert up.returncode == 0, up.stderr
    assert up.stdout.strip().endswith(f"upgraded from empty to revision {migrations.HEAD} (head)")
    assert db(tmp_path, "current", **env).stdout.strip().endswith(f"revision {migrations.HEAD} (head)")
    again = db(tmp_path, "upgrade", **env)
    assert again.stdout.strip().endswith(f"already at revision {migrations.HEAD} (head)")


def test_upgrade_adopts_a_database_of_the_previous_release(tmp_path: Path) -> None:
    from bot.store.store import Store

    path = tmp_path / "bot.sqlite3"
    store = Store(f"sqlite:///{path}")
    load_previous_release(store.engine)
    store.close()
    up = db(tmp_path, "upgrade", SQLITE_PATH=str(path))  # the file `run` would use
    assert up.returncode == 0, up.stderr
    assert "upgraded from unversioned (made before migrations), adopted to revision" in up.stdout
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM mb_deliveries").fetchone() == (2,)


def test_an_unreachable_database_is_one_line_without_the_password(tmp_path: Path) -> None:
    result = db(tmp_path, "current", DATABASE_URL="postgresql://bot:s3cret-pw@127.0.0.1:1/bot")
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(
        "meetup-bot db current: cannot reach the database postgresql+psycopg://bot:***@127.0.0.1:1/bot"
    )
    assert "s3cret" not in result.stderr


def test_a_bad_database_url_is_a_usage_error(tmp_path: Path) -> None:
    result = db(tmp_path, "upgrade", DATABASE_URL="mysql://bot:s3cret@db/bot")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "meetup-bot: DATABASE_URL must be a postgres://, postgresql:// or sqlite:/// URL, got a 'mysql' URL"
    ]


def test_a_file_that_is_not_a_database_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "bot.sqlite3").write_text("not a database\n" * 100)
    result = db(tmp_path, "upgrade", DATABASE_URL=f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("meetup-bot db upgrade: cannot use the database") and "not a database" in line
