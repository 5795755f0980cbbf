"""`meetup-bot site build OUT`: the website as files for any static host (GitHub Pages and the like).

Writes every page as `<path>/index.html`, the stylesheet and script under `static/`, and the
feeds the pages link to (`calendar.ics`, `feed.xml`, `events/<id>.ics`), so the files work
without the bot running. It also writes `.meetup-bot-site`, the list of the files it wrote, so
that the next build into the same directory removes those it no longer writes (the page of a
meetup taken out of events.yaml) and never touches anything else there (a CNAME, a README).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from adapters.web.site.model import safe_id
from adapters.web.site.render import STATIC, STATIC_FILES, SiteOptions, SiteRenderer
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
    files["calendar.ics"] = calendar_ics(data, stamp=stamp)
    for event in calendar.events:
        if safe_id(event.id):
            files[f"events/{event.id}.ics"] = calendar_ics(data, stamp=stamp, events=[event])
    base = renderer.options.base_url
    files["feed.xml"] = atom_feed(
        data,
        updated_at=baseline_updated(stamp),
        feed_url=f"{base}/feed.xml" if base else None,
        ics_url=f"{base}/calendar.ics" if base else None,
    )
    out.mkdir(parents=True, exist_ok=True)
    earlier = _written_before(out)
    for name, body in files.items():
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
    (out / MANIFEST).write_text("".join(f"{name}\n" for name in sorted(files)), encoding="utf-8")
    removed = _remove_stale(out, earlier - files.keys())
    return BuildResult(pages=len(paths), files=len(files), bytes=sum(len(b) for b in files.values()), removed=removed)


def _written_before(out: Path) -> set[str]:
    """The files the last build into `out` wrote, by the list it left; none without one."""
    try:
        listed = (out / MANIFEST).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return set()
    # Only plain relative paths inside `out`: a hand-edited list must not reach outside it.
    return {name for name in listed if name and not name.startswith("/") and ".." not in Path(name).parts}


def _remove_stale(out: Path, stale: set[str]) -> int:
    removed = 0
    for name in sorted(stale):
        target = out / name
        if target.is_file():
            target.unlink()
            removed += 1
        folder = target.parent
        while folder != out and folder.is_dir() and not any(folder.iterdir()):  # left empty by us
            folder.rmdir()
            folder = folder.parent
    return removed
