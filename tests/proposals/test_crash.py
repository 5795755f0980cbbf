"""kill -9 at each step of an accept, then restart: the file and the store agree, and no message
contradicts another.

`meetup-bot run` runs in a subprocess on the console, with `/accept T1 <meetup>` piped in; the
test-only MEETUP_BOT_TEST_KILL_AT names the step at which the process SIGKILLs itself
(bot/proposals/commands.py `_test_kill_point`). Then the bot starts again (twice), as a host
restarts it: the first start settles the cut-off accept from the file and tells the proposer at
most once; the second changes and tells nothing. The proposer is the console user too, so every
message anyone got is in the processes' output.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.calendar.loader import load_calendar_data
from bot.proposals.model import Kind, Proposal, Status, notice_key
from bot.store.store import CLAIMED, SENT, Store
from tests.conftest import ROOT
from tests.proposals.conftest import MEETUP, NOW

pytestmark = pytest.mark.slow

TITLE = "XDP for beginners"
GOOD_NEWS, BAD_NEWS = "Good news", "decided not to take it"
# The steps of an accept, in order (bot/proposals/commands.py): the store decided (accepting),
# the calendar was written, the store recorded it (accepted, the notice claimed), the proposer told.
STEPS = ("decided", "written", "recorded", "told")


def run_bot(events: Path, db_url: str, lines: str, kill_at: str | None = None) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_", "PORT", "ORGANISERS"))}
    env.update(
        DATABASE_URL=db_url,
        EVENTS_FILE=str(events),
        SCHEDULER="off",
        ORGANISERS="console:local",
        PYTHONUNBUFFERED="1",  # what was printed before the kill is in the output
        LOG_LEVEL="WARNING",
    )
    env.pop("MEETUP_BOT_TEST_KILL_AT", None)
    if kill_at is not None:
        env["MEETUP_BOT_TEST_KILL_AT"] = kill_at
    done = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "run"],
        input=lines,
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout


def in_file(events: Path) -> bool:
    event = next(e for e in load_calendar_data(events, cache=False).events if e.id == MEETUP)
    return any(t.title == TITLE for t in event.talks)


@pytest.mark.parametrize("step", [*STEPS, None])
def test_kill_at_each_step_of_an_accept_then_restart(events: Path, db_url: str, step: str | None) -> None:
    store = Store(db_url)
    store.create()
    try:
        talk = Proposal(
            0, Kind.TALK, Status.NEW, TITLE, "console:local", NOW, from_name="you", speaker="Ada", language="English"
        )
        number = store.proposals.add(talk).number
        code, first = run_bot(events, db_url, f"/accept T{number} {MEETUP}\n", kill_at=step)
        assert code == (-signal.SIGKILL if step else 0), first
        stored = store.proposals.get(number)
        assert stored is not None
        left = {"decided": Status.ACCEPTING, "written": Status.ACCEPTING}.get(step or "", Status.ACCEPTED)
        assert stored.status is left, (step, stored.status)

        _, restart = run_bot(events, db_url, "")
        _, again = run_bot(events, db_url, "")
        stored = store.proposals.get(number)
        assert stored is not None
        outputs = first + restart + again
        # The file and the store agree.
        if step == "decided":  # cut off before the edit: back to waiting for review
            assert stored.status is Status.NEW and not in_file(events)
            assert "waiting for review again" in restart
        else:
            assert stored.status is Status.ACCEPTED and in_file(events)
        # Nobody is told two outcomes, or one twice; the second restart tells nothing.
        assert BAD_NEWS not in outputs
        assert outputs.count(GOOD_NEWS) <= 1, outputs
        assert GOOD_NEWS not in again and "restart" not in again
        ledger = {r.chat_key: r.state for r in store.ledger_rows(notice_key(number))}
        if step == "written":  # the restart settled it and told the proposer
            assert restart.count(GOOD_NEWS) == 1 and ledger == {"console:local": SENT}
        elif step == "recorded":  # killed with the notice claimed: in doubt, never sent twice
            assert GOOD_NEWS not in outputs and ledger == {"console:local": CLAIMED}
        elif step in ("told", None):  # told before the kill (or no kill): once
            assert first.count(GOOD_NEWS) == 1
        print(f"killed at {step}: {stored.status.value}, ledger {ledger}")
    finally:
        if store.dialect == "postgresql":
            store.drop()
        store.close()
