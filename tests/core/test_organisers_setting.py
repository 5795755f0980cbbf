"""ORGANISERS entries that could never match anyone are refused at start: one line naming the
setting and the entry, exit 2, no traceback. Each platform says what its user ids look like
(adapters/<platform>/platform.py): a Telegram user id is a positive integer as /whoami writes it,
a Slack one is like U012ABCDEF. (More cases: tests/host/test_first_hour.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from adapters import platforms
from adapters.cli import main


@pytest.mark.parametrize(
    ("value", "entry"),
    [
        ("telegram:0", "'telegram:0'"),
        ("telegram:00", "'telegram:00'"),
        ("console:local,telegram:007", "'telegram:007'"),  # /whoami writes 7: 007 never matches
        ("telegram:-5", "'telegram:-5'"),
        ("telegram:abc", "'telegram:abc'"),
        ("telegram:", "'telegram:'"),
        ("slack:", "'slack:'"),
        ("slack:u012abcdef", "'slack:u012abcdef'"),
    ],
)
def test_a_bad_organiser_entry_stops_the_start_in_one_line(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], value: str, entry: str
) -> None:
    monkeypatch.setenv("ORGANISERS", value)
    assert main(["run", "--events", str(clean_env)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"meetup-bot: ORGANISERS has a bad entry: {entry}") and err.count("\n") == 1, err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "entry", ["telegram:1", "telegram:123456789", "slack:U012ABCDEF", "slack:W0123", "console:local"]
)
def test_a_good_organiser_entry_is_taken(entry: str) -> None:
    assert platforms.organiser_problem(entry) is None


@pytest.mark.parametrize(
    ("value", "entry", "says"),
    [
        ("garbage", "'garbage'", "expected platform:<chat id>"),  # it was dropped without a word
        ("telegram:-1001,telegram:abc", "'telegram:abc'", "a Telegram chat id is a number"),
        ("slack:general", "'slack:general'", "a Slack channel id starts with C, G or D"),
        ("irc:#kernel", "'irc:#kernel'", "unknown platform 'irc'"),
        ("telegram:", "'telegram:'", "expected platform:<chat id>"),
    ],
)
def test_a_bad_announcement_chat_stops_the_start_in_one_line(
    clean_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    value: str,
    entry: str,
    says: str,
) -> None:
    monkeypatch.setenv("ANNOUNCE_CHATS", value)
    assert main(["run", "--events", str(clean_env)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"meetup-bot: ANNOUNCE_CHATS has a bad entry: {entry}: {says}") and err.count("\n") == 1, err


@pytest.mark.parametrize(
    "entry", ["telegram:-1001234567890", "telegram:@tlv_kernel", "slack:C0123ABCD", "slack:G01", "console:local"]
)
def test_a_good_announcement_chat_is_taken(entry: str) -> None:
    assert platforms.announce_chat_problem(entry) is None
