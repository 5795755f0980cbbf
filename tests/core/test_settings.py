"""Settings and command-line arguments are checked at start: a bad one is one line that names it
(exit 2), never a traceback; platforms are plugged in, and `check` warns about one not running."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from adapters import platforms
from adapters.cli import main
from adapters.telegram.platform import TelegramSettings
from bot.config import Settings, SettingsError
from tests.conftest import COMMUNITY_YAML, ROOT
from tests.core.conftest import EVENTS


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("PORT", "abc", "PORT must be a port number from 1 to 65535, got 'abc'"),
        ("PORT", "99999", "PORT must be a port number from 1 to 65535, got '99999'"),
        ("PORT", "8080.5", "PORT must be a port number"),
        ("LOG_LEVEL", "bogus", "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got 'BOGUS'"),
        ("PUBLIC_URL", "bot.example.org", "PUBLIC_URL must be a URL starting with http:// or https://"),
        ("PUBLIC_URL", "https://", "PUBLIC_URL must be a URL"),
        ("SCHEDULER", "maybe", "SCHEDULER must be on or off, got 'maybe'"),
    ],
)
@pytest.mark.parametrize("command", ["run", "schedule", "slack-manifest"])
def test_a_bad_setting_is_one_line_naming_it_and_exit_2(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: str,
    key: str, value: str, says: str,
) -> None:  # fmt: skip
    monkeypatch.setenv(key, value)
    assert main([command, "--events", str(clean_env)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"meetup-bot: {says}") and err.count("\n") == 1, err


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("TELEGRAM_API_URL", "api.example.org", "TELEGRAM_API_URL must be a URL"),
        ("TELEGRAM_WEBHOOK_URL", "http://bot.example.org/tg", "TELEGRAM_WEBHOOK_URL must be an https:// URL"),
        ("SLACK_API_URL", "ftp://slack.example", "SLACK_API_URL must be a URL"),
        ("SLACK_COMMAND", "/Meet up", "SLACK_COMMAND must be a slash command such as /meetup"),
        ("SLACK_COMMAND", "/" + "m" * 40, "SLACK_COMMAND must be a slash command such as /meetup"),
        ("TELEGRAM_BOT_USERNAME", "kernel tlv", "TELEGRAM_BOT_USERNAME must be a Telegram username"),
        ("TELEGRAM_BOT_USERNAME", "@abc", "TELEGRAM_BOT_USERNAME must be a Telegram username"),
        # Said without the secret itself: only its length.
        ("TELEGRAM_WEBHOOK_SECRET", "bad secret!", "TELEGRAM_WEBHOOK_SECRET must be 1-256 of A-Z a-z 0-9 _ -"),
        ("TELEGRAM_WEBHOOK_SECRET", "x" * 257, "TELEGRAM_WEBHOOK_SECRET must be 1-256 of A-Z a-z 0-9 _ -"),
        ("SLACK_TEAM_IDS", "T0123ABCD, not a team", "SLACK_TEAM_IDS has a bad entry 'not a team': a Slack team id"),
    ],
)
def test_each_platforms_settings_are_checked_by_run(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], key: str, value: str,
    says: str,
) -> None:  # fmt: skip
    monkeypatch.setenv(key, value)
    assert main(["run", "--events", str(clean_env)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"meetup-bot: {says}") and err.count("\n") == 1, err
    assert "secret!" not in err


def test_a_platform_setting_that_cannot_work_is_refused_at_start(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:secret-token-value")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://bot.example.org/tg")  # webhook mode, but no PORT
    assert main(["run", "--events", str(clean_env)]) == 2
    err = capsys.readouterr().err
    assert err == "meetup-bot: TELEGRAM_WEBHOOK_URL needs PORT set: webhook mode listens on the shared HTTP port\n"
    assert "secret-token-value" not in err


def test_good_settings_are_read_and_normalised() -> None:
    env = {"PORT": "8080", "PUBLIC_URL": "https://bot.example.org/", "LOG_LEVEL": "debug", "SCHEDULER": "OFF"}
    settings = Settings.from_env(env)
    assert (settings.port, settings.public_url, settings.log_level) == (8080, "https://bot.example.org", "DEBUG")
    assert not settings.scheduler_enabled
    # The core names no platform: Telegram's settings are the Telegram adapter's to read.
    assert TelegramSettings.from_env({**env, "TELEGRAM_BOT_TOKEN": "1:x"}).enabled
    assert "token" not in repr(Settings.from_env({"TELEGRAM_BOT_TOKEN": "1:x"})).lower()


def test_settings_error_names_the_setting() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"PUBLIC_URL": "bot.example.org"})
    assert caught.value.name == "PUBLIC_URL"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--from", "garbage"], "argument --from: expected an ISO date and time such as 2027-01-18T10:00"),
        (["--from", "2027-02-30T00:00"], "argument --from: expected an ISO date and time"),
        (["--days", "100000000"], "argument --days: expected a whole number of days from 1 to 3660"),
        (["--days", "-5"], "argument --days: expected a whole number of days from 1 to 3660, got '-5'"),
        (["--days", "0"], "argument --days: expected a whole number of days"),
        (["--days", "9" * 5000], "argument --days: expected a whole number of days"),
    ],
)
def test_schedule_arguments_are_checked(
    clean_env: Path, capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["schedule", "--events", str(clean_env), *args])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err


def test_schedule_window_past_year_9999_is_a_clear_error(clean_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schedule", "--events", str(clean_env), "--from", "9999-12-25", "--days", "30"]) == 2
    assert capsys.readouterr().err == "meetup-bot schedule: --from and --days reach outside the years 1 to 9999\n"


# ---- platforms are plugged in ------------------------------------------------------------------


def test_every_platform_is_declared_by_its_adapter() -> None:
    assert {p.name for p in platforms.PLATFORMS} == {"telegram", "slack"}
    assert platforms.known_names() == {"telegram", "slack", "console"}
    # Telegram's anonymous admin is Telegram's to declare; the core is told, never names it.
    assert "telegram:1087968824" in platforms.service_accounts()


def test_check_accepts_any_platform_and_warns_about_one_not_running(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    events = clean_env.parent / "multi.yaml"
    refs = "  announce: [telegram:-1001, 'matrix:!room:example.org']\n  organisers: [slack:U1]\n"
    events.write_text(COMMUNITY_YAML + refs + EVENTS.removeprefix(COMMUNITY_YAML), encoding="utf-8")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:x")
    assert main(["check", str(events)]) == 0
    out, err = capsys.readouterr()
    assert "OK, 1 meetup" in out
    assert err.splitlines() == [
        f"{events}: warning: community.announce[1]: matrix:!room:example.org is on matrix, "
        "for which there is no adapter",
        f"{events}: warning: community.organisers[0]: slack:U1 is on slack, which is not running here "
        "(SLACK_BOT_TOKEN is not set)",
    ]


def test_the_core_names_no_platform() -> None:
    """A new platform needs no edit in bot/: no value in its code is a platform's name."""
    named: list[str] = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            # A platform name as a value or a key's prefix ("telegram", f"telegram:{id}"); an
            # example inside a message ("such as telegram:-100123") is fine.
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
                and re.fullmatch(r"(telegram|slack)(:.*)?", node.value, re.IGNORECASE | re.DOTALL)
            ):
                named.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value[:60]!r}")
    assert named == []


def test_the_website_build_checks_the_bot_username_setting(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "t.me/KernelTLVBot")
    assert main(["site", "build", str(tmp_path / "site"), "--events", str(clean_env)]) == 2
    err = capsys.readouterr().err
    says = "TELEGRAM_BOT_USERNAME must be a Telegram username such as @KernelTLVBot, got 't.me/KernelTLVBot'"
    assert err == f"meetup-bot: {says}\n"
    assert not (tmp_path / "site").exists()
