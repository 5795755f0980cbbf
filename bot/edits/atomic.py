"""Replacing the calendar file safely: an OS lock for one writer at a time, a refusal of a file
we must not write, and an atomic, compare-and-swap replacement that keeps the file's mode and
owner.

The lock is `flock` on the file's folder itself rather than on a `.events.yaml.lock` beside it:
the same exclusion between processes, with no extra file for `git status` to show in the
community's repository. Every writer of the calendar (the bot, `import-posts`) takes it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from bot.edits.contract import EditFailed

TEMP_SUFFIX = ".meetup-bot.tmp"
CHUNK = 64 * 1024
Step = Callable[[str], None]  # called at each step of a write (tests kill the process there)


def _no_step(_name: str) -> None:
    return None


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive flock on `folder` (blocking): one writer of its files at a time, across
    processes; the kernel drops it if the process dies."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


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
