"""Real edits of the calendar text for testing the writer (the operations of bot/edits/operations.py
are tested on their own): append a meetup, rename one, break the file."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from bot.edits.contract import EditFailed, EditResult
from tests.conftest import SHIPPED_EVENTS


def meetup_block(meetup_id: str, title: str, day: int = 1) -> str:
    month, mday = 3 + day // 28 % 9, 1 + day % 28
    start = f"2027-{month:02d}-{mday:02d} 19:00"
    return f"\n  - id: {meetup_id}\n    title: {title}\n    start: {start}\n    status: planned\n"


@dataclass(frozen=True)
class AppendMeetup:
    """Add a meetup at the end of the file (the shipped file ends with `events:`)."""

    meetup_id: str
    title: str = "An added meetup"
    day: int = 1

    @property
    def subject(self) -> str:
        return f"Add meetup {self.meetup_id}"

    def apply(self, text: str, filename: str) -> EditResult:
        if f"id: {self.meetup_id}\n" in text:
            raise EditFailed(f"{self.meetup_id} is already in {filename}")
        return EditResult(text.rstrip("\n") + "\n" + meetup_block(self.meetup_id, self.title, self.day), "added")


@dataclass(frozen=True)
class RenameMeetup:
    """Give a meetup a new title; fails when the meetup is not in the file."""

    meetup_id: str
    title: str

    @property
    def subject(self) -> str:
        return f"Rename {self.meetup_id}"

    def apply(self, text: str, filename: str) -> EditResult:
        pattern = re.compile(rf"(- id: {re.escape(self.meetup_id)}\n\s+title: )[^\n]*")
        if not pattern.search(text):
            raise EditFailed(f"there is no meetup {self.meetup_id} in {filename}")
        return EditResult(pattern.sub(lambda m: m.group(1) + self.title, text, count=1), f"renamed to {self.title}")


@dataclass(frozen=True)
class BreakFile:
    """An edit whose result is not a valid calendar."""

    @property
    def subject(self) -> str:
        return "Break the file"

    def apply(self, text: str, filename: str) -> EditResult:
        return EditResult(text + "\n  - id: broken\n    strat: 2027-01-01 19:00\n", "broke it")


def shipped_copy(folder: Path, name: str = "events.yaml") -> Path:
    path = folder / name
    shutil.copy(SHIPPED_EVENTS, path)
    return path


def big_calendar(folder: Path, meetups: int = 300, name: str = "events.yaml") -> Path:
    """The shipped file with `meetups` more meetups (each with a description): a file whose
    edit takes a while to apply and validate."""
    path = shipped_copy(folder, name)
    blocks = []
    for n in range(meetups):
        block = meetup_block(f"2030-bulk-{n:03d}", f"Bulk meetup {n}", n)
        blocks.append(block + "    description: >-\n" + "      Words about this meetup, for bulk.\n" * 4)
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n" + "".join(blocks), encoding="utf-8")
    return path


def ids_in(path: Path) -> set[str]:
    return set(re.findall(r"- id: (\S+)", path.read_text(encoding="utf-8")))
