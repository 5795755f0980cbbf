"""Replacing the calendar file safely: an OS lock for one writer at a time, a refusal of a file
we must not write, and an atomic, compare-and-swap replacement that keeps the file's mode and
owner.

The lock is `flock` on the file's folder itself rather than on a `.events.yaml.lock` beside it:
the same exclusion between processes, with no extra file for `git status` to show in the
community's repository. Every writer of the calendar (the bot, `import-posts`) takes it. The wait
for it is bounded (`CalendarFileBusy`): a stuck process, or a human's tool, holding the folder
must not leave every organiser's edit waiting for ever without an answer.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from bot.edits.contract import EditFailed

TEMP_SUFFIX = ".meetup-bot.tmp"
CHUNK = 64 * 1024
Step = Callable[[str], None]  # called at each step of a write (tests kill the process there)
# The folder lock's poll: the first pause, doubled after each try up to the longest. A writer holds
# the lock for milliseconds (seconds with a push), so the first tries come soon.
POLL_FIRST = 0.005  # seconds
POLL_LONGEST = 0.25  # seconds

log = logging.getLogger(__name__)


class CalendarFileBusy(EditFailed):
    """The calendar file's lock was held by someone else for the whole wait; nothing was changed.
    `by` says who in words for chat ("another process"); a holder's pid and command line only go
    to the log. Callers put "Nothing changed: " or "I did not accept T3: " before the message."""

    def __init__(self, timeout: float, by: str = "another process") -> None:
        self.timeout = timeout
        super().__init__(f"the calendar file is being edited by {by}, busy for {timeout:g} s. Try again in a minute.")


def _no_step(_name: str) -> None:
    return None


@contextlib.contextmanager
def folder_lock(folder: Path, timeout: float) -> Iterator[None]:
    """Hold an exclusive flock on `folder`: one writer of its files at a time, across processes;
    the kernel drops it if the process dies. Waits at most `timeout` seconds (0: one try), then
    raises CalendarFileBusy and logs who holds it when the kernel says."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if not _flock_within(fd, timeout):
            log.warning(
                "%s: the calendar's folder lock is still held after %g s, by %s", folder, timeout, holder(folder)
            )
            raise CalendarFileBusy(timeout)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock (or ends our claim to it)


def _flock_within(fd: int, timeout: float) -> bool:
    """Take the exclusive flock of `fd` within `timeout` seconds; False when it stayed held.

    flock(2) has no timed wait: it blocks for ever or, with LOCK_NB, not at all (an alarm signal
    to interrupt it works in the main thread only, and edits run in worker threads). So: try
    without blocking, pause, try again, the pause growing to POLL_LONGEST. A waiter that polls can
    be overtaken by a writer that comes later; an edit holds the lock so briefly that this only
    costs a retry, and the wait stays bounded."""
    deadline = time.monotonic() + max(0.0, timeout)
    pause = POLL_FIRST
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:  # EWOULDBLOCK: another open file holds it
            pass
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(pause, left))  # the last try comes at the deadline, not a pause after it
        pause = min(pause * 2, POLL_LONGEST)


def holder(folder: Path) -> str:
    """Who holds the flock of `folder`, for the log: "pid 123 (its command line)", else "an
    unknown process".

    /proc/locks lists each flock with the pid that took it and the device and inode it is on.
    Linux-only, and a hint rather than a fact: the pid is the process that called flock, which may
    have exited while a child it forked still holds the descriptor; it is 0 or -1 when that
    process is outside our pid namespace; and a filesystem whose stat() reports another device
    than the kernel's (btrfs subvolumes, some overlays) matches nothing, so nothing is named."""
    try:
        st = os.stat(folder)
        with open("/proc/locks", encoding="ascii", errors="replace") as table:
            lines = table.read().splitlines()
    except OSError:
        return "an unknown process"
    where = f"{os.major(st.st_dev):02x}:{os.minor(st.st_dev):02x}:{st.st_ino}"
    for line in lines:
        # "1: FLOCK  ADVISORY  WRITE 4242 fe:00:2146360 0 EOF"; a waiter's line has "->" after
        # the number and is skipped.
        fields = line.split()
        if len(fields) < 6 or fields[1] != "FLOCK" or fields[5] != where:
            continue
        try:
            pid = int(fields[4])
        except ValueError:
            continue
        if pid <= 0:
            break
        ours = "this process: " if pid == os.getpid() else ""  # another writer of this process
        return f"pid {pid} ({ours}{_command_line(pid)})"
    return "an unknown process"


def _command_line(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "exited, or not ours to read"
    words = raw.rstrip(b"\0").decode("utf-8", "replace").split("\0")
    line = " ".join(" ".join(words).split()) or "no command line"  # one log line, even for `python -c` of a script
    return line if len(line) <= 300 else line[:299] + "…"


def refusal(target: Path, name: str) -> str | None:
    """Why the bot must not write `target` (one line), or None. A file with no write permission
    is refused even for root, who could write it: read-only is the owner's word."""
    try:
        st = target.stat()
    except OSError as exc:
        return f"Cannot read {name}: {exc.strerror or exc}; nothing was changed."
    folder = target.parent
    if _read_only_filesystem(target):
        return f"{name} is on a read-only filesystem, so I cannot edit it; nothing was changed."
    if not st.st_mode & 0o222 or not os.access(target, os.W_OK):
        return f"{name} is read-only (mode {stat.S_IMODE(st.st_mode):04o}), so I did not edit it; nothing was changed."
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"The folder of {name} is not writable, so I cannot replace the file safely; nothing was changed."
    if st.st_uid != os.geteuid() and os.geteuid() != 0:
        return f"{name} belongs to another user, whose file I would take over by editing it; nothing was changed."
    return None


def _read_only_filesystem(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def remove_stale_temps(target: Path) -> None:
    """Temporary files a killed writer left beside the file (under the lock, none is live)."""
    for stale in target.parent.glob(f".{target.name}.*{TEMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            stale.unlink()


def replace_if_unchanged(target: Path, expected: bytes, new: bytes, step: Step = _no_step) -> bool:
    """Write `new` to `target` atomically if it still holds `expected`; False (nothing written)
    if it changed meanwhile. The new file gets the old one's mode and owner; a kill at any
    point leaves either the whole old file or the whole new one."""
    st = target.stat()
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=TEMP_SUFFIX)
    try:
        step("temp-created")
        for offset in range(0, len(new), CHUNK):
            os.write(fd, new[offset : offset + CHUNK])
            step("writing")
        os.fsync(fd)  # the data is on disk before the rename makes it the file
        step("synced")
        os.fchmod(fd, stat.S_IMODE(st.st_mode))
        if (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
            os.fchown(fd, st.st_uid, st.st_gid)
        os.close(fd)
        fd = -1
        # Compare-and-swap: a human (or a writer that does not lock) may have saved the file
        # while the edit was computed; then the edit is made again on what they saved.
        if target.read_bytes() != expected:
            os.unlink(temp)
            return False
        step("checked")
        os.replace(temp, target)
        step("replaced")
        _sync_folder(target.parent)  # the rename itself survives a power cut
        return True
    except BaseException:
        if fd >= 0:
            os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_text(target: Path, name: str) -> tuple[bytes, str]:
    """The file's bytes and text (UTF-8, newlines as they are); EditFailed when unreadable."""
    try:
        raw = target.read_bytes()
    except OSError as exc:
        raise EditFailed(f"Cannot read {name}: {exc.strerror or exc}; nothing was changed.") from None
    try:
        return raw, raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EditFailed(f"{name} is not UTF-8 text (byte {exc.start}); nothing was changed.") from None
