"""A cache of validated calendars, so a restart does not parse an unchanged events.yaml again.

Parsing and validating YAML with line numbers is the slow part of loading a large calendar
(about 2 s for 10,000 meetups; PyYAML's parser alone takes a third of that). The validated
`CalendarData` is pickled under a key made of the file's bytes, its path and the source of the
modules that define the schema, so an edited file or a new version of the loader never meets a
stale entry. Only a valid calendar is ever cached: errors are always found by a real parse.

Pickles execute code when loaded, so entries are read only from a directory this user owns and
nobody else may write to. Set MEETUP_BOT_CACHE=off to disable the cache, or to a directory to
move it (default: $XDG_CACHE_HOME/meetup-bot, else ~/.cache/meetup-bot).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path

from bot.calendar.gc_pause import paused_gc
from bot.calendar.model import CalendarData

log = logging.getLogger(__name__)

_SCHEMA_MODULES = (
    "model.py", "loader.py", "fields.py", "wall_clock.py", "read_community.py", "read_events.py", "yamlnodes.py",
)  # fmt: skip


def _code_version() -> bytes | None:
    """A digest of the schema's source; None (no cache) where the source is not on disk."""
    here = Path(__file__).resolve().parent
    digest = hashlib.blake2b(digest_size=16)
    try:
        for name in _SCHEMA_MODULES:
            digest.update((here / name).read_bytes())
    except OSError:
        return None
    return digest.digest()


_CODE_VERSION = _code_version()


def cache_dir(env: Mapping[str, str] | None = None) -> Path | None:
    env = os.environ if env is None else env
    setting = env.get("MEETUP_BOT_CACHE", "").strip()
    if setting.lower() in ("off", "0", "no", "false") or _CODE_VERSION is None:
        return None
    if setting:
        return Path(setting)
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "meetup-bot"


def cache_key(path: Path, content: bytes) -> str:
    digest = hashlib.blake2b(content, digest_size=20)
    digest.update(str(path).encode())
    digest.update(_CODE_VERSION or b"")
    return digest.hexdigest()


def _private_dir(directory: Path) -> bool:
    """The directory exists (created if need be), is ours, and only we can write to it."""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = directory.stat()
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o022


def get(directory: Path | None, key: str) -> CalendarData | None:
    if directory is None or not _private_dir(directory):
        return None
    entry = directory / f"{key}.pickle"
    try:
        raw = entry.read_bytes()
    except OSError:
        return None
    try:
        with paused_gc():
            data = pickle.loads(raw)
    except Exception:  # a truncated or foreign file: parse instead, and let put() replace it
        log.warning("ignoring unreadable calendar cache entry %s", entry)
        return None
    return data if isinstance(data, CalendarData) else None


def put(directory: Path | None, key: str, data: CalendarData) -> None:
    if directory is None or not _private_dir(directory):
        return
    written: str | None = None
    try:
        with paused_gc():
            payload = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
        # Written beside its final name and renamed: a reader never sees half an entry.
        with tempfile.NamedTemporaryFile(dir=directory, suffix=".tmp", delete=False) as tmp:
            written = tmp.name
            tmp.write(payload)
        os.replace(written, directory / f"{key}.pickle")
    except (OSError, pickle.PicklingError) as exc:  # costs speed, never correctness
        log.debug("could not write the calendar cache: %s", exc)
        if written is not None:
            Path(written).unlink(missing_ok=True)
        return
    _prune(directory, keep=key)


def _prune(directory: Path, keep: str, limit: int = 8) -> None:
    """Keep the few newest entries: each edit of the file makes a new one."""
    try:
        entries = sorted(directory.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[limit:]:
            if old.stem != keep:
                old.unlink(missing_ok=True)
    except OSError:
        pass
