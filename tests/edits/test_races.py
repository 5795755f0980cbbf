"""Many writers at once: a human saving events.yaml while the bot edits it, two processes
editing it at the same instant, and a writer killed at every step of a write."""

from __future__ import annotations

import multiprocessing
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from bot.edits.contract import Author
from bot.edits.writer import CalendarWriter
from tests.conftest import ROOT
from tests.edits.helpers import AppendMeetup, big_calendar, ids_in, meetup_block

DANA = Author("Dana", "telegram:42")
ROUNDS = 20


@pytest.mark.parametrize("moment", ["read", "validated"])
def test_a_human_edit_made_while_the_bot_edits_a_300_meetup_file_survives(tmp_path: Path, moment: str) -> None:
    """The human appends a meetup (as an editor or `>>` would) in another thread at the moment
    the bot has read the file (or validated its result); the bot's write must not drop it."""
    path = big_calendar(tmp_path, 300)
    for round_ in range(ROUNDS):
        human_id = f"2031-human-{round_:02d}"
        reached, human_done = threading.Event(), threading.Event()

        block = meetup_block(human_id, "Added by a human", round_)

        def human(block: str = block, reached: threading.Event = reached, done: threading.Event = human_done) -> None:
            reached.wait()
            with path.open("a", encoding="utf-8") as handle:
                handle.write(block)
            done.set()

        def step(name: str, reached: threading.Event = reached, done: threading.Event = human_done) -> None:
            if name == moment and not reached.is_set():
                reached.set()
                done.wait()  # the human's save lands while the edit is in flight

        thread = threading.Thread(target=human)
        thread.start()
        CalendarWriter(path, step=step).edit_now(AppendMeetup(f"2031-bot-{round_:02d}", day=round_), DANA)
        thread.join()
        ids = ids_in(path)
        assert {human_id, f"2031-bot-{round_:02d}"} <= ids, f"round {round_}: one edit was lost"
    assert len(ids_in(path)) == 4 + 300 + 2 * ROUNDS


def _edit_in_process(path: str, who: int, barrier: object) -> None:
    """One bot process: ROUNDS edits, each started at the same instant as the other process's.
    Its disk is slow between the compare and the rename (a sleep at that step), which is the
    window where two writers without the lock would both pass the compare."""
    writer = CalendarWriter(Path(path), step=lambda name: time.sleep(0.03) if name == "checked" else None)
    try:
        for round_ in range(ROUNDS):
            barrier.wait()  # type: ignore[attr-defined]
            writer.edit_now(AppendMeetup(f"2032-p{who}-{round_:02d}", day=round_ + who * 30), DANA)
    except BaseException:
        barrier.abort()  # type: ignore[attr-defined]  # the other process stops waiting too
        raise


def test_two_processes_editing_at_once_both_land_every_time(tmp_path: Path) -> None:
    path = big_calendar(tmp_path, 50)
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(2, timeout=120)
    procs = [spawn.Process(target=_edit_in_process, args=(str(path), who, barrier)) for who in (1, 2)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(300)
        assert proc.exitcode == 0
    ids = ids_in(path)
    lost = [f"2032-p{who}-{r:02d}" for who in (1, 2) for r in range(ROUNDS) if f"2032-p{who}-{r:02d}" not in ids]
    assert lost == []


KILLER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from bot.edits.contract import Author
    from bot.edits.writer import CalendarWriter
    from tests.edits.helpers import AppendMeetup

    def step(name):
        if name == sys.argv[2]:
            os.kill(os.getpid(), signal.SIGKILL)

    CalendarWriter(Path(sys.argv[1]), step=step).edit_now(AppendMeetup("2033-killed"), Author("Dana", "telegram:42"))
    """
)
STEPS = ["read", "validated", "temp-created", "writing", "synced", "checked", "replaced"]


@pytest.mark.parametrize("step", STEPS)
def test_kill_9_at_any_step_leaves_the_old_or_the_new_file_never_half(tmp_path: Path, step: str) -> None:
    path = big_calendar(tmp_path, 300)  # larger than one write chunk: "writing" is mid-file
    old = path.read_bytes()
    new = AppendMeetup("2033-killed").apply(old.decode(), "events.yaml").text.encode()
    done = subprocess.run([sys.executable, "-c", KILLER, str(path), step], cwd=ROOT, capture_output=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert path.read_bytes() == (new if step == "replaced" else old)
    # The next writer finds a whole file, clears what the killed one left, and edits.
    CalendarWriter(path).edit_now(AppendMeetup("2033-after"), DANA)
    assert "2033-after" in ids_in(path)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
