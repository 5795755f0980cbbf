"""CalendarWriter: applies a CalendarEdit to the calendar file, one writer at a time, without
losing anyone else's change, and records it in git.

Each edit: take the lock (a thread lock in this process, an flock on the file's folder across
processes on this machine, a PostgreSQL advisory lock across machines sharing the store, each
waited for at most a minute, then refused in words for the organiser, as is a database that cannot
be reached: nothing was read or written yet); read
the file; apply the edit; validate the result; write it only if the file still holds what was
read (else apply the edit again to the new content); replace the file atomically, keeping its
mode and owner (a symlink is followed and stays a link); then commit:

- with CALENDAR_REPO, the working folder is first reset to the remote branch, the edit is
  committed and pushed; a push refused because someone pushed meanwhile is never forced: fetch,
  apply the same edit again, push again, a few times with a growing pause; an edit that no
  longer applies fails with why, and the remote is untouched. The answer comes once the commit
  is on the remote.
- a local file tracked in a git work tree gets a local commit of that one file (never a push);
- any other file is only written.

The running bot serves the new calendar at once, and the diff is logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import logging
import re
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from bot.calendar.calendar import Calendar
from bot.calendar.loader import CalendarError, parse_calendar
from bot.calendar.model import CalendarData
from bot.calendar.source import CalendarSource
from bot.edits import atomic
from bot.edits.contract import Author, CalendarEdit, Committed, EditFailed
from bot.edits.db_lock import LOCK_TIMEOUT
from bot.edits.git_repo import CalendarRepo, GitError, commit_local, head_text, tracked_in

log = logging.getLogger(__name__)

DbLock = Callable[[], AbstractContextManager[object]]
T = TypeVar("T")
ATTEMPTS = 5  # compare-and-swap rounds, and push rounds, before giving up
BACKOFF = 0.2  # seconds before the second push; doubled each time
# Where a database driver's message names the server (libpq: `connection to server at "db.internal"
# (10.0.0.5), port 5432 failed`, `failed to resolve host 'db.internal'`): chat is told the reason
# without it, the log gets the whole line.
_SERVER_ADDRESS = re.compile(r"""(?: at| on socket) "[^"]*"(?: \([^)]*\))?(?:, port \d+)?|(?<=host) '[^']*'""")


@dataclass(frozen=True, slots=True)
class _Written:
    what: str
    diff: str
    text: str  # the file now
    data: CalendarData | None  # the validated calendar, None when nothing changed
    before: str  # the file as read, that the edit was applied to


class CalendarWriter:
    """The one way the bot changes the calendar file.

    `path` is the calendar file (in CALENDAR_REPO mode, the working folder's copy, `repo.path`);
    `source`, when given, serves each new calendar at once; `db_lock` is a context-manager
    factory that serialises writers sharing a PostgreSQL store (bot/edits/db_lock.py), which
    bounds its own wait; `lock_timeout` bounds the wait for each of this process's two locks (the
    thread lock and the folder's flock), after which the edit fails with CalendarFileBusy.
    """

    def __init__(
        self,
        path: Path,
        *,
        source: CalendarSource | None = None,
        repo: CalendarRepo | None = None,
        db_lock: DbLock | None = None,
        attempts: int = ATTEMPTS,
        backoff: float = BACKOFF,
        step: atomic.Step | None = None,
        lock_timeout: float = LOCK_TIMEOUT,
    ) -> None:
        self.path = Path(path)
        self.source = source
        self.repo = repo
        self.db_lock = db_lock
        self.attempts = attempts
        self.backoff = backoff
        self.step: atomic.Step = step or (lambda _name: None)
        self.lock_timeout = max(0.0, lock_timeout)  # 0: one try; Lock.acquire refuses a negative
        self._thread_lock = threading.Lock()
        self._doing: str | None = None  # what holds the thread lock, for the log of a writer that waited in vain
        self._tasks: set[asyncio.Future[Any]] = set()
        self._closing = False

    # ---- asynchronous use: the running bot ------------------------------------------------------

    async def edit(self, edit: CalendarEdit, by: Author) -> Committed:
        """Make the edit (see the module's docstring); raises EditFailed with the reason."""
        if self._closing:
            raise EditFailed("The bot is stopping, so I did not change the calendar; try again in a minute.")
        return await self._track(self._edit(edit, by))

    async def _edit(self, edit: CalendarEdit, by: Author) -> Committed:
        committed, written = await asyncio.to_thread(self._edit_now, edit, by)
        if written.data is not None:
            self._serve(written.data)
        return committed

    async def pull(self) -> str | None:
        """CALENDAR_REPO: fetch and reset the working folder to the remote branch, under the lock.
        Returns the new tip when it moved, else None."""
        if self.repo is None or self._closing:
            return None
        return await self._track(asyncio.to_thread(self.pull_now))

    async def _track(self, work: Coroutine[Any, Any, T]) -> T:
        # Shielded: a caller cancelled mid-push (the adapter stopping) does not cancel the push;
        # drain() waits for it.
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return await asyncio.shield(task)

    @property
    def closing(self) -> bool:
        """True once `drain` began: new edits are refused."""
        return self._closing

    async def drain(self) -> None:
        """Refuse new edits and wait for the one in progress (its push finishes or is abandoned
        with the working folder reset): `run` calls this before the store closes."""
        self._closing = True
        if self._tasks:
            log.info("waiting for the calendar edit in progress to finish")
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _serve(self, data: CalendarData) -> None:
        source = self.source
        if source is None or source.path is None:
            return
        with contextlib.suppress(OSError):
            if source.path.resolve() != self.path.resolve():
                return
        source.changed()  # the watcher need not read the file again
        source.replace(Calendar(data))
        log.info("serving the edited %s: %d meetups", source.path, len(data.events))

    # ---- synchronous use: the command line, and the worker thread -------------------------------

    def edit_now(self, edit: CalendarEdit, by: Author) -> Committed:
        """`edit` without an event loop (the command line); the same steps and guarantees."""
        return self._edit_now(edit, by)[0]

    def _edit_now(self, edit: CalendarEdit, by: Author) -> tuple[Committed, _Written]:
        message = f"{edit.subject} (by {by})"
        with self._locked(message):
            if self.repo is not None:
                written, commit = self._edit_repo(self.repo, edit, message)
            else:
                written = self._write(edit)
                commit = self._commit_local(edit, written, message) if written.data is not None else None
        self._log(edit, by, written, commit)
        return Committed(written.what, written.diff, commit), written

    def pull_now(self) -> str | None:
        assert self.repo is not None
        with self._locked("pulling the calendar repository"):
            try:
                before = self.repo.rev("HEAD")
            except GitError:
                before = None
            tip = self.repo.sync()
        return tip if tip != before else None

    @contextlib.contextmanager
    def _locked(self, doing: str) -> Iterator[None]:
        """The thread lock, the folder lock, the database's lock, in that order, before anything
        is read or written. Each wait is bounded; a lock not had raises EditFailed, and those
        already taken are released, as every one is on every other path."""
        if self.repo is not None:  # the working folder, which the first clone creates
            folder = self.repo.workdir
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        else:
            folder = self.path.resolve().parent
        with contextlib.ExitStack() as held:  # unwinds what it holds, in reverse, however it ends
            if not self._thread_lock.acquire(timeout=self.lock_timeout):
                log.warning(
                    "%s: another edit in this process still holds the calendar writer after %g s (%s)",
                    self.path.name,
                    self.lock_timeout,
                    self._doing or "it has just let go",
                )
                raise atomic.CalendarFileBusy(self.lock_timeout, "another command of this bot")
            held.callback(self._thread_lock.release)
            self._doing = doing
            held.callback(setattr, self, "_doing", None)  # cleared before the release above
            held.enter_context(atomic.folder_lock(folder, self.lock_timeout))
            if self.db_lock is not None:
                try:
                    held.enter_context(self.db_lock())
                except EditFailed:  # CalendarBusy: the organiser is told who holds it
                    raise
                except Exception as error:  # connecting, or the lock's query: nothing is touched yet
                    raise _lock_failure(error) from None
            yield

    def _write(self, edit: CalendarEdit) -> _Written:
        """Apply and write with compare-and-swap; the caller holds the lock."""
        name = self.path.name
        for _ in range(self.attempts):
            target = self.path.resolve()  # a symlink is edited at its target, and stays a link
            problem = atomic.refusal(target, name)
            if problem:
                raise EditFailed(problem)
            raw, text = atomic.read_text(target, name)
            self.step("read")
            result = edit.apply(text, name)
            if result.text == text:
                return _Written(result.what, "", text, None, text)
            data = _validate(result.text, name)
            self.step("validated")
            atomic.remove_stale_temps(target)
            try:
                if atomic.replace_if_unchanged(target, raw, result.text.encode("utf-8"), self.step):
                    return _Written(result.what, _diff(text, result.text, name), result.text, data, text)
            except OSError as exc:
                raise EditFailed(f"Cannot write {name}: {exc.strerror or exc}; nothing was changed.") from None
            log.info("%s changed while the edit was being made; making it again on the new content", name)
        raise EditFailed(f"{name} kept changing while I edited it ({self.attempts} tries); nothing was changed.")

    def _edit_repo(self, repo: CalendarRepo, edit: CalendarEdit, message: str) -> tuple[_Written, str | None]:
        delay = self.backoff
        for attempt in range(1, self.attempts + 1):
            _git(repo.sync, "Cannot fetch the calendar repository")
            try:
                written = self._write(edit)
                if written.data is None:
                    return written, None
                commit = repo.commit(message)
                self.step("committed")
                pushed = repo.push()
            except GitError as error:
                _git(repo.reset, "Cannot reset the calendar's working folder")
                raise EditFailed(f"Cannot push to the calendar repository ({error}); nothing was changed.") from None
            except BaseException:
                with contextlib.suppress(GitError):
                    repo.reset()  # the working copy shows the remote, never an edit it lacks
                raise
            if pushed:
                log.info("%s: pushed %s to %s", repo.file, commit[:12], repo.branch)
                return written, commit
            log.info("push %d of %s refused: the branch moved on", attempt, repo.branch)
            if attempt < self.attempts:  # no pause (holding every lock) before giving up
                time.sleep(delay)
                delay *= 2
        _git(repo.sync, "Cannot reset the calendar's working folder")
        raise EditFailed(
            f"The calendar repository kept changing while I pushed ({self.attempts} tries); nothing was changed."
        )

    def _commit_local(self, edit: CalendarEdit, written: _Written, message: str) -> str | None:
        """A local commit of the file alone when it is tracked in a git work tree; None otherwise
        (or when committing failed: the edit stands in the file, the failure is logged)."""
        target = self.path.resolve()
        found = tracked_in(target)
        if found is None:
            return None
        top, inside = found
        for _ in range(3):  # the user may commit meanwhile: HEAD moves, the ref update refuses
            head = head_text(top, inside)
            text = written.text
            # HEAD as read (a clean file): the edit of it is the text written, as `apply` is pure.
            if head is not None and head not in (written.text, written.before):
                try:  # the user's uncommitted changes to the file stay uncommitted
                    text = edit.apply(head, self.path.name).text
                    _validate(text, self.path.name)
                except EditFailed as error:
                    log.warning("%s: not committed: the edit needs uncommitted changes (%s)", inside, error)
                    return None
            try:
                return commit_local(top, inside, text, message)
            except GitError as error:
                log.warning("%s: the local commit failed (%s); the edit is in the file", inside, error)
        return None

    def _log(self, edit: CalendarEdit, by: Author, written: _Written, commit: str | None) -> None:
        if written.data is None:
            log.info("%s: %s (by %s): no change", self.path.name, edit.subject, by)
            return
        where = f" (commit {commit[:12]})" if commit else ""
        log.info("%s: %s (by %s)%s:\n%s", self.path.name, edit.subject, by, where, written.diff)


def _validate(text: str, name: str) -> CalendarData:
    try:
        return parse_calendar(text, name)
    except CalendarError as exc:
        first = exc.errors[0] if exc.errors else "it is not a valid calendar"
        more = f" and {len(exc.errors) - 1} more" if len(exc.errors) > 1 else ""
        raise EditFailed(f"The edit would leave {name} invalid ({first}{more}); nothing was changed.") from None


def _lock_failure(error: Exception) -> EditFailed:
    """The organiser's words for a database that did not give the calendar lock (an Exception
    other than a wait that timed out); the whole first line of the error goes to the log."""
    from sqlalchemy import exc  # the lock is PostgreSQL's, through SQLAlchemy

    # The driver's own error: without SQLAlchemy's "(psycopg.OperationalError) " and "Background" lines.
    cause = error.orig if isinstance(error, exc.DBAPIError) and error.orig is not None else error
    lines = str(cause).strip().splitlines()
    first = lines[0].strip() if lines else type(cause).__name__
    log.warning("taking the calendar's database lock failed: %s: %s", type(error).__name__, first)
    said = _SERVER_ADDRESS.sub("", first)
    said += "" if said.endswith((".", "?", "!")) else "."
    unreachable = isinstance(error, exc.OperationalError | exc.InterfaceError | OSError) or (
        isinstance(error, exc.DBAPIError) and error.connection_invalidated
    )
    if unreachable:
        return EditFailed(f"the database could not be reached to take the calendar lock: {said}")
    return EditFailed(f"the database did not give the calendar lock: {said}")


def _git(action: Callable[[], object], what: str) -> None:
    try:
        action()
    except GitError as error:
        raise EditFailed(f"{what} ({error}); nothing was changed.") from None


def _diff(before: str, after: str, name: str) -> str:
    lines = difflib.unified_diff(before.splitlines(True), after.splitlines(True), f"a/{name}", f"b/{name}")
    return "".join(lines)
