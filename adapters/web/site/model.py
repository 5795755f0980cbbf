"""What the pages need beyond the Calendar's own queries: indexes built once per calendar.

Presentation only: it reads the core's Calendar and model; nothing in `bot/` knows about it.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote_plus

from markupsafe import Markup

from bot.calendar.calendar import Calendar, haystack
from bot.calendar.model import Event, Speaker, Talk

OSM_SEARCH = "https://www.openstreetmap.org/search?query="
# Language names as events.yaml writes them -> BCP 47 tags, for lang= and JSON-LD inLanguage.
LANGUAGE_TAGS = {
    "arabic": "ar", "english": "en", "french": "fr", "german": "de", "hebrew": "he",
    "russian": "ru", "spanish": "es", "ukrainian": "uk",
}  # fmt: skip
_SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@dataclass(frozen=True, slots=True)
class TalkEntry:
    """A talk where it was given; `number` is its place in the meetup (the page's #talk-N)."""

    event: Event
    talk: Talk
    number: int

    @property
    def anchor(self) -> str:
        return f"talk-{self.number}"

    @property
    def haystack(self) -> str:
        """The text the search box matches, exactly what `Calendar.search` matches: title,
        abstract, tags, speakers' names and affiliations, lower case, NFC."""
        return haystack(self.talk)


@dataclass(frozen=True, slots=True)
class Topic:
    """A wanted topic from the call for speakers, its search word, and the talks already on it."""

    text: str
    query: str
    talks: tuple[TalkEntry, ...]


class SiteIndex:
    """Speakers, talks and time boundaries of one Calendar, computed once."""

    def __init__(self, calendar: Calendar) -> None:
        self.calendar = calendar
        speakers: dict[str, Speaker] = {s.id: s for s in calendar.data.speakers}
        by_speaker: dict[str, list[TalkEntry]] = {}
        talks: list[TalkEntry] = []
        for event in reversed(calendar.events):  # newest first
            for number, talk in enumerate(event.talks, 1):
                entry = TalkEntry(event, talk, number)
                talks.append(entry)
                for speaker in talk.speakers:
                    speakers.setdefault(speaker.id, speaker)
                    by_speaker.setdefault(speaker.id, []).append(entry)
        self.talks = tuple(talks)
        self.speakers = dict(sorted(speakers.items(), key=lambda item: item[1].name.lower()))
        self.talks_by_speaker = {sid: tuple(entries) for sid, entries in by_speaker.items()}
        # Which meetups are upcoming or past changes only at a start or an end: pages rendered
        # for one instant stay right until the next of these.
        self._boundaries = sorted({t.timestamp() for e in calendar.events for t in (e.start, e.end)})

    def valid_until(self, now: datetime) -> float:
        """The next instant at which a page rendered at `now` may change (inf if none)."""
        index = bisect.bisect_right(self._boundaries, now.timestamp())
        return self._boundaries[index] if index < len(self._boundaries) else float("inf")

    def topics(self, limit: int = 5) -> tuple[Topic, ...]:
        """The wanted topics, each with the talks already given on it. A topic is searched by
        its first word ("XDP and the eXpress Data Path" -> "xdp"), aliases included."""
        found: list[Topic] = []
        for text in self.calendar.community.call_for_speakers.topics:
            query = topic_query(text)
            hits = self.calendar.search(query) if query else []
            entries = tuple(self.entry(hit.event, hit.talk) for hit in hits[:limit])
            found.append(Topic(text, query, entries))
        return tuple(found)

    def entry(self, event: Event, talk: Talk) -> TalkEntry:
        return TalkEntry(event, talk, event.talks.index(talk) + 1)


def topic_query(topic: str) -> str:
    """ "eBPF, in networking and beyond" -> "ebpf"; "TUN/TAP and ..." -> "tun/tap"."""
    words = topic.strip().lower().split()
    return words[0].strip(",;:.()") if words else ""


def safe_id(value: str) -> bool:
    """Whether an id can be a path segment as it is (ids are slugs; this guards the build)."""
    return bool(_SAFE_ID.match(value))


def osm_search(address: str) -> str:
    return OSM_SEARCH + quote_plus(address)


def language_tag(name: str | None) -> str | None:
    return LANGUAGE_TAGS.get(name.strip().lower()) if name else None


def script_json(value: object) -> Markup:
    """JSON safe inside a <script> element: no `</script>`, no `<!--`, no `&` surprises."""
    text = json.dumps(value, ensure_ascii=False, indent=None, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)
