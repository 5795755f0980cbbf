"""Two real `meetup-bot run` processes on one database and one events.yaml: an organiser in each
accepts a different talk at the same instant, 20 times; both talks are in the file every time and
both are accepted in the store (the calendar writer's lock and compare-and-swap; the store's
conditional updates). The organisers' console input is written to both processes together."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

import pytest

from bot.calendar.loader import load_calendar_data
from bot.proposals.model import Status
from bot.store.store import Store
from tests.conftest import ROOT
from tests.proposals.conftest import MEETUP, seed_talk_row

pytestmark = pytest.mark.slow

ROUNDS = 20
PATIENCE = 300  # seconds: only a hung process is ever waited on this long


class BotProcess:
    """`meetup-bot run` on the console, fed lines one at a time, its replies read as they come."""

    def __init__(self, events: Path, db_url: str, log: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_", "PORT", "ORGANISERS"))}
        env.pop("MEETUP_BOT_TEST_KILL_AT", None)
        env.update(
            DATABASE_URL=db_url,
            EVENTS_FILE=str(events),
            SCHEDULER="off",
            ORGANISERS="console:local",
            PYTHONUNBUFFERED="1",
            LOG_LEVEL="WARNING",
        )
        self.log = log.open("a")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "adapters.cli", "run"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env=env,
            cwd=ROOT,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen = ""
        assert self.proc.stdout is not None
        threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line)
        self.lines.put("")  # end of output

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def reply_to(self, talk_id: str) -> str:
        """The organiser's answer about `talk_id` (its outcome line), whatever it is."""
        marks = (f"talk proposal {talk_id}\n", f"accept {talk_id}:", f"{talk_id} is ", f"{talk_id} was ")
        while True:
            for line in self.seen.splitlines(keepends=True):
                if any(m in line for m in marks):
                    self.seen = self.seen.split(line, 1)[1]
                    return line
            more = self.lines.get(timeout=PATIENCE)
            assert more, f"the bot ended before answering about {talk_id}:\n{self.seen}"
            self.seen += more

    def stop(self) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()  # end of input: the piped console stops the bot
        code = self.proc.wait(timeout=PATIENCE)
        self.log.close()
        return code


def titles(events: Path) -> list[str]:
    event = next(e for e in load_calendar_data(events, cache=False).events if e.id == MEETUP)
    return [t.title for t in event.talks]


def test_two_processes_accept_two_talks_at_once_and_both_are_kept(events: Path, db_url: str, tmp_path: Path) -> None:
    store = Store(db_url)
    store.create()
    try:
        pairs = [
            (seed_talk_row(store, f"Round {n} first", 2 * n), seed_talk_row(store, f"Round {n} second", 2 * n + 1))
            for n in range(ROUNDS)
        ]
        bots = [BotProcess(events, db_url, tmp_path / "bots.log") for _ in range(2)]
        try:
            for n, (one, two) in enumerate(pairs):
                bots[0].send(f"/accept {one.id} {MEETUP}")
                bots[1].send(f"/accept {two.id} {MEETUP}")
                answers = (bots[0].reply_to(one.id), bots[1].reply_to(two.id))
                assert all("Accepted" in a for a in answers), (n, answers)
                assert {one.title, two.title} <= set(titles(events)), (n, titles(events))
        finally:
            codes = [bot.stop() for bot in bots]
        assert codes == [0, 0], (tmp_path / "bots.log").read_text()
        every = [p for pair in pairs for p in pair]
        assert set(titles(events)) == {p.title for p in every}
        assert {store.proposals.get(p.number).status for p in every} == {Status.ACCEPTED}  # type: ignore[union-attr]
    finally:
        if store.dialect == "postgresql":
            store.drop()
        store.close()
