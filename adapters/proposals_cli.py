"""`meetup-bot proposals [--format table|json|yaml] [--status ...]`: the submissions in the store.

Reads DATABASE_URL (or the SQLite file `meetup-bot run` uses); writes nothing. The store is
imported only when the command runs, so the rest of the CLI stays light.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.proposals.model import Proposal

STATUSES = ("new", "accepting", "accepted", "declined", "withdrawn")  # bot.proposals.model.Status
COLUMNS = ("id", "kind", "status", "title", "speaker", "from", "created", "event")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("proposals", help="list talk proposals and venue offers (table, JSON or YAML)")
    p.add_argument("--format", choices=("table", "json", "yaml"), default="table", help="table (default), json, yaml")
    p.add_argument("--status", choices=STATUSES, action="append", help="only these (repeatable; default: all)")
    p.set_defaults(func=cmd_proposals)


def cmd_proposals(args: argparse.Namespace) -> int:
    from bot.config import Settings
    from bot.proposals.model import Status
    from bot.store.hot_reads import absent_sqlite, no_store_here
    from bot.store.store import Store, StoreUnavailable

    settings = Settings.from_env()
    if (missing := absent_sqlite(settings.database_url)) is not None:
        print(f"cannot read the submissions: {no_store_here(missing)}", file=sys.stderr)  # reads only: makes none
        return 1
    store = Store(settings.database_url)
    try:
        store.create()  # a store from before proposals existed gets its (empty) tables
        statuses = [Status(s) for s in args.status] if args.status else None
        rows = [as_dict(p, zone(settings)) for p in store.proposals.find(statuses)]
    except StoreUnavailable as error:
        print(f"cannot read the submissions: {error}", file=sys.stderr)
        return 1
    finally:
        store.close()
    sys.stdout.write(render(rows, args.format))
    return 0


def zone(settings: Settings) -> tzinfo:
    """The community's timezone (events.yaml), for times as the CSV and JSON exports write them;
    UTC when the file cannot be read."""
    from bot.calendar.loader import CalendarError, load_calendar_data

    try:
        return load_calendar_data(settings.events_file).community.timezone
    except (CalendarError, OSError):
        return UTC


def as_dict(p: Proposal, tz: tzinfo = UTC) -> dict[str, Any]:
    """The documented JSON shape (issue 11): one object per submission."""
    return {
        "id": p.id,
        "kind": p.kind.value,
        "status": p.status.value,
        "title": p.title,
        "abstract": p.abstract,
        "speaker": p.speaker,
        "language": p.language,
        "address": p.address,
        "capacity": p.capacity,
        "notes": p.notes,
        "from": p.from_key,
        "created": _iso(p.created_at, tz),
        "decided_by": p.decided_by,
        "decided_at": _iso(p.decided_at, tz),
        "reason": p.reason,
        "event": p.event_id,
        "venue": p.venue_id,  # an offer accepted at a venue already in the file (`venue=<id>`)
    }


def _iso(value: datetime | None, tz: tzinfo) -> str | None:
    """ISO 8601 with the offset, to the second: "2027-01-10T10:00:00+02:00"."""
    return value.astimezone(tz).isoformat(timespec="seconds") if value is not None else None


def render(rows: list[dict[str, Any]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt == "yaml":
        import yaml

        return str(yaml.safe_dump(rows, allow_unicode=True, sort_keys=False)) if rows else "[]\n"
    if not rows:
        return "no submissions\n"
    cells = [[_cell(r[c]) for c in COLUMNS] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(COLUMNS)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(COLUMNS, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(lines) + "\n"


def _cell(value: Any, limit: int = 40) -> str:
    from adapters.terminal_text import for_terminal  # submitted text: no escape sequences reach the terminal

    text = "" if value is None else " ".join(for_terminal(str(value)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
