"""When the calendar was last revised, from its content alone: the feeds' `<updated>` and the
.ics DTSTAMP, so two clean builds of one commit are byte-identical.

In a git work tree with the file unchanged since its last commit: that commit's time. Else (not
in git, or edited since): a time derived from a hash of the file's bytes, the same for the same
bytes anywhere. A file's modification time is never used: a fresh clone would change it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.edits.git_repo import GitError, last_commit_time, run_git, tracked_in

# A hashed stamp falls in [EPOCH, EPOCH + SPAN): a fixed past range, so it is never "in the future".
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=365 * 20)
GIT_TIMEOUT = 30.0


def hashed_stamp(content: bytes) -> datetime:
    """The same instant for the same bytes: the first 8 bytes of SHA-256 as seconds into SPAN."""
    seconds = int.from_bytes(hashlib.sha256(content).digest()[:8], "big") % int(SPAN.total_seconds())
    return EPOCH + timedelta(seconds=seconds)


def content_stamp(path: Path, content: bytes | None = None) -> datetime:
    """The last commit that touched `path` when it is committed as it is, else the hashed stamp."""
    body = path.read_bytes() if content is None else content
    committed = _committed_time(path)
    return (committed or hashed_stamp(body)).astimezone(UTC).replace(microsecond=0)


def _committed_time(path: Path) -> datetime | None:
    found = tracked_in(path)
    if found is None:
        return None
    top, inside = found
    try:
        changed = run_git(("status", "--porcelain", "--", inside), top, timeout=GIT_TIMEOUT).strip()
    except GitError:
        return None
    if changed:  # edited since the commit: the commit's time would not describe these bytes
        return None
    return last_commit_time(top, inside, timeout=GIT_TIMEOUT)


@dataclass(frozen=True)
class _Stamped:
    """A stamp with the (path, mtime_ns, size) of the file it was computed from: one value."""

    key: tuple[str, int, int]
    stamp: datetime


class StampCache:
    """content_stamp for a server answering many requests: computed again only when the file's
    size or modification time changes (a git subprocess per feed request would be wasteful).

    Called from several threads at once (asyncio.to_thread). The stamp and the key it belongs to
    are one immutable value, replaced by a single assignment: a reader sees one pair or the
    other, never a new key with an old stamp. No lock: none would be held across a git
    subprocess (up to GIT_TIMEOUT) while other requests' threads queue behind it, and two threads
    that both see a change only compute the stamp twice; whichever stores last, a reader whose
    file no longer has the stored key computes again."""

    def __init__(self) -> None:
        self._entry: _Stamped | None = None

    def stamp(self, path: Path) -> datetime | None:
        try:
            info = path.stat()
        except OSError:
            return None
        key = (str(path), info.st_mtime_ns, info.st_size)
        entry = self._entry  # read once: the key compared is the key of the stamp returned
        if entry is None or entry.key != key:
            try:
                entry = _Stamped(key, content_stamp(path))
            except OSError:
                return None
            self._entry = entry
        return entry.stamp
