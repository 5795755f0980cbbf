"""The command line as a user runs it: real subprocesses of the installed `meetup-bot`."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

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


def test_run_with_a_missing_events_file_says_so_in_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = run("run", "--events", str(missing))
    assert result.returncode == 1
    assert result.stderr == f"cannot start: {missing}: (file): cannot read it: No such file or directory\n"


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def start_bot(tmp_path: Path, stdin: int, **env: str) -> asyncio.subprocess.Process:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_", "DATABASE_URL", "PORT"))}
    clean.update(SQLITE_PATH=str(tmp_path / "db"), **env)
    return await asyncio.create_subprocess_exec(
        str(BIN), "run", "--events", str(SHIPPED_EVENTS), env=clean, cwd=ROOT,
        stdin=stdin, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def read_until(stream: asyncio.StreamReader | None, text: str) -> str:
    """Lines from `stream` until one holds `text` (or the end: then the assert shows what came)."""
    assert stream is not None
    seen = ""
    while text not in seen:
        line = (await stream.readline()).decode()
        assert line, f"ended before {text!r}: {seen!r}"
        seen += line
    return seen


@pytest.mark.slow
async def test_with_port_set_the_console_bot_serves_until_sigterm(tmp_path: Path) -> None:
    """`PORT=… meetup-bot run </dev/null`: the end of input does not stop a server; it says where
    it listens, answers HEAD on the feeds like GET without a body, and SIGTERM stops it."""
    port = free_port()
    bot = await start_bot(tmp_path, asyncio.subprocess.DEVNULL, PORT=str(port))
    try:
        await asyncio.wait_for(read_until(bot.stderr, f"HTTP server listening on 0.0.0.0:{port}"), 60)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            got = await client.get("/calendar.ics")
            head = await client.head("/calendar.ics")
            assert (got.status_code, head.status_code) == (200, 200)
            assert head.content == b"" and head.headers["etag"] == got.headers["etag"]
            assert head.headers["content-type"] == got.headers["content-type"]
            assert (await client.head("/feed.xml")).status_code == 200
        assert bot.returncode is None  # still serving after its stdin ended
        bot.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(bot.wait(), 60) == 0
    finally:
        if bot.returncode is None:
            bot.kill()
            await bot.wait()


@pytest.mark.slow
async def test_a_port_in_use_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        bot = await start_bot(tmp_path, asyncio.subprocess.DEVNULL, PORT=str(port))
        _, err = await asyncio.wait_for(bot.communicate(), 60)
    assert bot.returncode == 1
    last = err.decode().splitlines()[-1]
    assert last.startswith(f"cannot start: cannot listen on 0.0.0.0:{port} (HOST, PORT): ") and "in use" in last
    assert "Traceback" not in err.decode()


@pytest.mark.slow
async def test_ctrl_c_quits_the_console_chat_without_waiting_for_a_line(tmp_path: Path) -> None:
    bot = await start_bot(tmp_path, asyncio.subprocess.PIPE)
    assert bot.stdin is not None
    try:
        bot.stdin.write(b"/help\n")
        await bot.stdin.drain()
        await asyncio.wait_for(read_until(bot.stdout, "What I can do"), 60)  # it is up, reading stdin again
        bot.send_signal(signal.SIGINT)  # stdin stays open: no line and no end of input will come
        assert await asyncio.wait_for(bot.wait(), 30) == 0  # before the fix: stuck until Enter
    finally:
        if bot.returncode is None:
            bot.kill()
            await bot.wait()


# ---- wrong settings, wrong arguments, unwritable output: one line, never a traceback ---------


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("command", [["run"], ["schedule"], ["proposals"], ["attendees", "1"]])
@pytest.mark.parametrize("url", ["garbage", "mysql://someone:s3cret-pw@db.example/x"])
def test_a_database_url_of_no_known_kind_is_a_setting_error(command: list[str], url: str) -> None:
    result = run(*command, env={"DATABASE_URL": url})
    assert result.returncode == 2
    line = one_line_error(result)
    assert line.startswith("meetup-bot: DATABASE_URL must be a postgres://, postgresql:// or sqlite:/// URL, got ")
    assert "s3cret" not in line  # only the scheme is quoted back: the rest can hold a password


@pytest.mark.parametrize("command", [["run"], ["proposals"], ["attendees", "1"]])
def test_a_store_file_that_is_not_a_database_is_one_line_at_once(command: list[str], tmp_path: Path) -> None:
    not_a_db = tmp_path / "store.sqlite3"
    not_a_db.write_text("these are my notes, not a database\n" * 100)
    result = run(*command, env={"SQLITE_PATH": str(not_a_db)})
    assert result.returncode == 1
    assert one_line_error(result).endswith(f"cannot use the database sqlite:///{not_a_db}: file is not a database")


@pytest.mark.parametrize("meetup", ["²", "①", "٣", "9" * 5000, "x" * 100_000])
def test_attendees_of_a_meetup_that_is_no_number_or_id(meetup: str, tmp_path: Path) -> None:
    result = run("attendees", meetup, env={"SQLITE_PATH": str(tmp_path / "db")})
    assert result.returncode == 1
    line = one_line_error(result)
    assert line.startswith("no meetup '") and "give its id, or its number in /events" in line
    assert len(line) < 200  # what was typed is quoted back clipped


@pytest.mark.parametrize("command", [["export", "--format", "json"], ["export", "--format", "ics"], ["check"]])
def test_output_to_a_full_disk_is_one_line(command: list[str]) -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [str(BIN), *command], stdout=full, stderr=subprocess.PIPE, text=True, timeout=60, cwd=ROOT
        )
    assert result.returncode == 1
    assert one_line_error(result) == "meetup-bot: [Errno 28] No space left on device"


def test_import_posts_from_a_folder_with_no_posts_says_so(tmp_path: Path) -> None:
    events = tmp_path / "events.yaml"
    events.write_text(SHIPPED_EVENTS.read_text())
    (tmp_path / "posts").mkdir()
    result = run("import-posts", str(tmp_path / "posts"), "--into", str(events), "--dry-run")
    assert result.returncode == 1
    assert (
        f"{tmp_path / 'posts'}: NOT IMPORTED\n  - no posts in this folder (.md, .markdown, .txt, .html)"
        in result.stdout
    )


@pytest.mark.parametrize(
    ("flag", "value"), [("--base-url", "kerneltlv.github.io"), ("--bot-username", "x<script>"), ("--bot-username", "")]
)
def test_site_build_refuses_a_base_url_or_username_it_cannot_use(flag: str, value: str, tmp_path: Path) -> None:
    result = run("site", "build", str(tmp_path / "out"), flag, value)
    assert result.returncode == 2 and f"argument {flag}: " in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("flag", "value"),
    [("--request-url", "http://bot.example.org"), ("--request-url", "bot.example.org"), ("--command", "/x y"),
     ("--command", "/" + "m" * 40), ("--name", ""), ("--name", "n" * 36)],
)  # fmt: skip
def test_slack_manifest_refuses_what_slack_would_refuse(flag: str, value: str, tmp_path: Path) -> None:
    result = run("slack-manifest", flag, value, env={"SQLITE_PATH": str(tmp_path / "db")})
    assert result.returncode == 2 and result.stdout == ""
    assert f"meetup-bot slack-manifest: error: argument {flag}: " in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [["run"], ["proposals"]])
@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite:///file:x?mode=memory&uri=true"])
def test_an_in_memory_sqlite_database_is_a_setting_error(command: list[str], url: str) -> None:
    """It would keep nothing (no ledger: reminders sent again after a restart); it used to start
    and then fail with a traceback at the first query ("no such table")."""
    result = run(*command, env={"DATABASE_URL": url})
    assert result.returncode == 2
    assert one_line_error(result) == (
        "meetup-bot: DATABASE_URL is an in-memory SQLite database, which keeps nothing:"
        " give a file, e.g. sqlite:///bot.sqlite3"
    )


@pytest.mark.parametrize(
    "url", ["postgresql://:@:/", "postgres://u:s3cret-pw@[::1:5432/x", "postgres://u:s3cret-pw@h:abc/x"]
)
def test_a_database_url_whose_host_or_port_cannot_be_read_is_a_setting_error(url: str) -> None:
    result = run("proposals", env={"DATABASE_URL": url})
    assert result.returncode == 2
    line = one_line_error(result)
    assert line.startswith("meetup-bot: DATABASE_URL has a host or port that cannot be read (") and "s3cret" not in line


@pytest.mark.slow
def test_a_database_server_that_never_answers_is_given_up_on() -> None:
    # Before the fix libpq waited for ever (this test then ended in run()'s subprocess timeout).
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes the handshakes; nobody ever answers
        port = silent.getsockname()[1]
        result = run("proposals", env={"DATABASE_URL": f"postgresql://u@127.0.0.1:{port}/x"})
    assert result.returncode == 1
    line = one_line_error(result)
    assert line.startswith("cannot read the submissions: cannot reach the database") and "timeout" in line
