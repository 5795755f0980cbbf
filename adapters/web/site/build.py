"""`meetup-bot site build OUT`: the website as files for any static host (GitHub Pages and the like).

Writes every page as `<path>/index.html`, the stylesheet and script under `static/`, and the
feeds the pages link to (`calendar.ics`, `feed.xml`, `events/<id>.ics`), so the files work
without the bot running. It also writes `.meetup-bot-site`, the list of the files it wrote, so
that the next build into the same directory removes those it no longer writes (the page of a
meetup taken out of events.yaml) and never touches anything else there (a CNAME, a README).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from adapters.web.site import share_image
from adapters.web.site.model import safe_id
from adapters.web.site.render import SHARE_IMAGE, STATIC, STATIC_FILES, SiteOptions, SiteRenderer
from bot.archive.atom import atom_feed, baseline_updated
from bot.archive.ics import calendar_ics
from bot.calendar.calendar import Calendar

MANIFEST = ".meetup-bot-site"


@dataclass(frozen=True, slots=True)
class BuildResult:
    pages: int
    files: int
    bytes: int
    removed: int = 0  # files an earlier build wrote that this one no longer does


def build_site(
    calendar: Calendar, out: Path, *, now: datetime, stamp: datetime | None = None, options: SiteOptions | None = None
) -> BuildResult:
    """Write the whole site under `out` (created if missing); `stamp` is when the calendar was
    last revised (DTSTAMP and the feed's baseline), `now` decides what is upcoming."""
    renderer = SiteRenderer(options)
    stamp = (stamp or now).astimezone(UTC).replace(microsecond=0)
    files: dict[str, bytes] = {}
    paths = renderer.paths(calendar)
    for path in paths:
        html = renderer.render(calendar, path, now)
        assert html is not None, path  # every listed path renders
        files[path.lstrip("/") + "index.html"] = html.encode("utf-8")
    for name in STATIC_FILES:
        files[f"static/{name}"] = (STATIC / name).read_bytes()
    data = calendar.data
    base = renderer.options.base_url
    files[SHARE_IMAGE] = share_image.site_image(data.community)
    files["calendar.ics"] = calendar_ics(data, stamp=stamp, site_url=base)
    for event in calendar.events:
        if safe_id(event.id):
            files[f"events/{event.id}.ics"] = calendar_ics(data, stamp=stamp, events=[event], site_url=base)
            files[f"events/{event.id}/{SHARE_IMAGE}"] = share_image.event_image(event, data.community)
    files["feed.xml"] = atom_feed(
        data,
        updated_at=baseline_updated(stamp),
        feed_url=f"{base}/feed.xml" if base else None,
        ics_url=f"{base}/calendar.ics" if base else None,
        site_url=base,
    )
    removed = write_site(out, files)
    return BuildResult(pages=len(paths), files=len(files), bytes=sum(len(b) for b in files.values()), removed=removed)


class UnsafeOutput(OSError):
    """OUT holds a symbolic link where the build would write or delete: nothing was touched."""


def write_site(out: Path, files: dict[str, bytes]) -> int:
    """Write `files` under `out`, the list of them, and remove what the previous build wrote and
    this one does not; returns how many were removed.

    Only inside `out`: a symbolic link on the way to any file it writes or deletes (a planted
    `events -> /etc`, a page that is a link, the list file itself) is refused before anything
    is touched. The writes themselves follow no link either (folders are opened with
    O_NOFOLLOW, one at a time, from `out`), and each file is written under a temporary name and
    renamed into place, which replaces a link or a hard link instead of writing through it."""
    out.mkdir(parents=True, exist_ok=True)
    root = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        _refuse_links(out, [MANIFEST])
        earlier = _written_before(root)
        stale = earlier - files.keys()
        _refuse_links(out, [*files, *stale])
        for name, body in files.items():
            _write(root, name, body)
        _write(root, MANIFEST, "".join(f"{name}\n" for name in sorted(files)).encode("utf-8"))
        return _remove_stale(root, stale)
    finally:
        os.close(root)


def _refuse_links(out: Path, names: Iterable[str]) -> None:
    """Raise UnsafeOutput for the first symbolic link on the way to any of these paths."""
    checked: set[str] = set()
    for name in sorted(names):
        parts = PurePosixPath(name).parts
        for depth in range(1, len(parts) + 1):
            step = "/".join(parts[:depth])
            if step in checked:
                continue
            checked.add(step)
            try:
                mode = os.lstat(out / step).st_mode
            except FileNotFoundError:
                break  # nothing there yet: the build creates it
            if stat.S_ISLNK(mode):
                raise UnsafeOutput(f"{out / step} is a symbolic link: refusing to write or delete through it")


def _folder(root: int, parts: tuple[str, ...], create: bool) -> int:
    """A descriptor of the folder `parts` under `root`, opened without following links."""
    fd = os.dup(root)
    try:
        for part in parts:
            if create:
                with contextlib.suppress(FileExistsError):
                    os.mkdir(part, dir_fd=fd)
            child = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def _write(root: int, name: str, body: bytes) -> None:
    *folders, leaf = PurePosixPath(name).parts
    fd = _folder(root, tuple(folders), create=True)
    temporary = f".{leaf}.{secrets.token_hex(6)}.tmp"
    try:
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644, dir_fd=fd)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(body)
            os.replace(temporary, leaf, src_dir_fd=fd, dst_dir_fd=fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=fd)
            raise
    finally:
        os.close(fd)


def _written_before(root: int) -> set[str]:
    """The files the last build into `out` wrote, by the list it left; none without one."""
    try:
        handle = os.open(MANIFEST, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=root)
        with os.fdopen(handle, "rb") as stream:
            listed = stream.read().decode("utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return set()
    # Only plain relative paths inside `out`: a hand-edited list must not reach outside it.
    return {
        name
        for name in listed
        if name and not name.startswith("/") and ".." not in PurePosixPath(name).parts and "\0" not in name
    }


def _remove_stale(root: int, stale: set[str]) -> int:
    removed = 0
    for name in sorted(stale):
        *folders, leaf = PurePosixPath(name).parts
        try:
            fd = _folder(root, tuple(folders), create=False)
        except (FileNotFoundError, NotADirectoryError):
            continue  # gone already
        try:
            if stat.S_ISREG(os.stat(leaf, dir_fd=fd, follow_symlinks=False).st_mode):
                os.unlink(leaf, dir_fd=fd)
                removed += 1
        except FileNotFoundError:
            pass
        finally:
            os.close(fd)
        _remove_empty(root, tuple(folders))
    return removed


def _remove_empty(root: int, folders: tuple[str, ...]) -> None:
    """Remove the folders left empty by the removals, deepest first (never `out` itself)."""
    while folders:
        parent = _folder(root, folders[:-1], create=False)
        try:
            os.rmdir(folders[-1], dir_fd=parent)
        except OSError:  # not empty (or not ours to remove): stop here
            return
        finally:
            os.close(parent)
        folders = folders[:-1]
