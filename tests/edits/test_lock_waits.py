"""The calendar writer's own locks wait a bounded time: a process holding the folder's flock, or an
edit of this process that does not finish, makes an edit fail with words for the organiser instead
of waiting for ever; a database that cannot be reached is told the same way. Nothing is written
then, and no lock is kept.

The holders are real: another Python process takes the flock, a real edit parks at its "read"
step, and the database is a closed port.
"""

from __future__ import annotations

import fcntl
import logging
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType

import pytest

from bot.edits.atomic import CalendarFileBusy
from bot.edits.contract import Author, Committed, EditFailed
from bot.edits.db_lock import calendar_lock
from bot.edits.writer import CalendarWriter
from bot.store.store import Store
from tests.edits.helpers import AppendMeetup, ids_in, shipped_copy
from tests.fakes import PATIENCE

DANA = Author("Dana", "telegram:42")
SHORT = 0.2  # seconds a writer waits for a lock held elsewhere: the test needs only "not for ever"
BUSY_FOLDER = "the calendar file is being edited by another process, busy for {:g} s. Try again in a minute."
BUSY_WRITER = (
    "the calendar file is being edited by another command of this bot, busy for {:g} s. Try again in a minute."
)
CLOSED_PORT = "postgresql://postgres@127.0.0.1:1/test"  # nothing listens on port 1: refused at once

HOLD = textwrap.dedent(
    """
    import fcntl, os, sys
    fd = os.open(sys.argv[2], os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    print("holding", flush=True)
    sys.stdin.readline()  # until the test lets go
    """
)


class FolderHolder:
    """Another process holding the flock on `folder`, as a stuck writer or a human's tool would,
    until `let_go`."""

    def __init__(self, folder: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLD, "lock-holder-of-the-test", str(folder)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline() == "holding\n"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def let_go(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.write("\n")
            self.proc.stdin.flush()
        assert self.proc.wait(PATIENCE) == 0  # exited: the kernel dropped its flock

    def __enter__(self) -> FolderHolder:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


class InThread:
    """`work` run in a thread of its own; `done` is set when it returned or raised. A wait that
    does not end is then a failed assertion rather than a hung test."""

    def __init__(self, work: Callable[[], Committed]) -> None:
        self.done = threading.Event()
        self.result: Committed | None = None
        self.error: BaseException | None = None

        def run() -> None:
            try:
                self.result = work()
            except BaseException as error:
                self.error = error
            finally:
                self.done.set()

        self.thread = threading.Thread(target=run)
        self.thread.start()


def edit_failing(writer: CalendarWriter, meetup_id: str) -> EditFailed:
    """Edit in another thread, which must fail (instead of waiting for ever); its error."""
    attempt = InThread(lambda: writer.edit_now(AppendMeetup(meetup_id), DANA))
    assert attempt.done.wait(PATIENCE), "the edit still waits for the lock"
    attempt.thread.join()
    assert isinstance(attempt.error, EditFailed), attempt.error
    return attempt.error


def folder_is_free(folder: Path) -> bool:
    """Whether nobody holds the flock on `folder` now (taken and let go at once)."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


# ---- the folder's flock, held by another process --------------------------------------------------


@pytest.mark.parametrize("timeout", [SHORT, 0.0], ids=["short", "zero"])  # zero is one try, never "no limit"
def test_a_process_holding_the_folder_makes_an_edit_fail_after_the_wait_and_the_file_stays(
    tmp_path: Path, timeout: float, caplog: pytest.LogCaptureFixture
) -> None:
    path = shipped_copy(tmp_path)
    before = path.read_bytes()
    writer = CalendarWriter(path, lock_timeout=timeout)
    caplog.set_level(logging.WARNING, "bot.edits.atomic")
    with FolderHolder(tmp_path) as other:
        error = edit_failing(writer, "2036-busy")  # an EditFailed: what /accept and /move answer with
        assert isinstance(error, CalendarFileBusy)
        assert str(error) == BUSY_FOLDER.format(timeout)  # read in chat: no pid, no command line
        assert path.read_bytes() == before
        assert [p.name for p in tmp_path.iterdir()] == ["events.yaml"]  # no temporary file either
        if sys.platform == "linux":  # /proc/locks names the flock's holder: the log says who
            assert f"by pid {other.pid} (" in caplog.text
            assert "lock-holder-of-the-test" in caplog.text
        other.let_go()
    writer.edit_now(AppendMeetup("2036-busy"), DANA)  # free again: the same writer edits
    assert "2036-busy" in ids_in(path)


def test_the_thread_lock_is_let_go_when_the_folder_lock_is_not_had(tmp_path: Path) -> None:
    path = shipped_copy(tmp_path)
    writer = CalendarWriter(path, lock_timeout=SHORT)
    with FolderHolder(tmp_path) as other:
        for _ in range(2):  # the second waits for the folder again, not for a thread lock the first kept
            assert str(edit_failing(writer, "2036-after")) == BUSY_FOLDER.format(SHORT)
        other.let_go()
    writer.edit_now(AppendMeetup("2036-after"), DANA)
    assert "2036-after" in ids_in(path)


# ---- the thread lock, held by an edit of this process that does not finish ------------------------


def test_an_edit_that_does_not_finish_makes_another_fail_after_the_wait_and_then_completes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = shipped_copy(tmp_path)
    parked, go_on = threading.Event(), threading.Event()

    def step(name: str) -> None:
        if name == "read" and not parked.is_set():  # the first edit, holding every lock, stops here
            parked.set()
            go_on.wait()

    writer = CalendarWriter(path, step=step, lock_timeout=SHORT)
    first = InThread(lambda: writer.edit_now(AppendMeetup("2036-first"), DANA))
    second: InThread | None = None
    try:
        assert parked.wait(PATIENCE)
        second = InThread(lambda: writer.edit_now(AppendMeetup("2036-second"), DANA))
        assert second.done.wait(PATIENCE), "the second edit still waits for the first"
    finally:
        go_on.set()
        first.thread.join()
        if second is not None:
            second.thread.join()
    assert isinstance(second.error, CalendarFileBusy)
    assert str(second.error) == BUSY_WRITER.format(SHORT)
    assert "Add meetup 2036-first (by Dana, telegram:42)" in caplog.text  # the log says what held it
    assert first.error is None and first.result is not None  # the first edit completes
    assert "2036-first" in ids_in(path)
    assert "2036-second" not in ids_in(path)


# ---- a database that cannot be reached -----------------------------------------------------------


@pytest.fixture
def unreachable() -> Iterator[Store]:
    store = Store(CLOSED_PORT)  # nothing connects until the lock is taken
    yield store
    store.close()


def test_a_database_that_cannot_be_reached_fails_the_edit_in_words_and_keeps_no_lock(
    tmp_path: Path, unreachable: Store, caplog: pytest.LogCaptureFixture
) -> None:
    path = shipped_copy(tmp_path)
    before = path.read_bytes()
    writer = CalendarWriter(path, db_lock=calendar_lock(unreachable, timeout=SHORT), lock_timeout=SHORT)
    for _ in range(2):  # the second fails the same way: neither the thread lock nor the folder is kept
        with pytest.raises(EditFailed) as raised:
            writer.edit_now(AppendMeetup("2036-no-database"), DANA)
        said = str(raised.value)
        assert said.startswith("the database could not be reached to take the calendar lock: ")
        assert "Connection refused" in said
        assert "127.0.0.1" not in said and "port 1" not in said  # read in chat: the server's address is not
        assert path.read_bytes() == before
        assert folder_is_free(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["events.yaml"]
    assert 'connection to server at "127.0.0.1", port 1 failed: Connection refused' in caplog.text  # the log has all
