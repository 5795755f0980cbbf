"""CALENDAR_* settings (one-line errors, never a credential), the subcommands reading the
calendar from the repository, import-posts pushing one commit, and credentials kept out of
every log line and error."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.calendar_files import calendar_path
from bot.config import Settings, SettingsError, calendar_repo_setting
from bot.edits.git_repo import CalendarRepo, GitError, last_commit_time, redact_url
from tests.calendar_repo.conftest import Remote, git
from tests.conftest import ROOT

TOKEN = "ghp_s3cr3tT0kenValue"
UNREACHABLE = f"https://x-access-token:{TOKEN}@127.0.0.1:9/community/calendar.git"  # port 9: refused at once


def meetup_bot(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    ours = ("CALENDAR_", "EVENTS_FILE", "TELEGRAM_", "SLACK_")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli", *args],
        cwd=cwd,
        env={**clean, "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# ---- settings ----------------------------------------------------------------------------------


def test_defaults_and_the_working_folder_under_the_cache(tmp_path: Path) -> None:
    repo = calendar_repo_setting({"CALENDAR_REPO": "git@github.com:community/calendar.git", "XDG_CACHE_HOME": "/c"})
    assert repo is not None
    assert (repo.branch, repo.file, repo.pull_seconds) == ("main", "events.yaml", 60.0)
    assert repo.workdir.parent == Path("/c/meetup-bot") and repo.workdir.name.startswith("calendar-")
    assert calendar_repo_setting({}) is None
    # A token does not pick a new folder, and is not in the folder's name.
    same = calendar_repo_setting({"CALENDAR_REPO": UNREACHABLE.replace(TOKEN, "other"), "XDG_CACHE_HOME": "/c"})
    assert same is not None and TOKEN not in str(same.workdir)
    assert same.workdir == calendar_repo_setting({"CALENDAR_REPO": UNREACHABLE, "XDG_CACHE_HOME": "/c"}).workdir  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("name", "value", "wanted"),
    [
        ("CALENDAR_REPO", f"ftp://bot:{TOKEN}@example.org/cal.git", "CALENDAR_REPO must be a git URL"),
        ("CALENDAR_REPO", f"https://{TOKEN}@/cal.git", "CALENDAR_REPO must be a git URL"),
        ("CALENDAR_REPO", "https://example.org:port/cal.git", "CALENDAR_REPO has a host or port that cannot be read"),
        ("CALENDAR_BRANCH", "feature..x", "CALENDAR_BRANCH must be a git branch name"),
        ("CALENDAR_FILE", "../events.yaml", "CALENDAR_FILE must be a path inside the repository"),
        ("CALENDAR_FILE", "/etc/events.yaml", "CALENDAR_FILE must be a path inside the repository"),
        ("CALENDAR_PULL_SECONDS", "0", "CALENDAR_PULL_SECONDS must be a positive number"),
        ("CALENDAR_PULL_SECONDS", "soon", "CALENDAR_PULL_SECONDS must be a positive number"),
        ("CALENDAR_PULL_SECONDS", "٣", "CALENDAR_PULL_SECONDS must be a positive number"),  # float() takes it
        ("CALENDAR_PULL_SECONDS", "1e308", "CALENDAR_PULL_SECONDS must be a positive number"),  # never pulls
        ("CALENDAR_PULL_SECONDS", "86401", "CALENDAR_PULL_SECONDS must be a positive number"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it_without_the_credentials(name: str, value: str, wanted: str) -> None:
    env = {"CALENDAR_REPO": "https://example.org/cal.git", name: value}
    with pytest.raises(SettingsError) as bad:
        Settings.from_env(env)
    assert str(bad.value).startswith(wanted) and "\n" not in str(bad.value)
    assert TOKEN not in str(bad.value)


@pytest.mark.parametrize(
    ("name", "value", "wanted"),
    [
        ("CALENDAR_PULL_SECONDS", "abc", "CALENDAR_PULL_SECONDS must be a positive number"),
        ("CALENDAR_BRANCH", "feature..x", "CALENDAR_BRANCH must be a git branch name"),
        ("CALENDAR_FILE", "../events.yaml", "CALENDAR_FILE must be a path inside the repository"),
        ("CALENDAR_WORKDIR", "{a file}", "CALENDAR_WORKDIR must be a folder to clone into"),
        ("CALENDAR_WORKDIR", "{a file}/work", "CALENDAR_WORKDIR must be a folder to clone into"),
        ("CALENDAR_WORKDIR", "work\nfolder", "CALENDAR_WORKDIR must be a folder path without control characters"),
    ],
)
def test_a_bad_companion_is_one_line_without_calendar_repo_too(
    tmp_path: Path, name: str, value: str, wanted: str
) -> None:
    (tmp_path / "notes.txt").write_text("a file, not a folder\n", encoding="utf-8")
    value = value.replace("{a file}", str(tmp_path / "notes.txt"))
    with pytest.raises(SettingsError) as bad:
        Settings.from_env({name: value})  # no CALENDAR_REPO
    assert str(bad.value).startswith(wanted) and "\n" not in str(bad.value)
    assert Settings.from_env({name: ""}).calendar_repo is None  # unset: the defaults, nothing to check
    assert Settings.from_env({"CALENDAR_WORKDIR": str(tmp_path / "new" / "work")}).calendar_repo is None
    # `meetup-bot run` stops at start with that one line, before reading any calendar.
    done = meetup_bot("run", env={name: value, "EVENTS_FILE": str(tmp_path / "none.yaml")}, cwd=tmp_path)
    assert done.returncode == 2 and done.stderr == f"meetup-bot: {bad.value}\n", done.stderr


def test_the_token_is_a_secret_of_the_settings() -> None:
    settings = Settings.from_env({"CALENDAR_REPO": UNREACHABLE})
    assert TOKEN in settings.secrets()
    assert TOKEN not in repr(settings)
    assert TOKEN not in redact_url(f"fatal: unable to access '{UNREACHABLE}/': refused")


# ---- the command line ------------------------------------------------------------------------


def test_check_site_and_export_read_the_repository(tmp_path: Path, remote: Remote, repo_env: dict[str, str]) -> None:
    checked = meetup_bot("check", env=repo_env, cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith(f"{tmp_path / 'work' / 'events.yaml'}: OK, 4 meetups")
    exported = meetup_bot("export", "--format", "json", env=repo_env, cwd=tmp_path)
    assert exported.returncode == 0 and "2027-01-19-fast-packets" in exported.stdout
    built = meetup_bot("site", "build", str(tmp_path / "site"), env=repo_env, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "site" / "index.html").is_file()
    # A pushed edit is what the next command reads.
    human = remote.clone(tmp_path / "human")
    human.push("Rename", lambda text: text.replace("Fast Packets - XDP", "Faster Packets - XDP"))
    assert "Faster Packets" in meetup_bot("export", "--format", "json", env=repo_env, cwd=tmp_path).stdout


def test_an_unreachable_repository_is_one_line_without_the_token(tmp_path: Path) -> None:
    env = {"CALENDAR_REPO": UNREACHABLE, "CALENDAR_WORKDIR": str(tmp_path / "work"), "LOG_LEVEL": "DEBUG"}
    for args in (["check"], ["run"], ["export", "--format", "json"]):
        done = meetup_bot(*args, env=env, cwd=tmp_path)
        assert done.returncode == 1, (args, done.stderr)
        assert done.stderr.count("\n") == 1 and "cannot read the calendar repository" in done.stderr, done.stderr
        assert TOKEN not in done.stderr + done.stdout
    assert not (tmp_path / "work" / ".git" / "config").read_text().count(TOKEN)  # never written to disk


def test_a_calendar_file_not_in_the_repository_names_the_setting(
    tmp_path: Path, remote: Remote, repo_env: dict[str, str]
) -> None:
    env = {**repo_env, "CALENDAR_FILE": "nosuch.yaml", "CALENDAR_REPO": f"file://{remote.bare}"}
    named = f"CALENDAR_FILE names nosuch.yaml, which is not in file://{remote.bare} on branch main"
    wanted = f"meetup-bot: cannot read the calendar repository: {named}\n"
    for args in (["check"], ["run"], ["export", "--format", "json"]):
        done = meetup_bot(*args, env=env, cwd=tmp_path)
        assert (done.returncode, done.stderr) == (1, wanted), (args, done.stderr)
    # With credentials in the URL, they are not in the line.
    with pytest.raises(GitError) as missing:
        CalendarRepo(f"file://{remote.bare}", "main", "nosuch.yaml", tmp_path / "work").check_file()
    assert "CALENDAR_FILE names nosuch.yaml" in str(missing.value)
    shown = CalendarRepo(UNREACHABLE, "main", "nosuch.yaml", tmp_path / "work")
    with pytest.raises(GitError) as redacted:
        shown.check_file()
    assert TOKEN not in str(redacted.value) and "https://[redacted]@127.0.0.1:9/" in str(redacted.value)
    CalendarRepo(str(remote.bare), "main", "events.yaml", tmp_path / "work").check_file()  # there: nothing said


def test_import_posts_pushes_one_commit(tmp_path: Path, remote: Remote, repo_env: dict[str, str]) -> None:
    post = (ROOT / "tests/archive/data/posts/2016-09-04-delving-deep.md").read_text(encoding="utf-8")
    new = post.replace("2016-09-04 16-00-00", "2027-09-04 16-00-00").replace("events/233589436", "events/999")
    (tmp_path / "2027-09-04-delving-deeper.md").write_text(new.replace("Delving Deep", "Delving Deeper"))
    before = remote.tip()
    done = meetup_bot("import-posts", str(tmp_path / "2027-09-04-delving-deeper.md"), env=repo_env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "changed: 1 added" in done.stdout and f"committed {remote.tip()[:12]}" in done.stdout
    assert git(remote.bare, "log", "-1", "--format=%P|%an|%s", "main").strip() == (
        f"{before}|meetup-bot|Import 1 post (by import-posts, cli)"
    )
    assert "Delving Deeper" in remote.show()


# ---- credentials in logs ---------------------------------------------------------------------


async def test_a_failing_fetch_is_logged_without_the_token(
    tmp_path: Path, remote: Remote, caplog: pytest.LogCaptureFixture
) -> None:
    from bot.calendar.source import CalendarSource
    from bot.edits.pull import CalendarPull
    from bot.edits.writer import CalendarWriter

    work = tmp_path / "work"
    CalendarRepo(str(remote.bare), "main", "events.yaml", work).sync()
    repo = CalendarRepo(UNREACHABLE, "main", "events.yaml", work)  # the remote moved out of reach
    source = CalendarSource.from_file(repo.path)
    told: list[str] = []

    async def tell(text: str) -> None:
        told.append(text)

    pull = CalendarPull(CalendarWriter(repo.path, source=source, repo=repo), repo, source, tell, 60)
    caplog.set_level(logging.DEBUG)
    assert await pull.once() is False and await pull.once() is False
    assert "cannot fetch the calendar repository" in caplog.text
    assert caplog.text.count("cannot fetch") == 1  # once until it works again
    assert TOKEN not in caplog.text and told == []
    with pytest.raises(GitError) as failed:
        repo.fetch()
    assert TOKEN not in str(failed.value) and TOKEN not in failed.value.output


def test_last_commit_time_of_the_calendar(tmp_path: Path, remote: Remote) -> None:
    repo = CalendarRepo(str(remote.bare), "main", "events.yaml", tmp_path / "work")
    repo.sync()
    when = last_commit_time(repo.workdir, repo.file)
    assert when is not None and when.tzinfo is not None
    assert last_commit_time(tmp_path, "events.yaml") is None  # not a git work tree


def test_a_missing_local_repository_says_which_path(tmp_path: Path) -> None:
    # git ends with "fatal: Could not read from remote repository.", which names nothing.
    missing = tmp_path / "no-such-calendar"
    env = {"CALENDAR_REPO": str(missing), "CALENDAR_WORKDIR": str(tmp_path / "w")}
    done = meetup_bot("check", env=env, cwd=tmp_path)
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert f"'{missing}' does not appear to be a git repository" in done.stderr, done.stderr


def test_calendar_path_without_a_repository_is_the_events_file(tmp_path: Path) -> None:
    assert calendar_path(None, {"EVENTS_FILE": "cal.yaml"}) == Path("cal.yaml")
    assert calendar_path("given.yaml", {"CALENDAR_REPO": UNREACHABLE}) == Path("given.yaml")  # no fetch


def test_a_relative_local_repository_is_taken_from_where_the_command_runs() -> None:
    repo = calendar_repo_setting({"CALENDAR_REPO": "calendar.git"})
    assert repo is not None and repo.url == str(Path.cwd() / "calendar.git")  # git runs in the working folder
