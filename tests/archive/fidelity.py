"""Import fidelity on the hand-written variant posts (tests/archive/data/variants/): each post
parsed as `import-posts` parses it, compared field by field with expected.yaml.

Basic fields: title, date, local start, local end, meetup link, number of schedule slots,
language. Talks: a talk counts when its title and its speakers (in order) are both right; a
missing or extra talk counts as wrong. Posts: every post goes through `import_posts` into an
empty calendar, and a post that is not imported (no meetup, or one that cannot be written)
counts as dropped. Where expected.yaml says so, also: which slots are talks, how each abstract
and bio begins, and the warnings the report must carry."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from bot.archive.importer import import_posts
from bot.archive.posts import parse_post
from bot.calendar.model import SlotKind
from tests.archive.conftest import community_only

VARIANTS = Path(__file__).parent / "data" / "variants"
TZ = ZoneInfo("Asia/Jerusalem")
BASIC = ("title", "date", "start", "end", "url", "slots", "language")


@dataclass
class Fidelity:
    basic_right: int = 0
    basic_total: int = 0
    talks_right: int = 0
    talks_total: int = 0
    posts: int = 0
    dropped: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)

    @property
    def basic_percent(self) -> float:
        return 100 * self.basic_right / self.basic_total if self.basic_total else 0.0

    @property
    def talks_percent(self) -> float:
        return 100 * self.talks_right / self.talks_total if self.talks_total else 0.0


def expected() -> dict[str, dict[str, Any]]:
    loaded = yaml.safe_load((VARIANTS / "expected.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def actual(name: str) -> dict[str, Any]:
    """What the importer makes of one variant post, in expected.yaml's terms."""
    post = parse_post((VARIANTS / name).read_text(encoding="utf-8"), name, TZ)
    event = post.event
    if event is None:
        return {"problems": list(post.problems)}
    start, end = event.start.astimezone(TZ), event.end.astimezone(TZ)
    return {
        "title": event.title,
        "date": start.date(),
        "start": f"{start:%H:%M}",
        "end": f"{end:%H:%M}",
        "url": event.url,
        "slots": len(event.schedule),
        "language": event.language,
        "venue": event.venue.id if event.venue else None,
        "schedule": [s.title for s in event.schedule],
        "talks": [[t.title, [s.name for s in t.speakers]] for t in event.talks],
        "talk_slots": [s.kind is SlotKind.TALK for s in event.schedule],
        "abstracts": [t.abstract for t in event.talks],
        "bios": {s.name: s.bio for t in event.talks for s in t.speakers},
        "problems": list(post.problems),
    }


def _begins(text: str | None, start: str | None) -> bool:
    return text is None if start is None else text is not None and text.startswith(start)


def details_misses(name: str, truth: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """The optional truths: slot kinds, how abstracts and bios begin, the warnings."""
    misses: list[str] = []
    if "talk_slots" in truth and got.get("talk_slots") != truth["talk_slots"]:
        misses.append(f"{name}: talk slots: expected {truth['talk_slots']}, got {got.get('talk_slots')}")
    for index, start in enumerate(truth.get("abstracts", [])):
        abstracts = got.get("abstracts", [])
        seen = abstracts[index] if index < len(abstracts) else None
        if not _begins(seen, start):
            misses.append(f"{name}: abstract {index + 1}: expected {start!r}..., got {seen!r}")
    for person, start in truth.get("bios", {}).items():
        seen = got.get("bios", {}).get(person)
        if not _begins(seen, start):
            misses.append(f"{name}: bio of {person}: expected {start!r}..., got {seen!r}")
    problems = " | ".join(got.get("problems", []))
    misses.extend(f"{name}: no warning {w!r} in {problems!r}" for w in truth.get("warned", []) if w not in problems)
    return misses


def dropped() -> list[str]:
    """The posts `import_posts` does not turn into a meetup, with why."""
    posts = [(name, (VARIANTS / name).read_text(encoding="utf-8")) for name in expected()]
    result = import_posts(posts, community_only())
    return [f"{p.source}: {'; '.join(p.problems)}" for p in result.failed]


def measure() -> Fidelity:
    result = Fidelity()
    for name, truth in expected().items():
        got = actual(name)
        for key in BASIC:
            result.basic_total += 1
            if got.get(key) == truth[key]:
                result.basic_right += 1
            else:
                result.misses.append(f"{name}: {key}: expected {truth[key]!r}, got {got.get(key)!r}")
        got_talks = got.get("talks", [])
        result.talks_total += max(len(truth["talks"]), len(got_talks))
        for index, talk in enumerate(truth["talks"]):
            if index < len(got_talks) and got_talks[index] == talk:
                result.talks_right += 1
            else:
                seen = got_talks[index] if index < len(got_talks) else None
                result.misses.append(f"{name}: talk {index + 1}: expected {talk!r}, got {seen!r}")
        result.misses.extend(f"{name}: extra talk {t!r}" for t in got_talks[len(truth["talks"]) :])
        result.misses.extend(details_misses(name, truth, got))
    result.posts = len(expected())
    result.dropped = dropped()
    return result
