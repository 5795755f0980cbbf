"""The organiser's first hour and the wording items of issue 23, each through what production runs
(the console app, the command line, the assembled core): /whoami and an organisers' /help section,
ORGANISERS checked at start, one time format for people and ISO 8601 with an offset for machines,
`schedule` with nothing due, `/talks` in a group, `/ics` in the console, a piped /cfp sent before
the exit, and `--events` on every subcommand."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.cli import main
from bot.chat.messages import ChatRef
from bot.config import Settings, SettingsError
from bot.proposals.model import Kind, Proposal, Status
from tests.host.conftest import open_store, run_console
from tests.rsvp.conftest import GROUP, ORGANISER, Chat, person

ROOT = Path(__file__).resolve().parents[2]


async def test_whoami_and_the_organisers_section_of_help(events: Path, chat: Chat) -> None:
    said = await run_console(events, "/whoami\n/help\n")  # console:local is an organiser in this file
    assert "Your id here: console:local" in said
    ours = said[said.index("For organisers") :]
    assert "/tellgoing" in ours and "/attendees" in ours and "/accept" in ours
    assert "/cfp <text> — Broadcast a call for speakers" in ours  # the organisers' form of an everyone command
    assert "/next" not in ours  # everyone's commands are in the first section only

    member = await chat.say("/help", person(1), GROUP)
    assert "For organisers" not in member and "/attendees" not in member and "/tellgoing" not in member
    assert "/cfp <text>" not in member
    assert "Your id here: telegram:1001 (Person 1)" in await chat.say("/whoami", person(1), GROUP)
    organiser = await chat.say("/help", ORGANISER, ChatRef("telegram", "42", is_private=True))
    assert "For organisers" in organiser


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("local", "'local' is not platform:user_id"),
        ("telegram:@dana", "'telegram:@dana': a Telegram user id is a number"),
        ("slack:dana", "'slack:dana': a Slack user id starts with U or W"),
        ("irc:dana", "'irc:dana': unknown platform 'irc'"),
    ],
)
def test_organisers_setting_is_checked_at_start(events: Path, value: str, said: str) -> None:
    env = {k: v for k, v in __import__("os").environ.items()} | {"ORGANISERS": value}
    done = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "run"], input="", capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()  # one line, no traceback
    assert line.startswith("meetup-bot: ORGANISERS has a bad entry: ") and said in line


def test_organisers_setting_with_no_entry() -> None:
    # A stray comma would make nobody an organiser, in place of events.yaml's list: refused.
    for bad in (",", " , ,"):
        with pytest.raises(SettingsError, match=r"^ORGANISERS has no entry"):
            Settings.from_env({"ORGANISERS": bad})
    # Empty is unset, as for every other setting: events.yaml's organisers count.
    assert Settings.from_env({"ORGANISERS": ""}).organisers is None
    assert Settings.from_env({"ORGANISERS": "  "}).organisers is None
    assert Settings.from_env({"ORGANISERS": "console:local,"}).organisers == ("console:local",)


async def test_organisers_setting_that_is_well_formed_makes_the_console_an_organiser(
    events: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORGANISERS", "console:local,telegram:123456789,slack:U0123ABCD")
    assert "For organisers" in await run_console(events, "/help\n")
    monkeypatch.setenv("ORGANISERS", "telegram:123456789")
    assert "For organisers" not in await run_console(events, "/help\n")


def test_check_warns_of_organisers_that_never_match(events: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events.write_text(events.read_text(encoding="utf-8").replace('"telegram:42"', '"telegram:@dana"'))
    assert main(["check", "--events", str(events)]) == 0
    assert "community.organisers[0]: never matches anyone: 'telegram:@dana'" in capsys.readouterr().err


def test_schedule_with_nothing_due_says_so(events: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schedule", "--events", str(events), "--days", "1", "--from", "2027-06-01 00:00"]) == 0
    out = capsys.readouterr().out
    assert "Nothing due in the next 1 day." in out and "0 announcements" not in out
    assert "Announcements from Tue 1 Jun 2027, 00:00 to Wed 2 Jun 2027, 00:00" in out  # the chat's format


def test_proposals_cli_writes_iso_8601_with_the_offset(events: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = open_store(events.parent / "bot.sqlite3")
    store.create()
    created = datetime(2027, 1, 10, 8, 0, 5, 123456, tzinfo=UTC)
    store.proposals.add(Proposal(0, Kind.TALK, Status.NEW, "XDP in anger", "telegram:7", created))
    store.close()
    capsys.readouterr()
    assert main(["proposals", "--format", "json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["created"] == "2027-01-10T10:00:05+02:00"  # the community's zone, no microseconds


async def test_a_talks_miss_in_a_group_answers_short(chat: Chat) -> None:
    group = await chat.say("/talks quantum knitting", person(1), GROUP)
    assert group.count("\n") <= 1 and "No talks about “quantum knitting” yet" in group and "/cfp" in group
    private = await chat.say("/talks quantum knitting", person(1), ChatRef("telegram", "1001", is_private=True))
    assert "Call for speakers" in private and "Here is our call" in private  # in private, the whole call


async def test_ics_in_the_console_writes_the_file_and_says_where(events: Path, tmp_path: Path) -> None:
    said = await run_console(events, "/ics 1\n", files=tmp_path / "files")
    match = re.search(r"\[file: (\S+\.ics) written to (\S+)\]", said)
    assert match is not None
    written = Path(match.group(2))
    assert written.parent == tmp_path / "files" and written.read_bytes().startswith(b"BEGIN:VCALENDAR")


async def test_a_piped_cfp_broadcast_is_sent_before_the_console_exits(events: Path) -> None:
    said = await run_console(events, "/cfp We want talks about io_uring\n")
    assert "Sending it to 1 chat." in said
    assert "[to console:local]" in said and said.index("We want talks about io_uring") > said.index("Sending it")


def test_every_subcommand_takes_events(events: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--format", "json", "--events", str(events)]) == 0
    assert main(["export", "--format", "json", "--file", str(events)]) == 0  # the old name still works
    assert main(["check", "--events", str(events)]) == 0
    for sub in (["schedule"], ["attendees", "tower-night"], ["site", "build", str(events.parent / "site")]):
        capsys.readouterr()
        assert "--events" in _help(sub, capsys)
    assert "--events" in _help(["import-posts", "x"], capsys) and "--into" in _help(["import-posts", "x"], capsys)


def _help(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit):
        main([*args, "--help"])
    return capsys.readouterr().out
