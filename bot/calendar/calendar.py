"""Calendar: the loaded events, indexed for the questions chat users ask.

Built once per load; every query is read-only, so one Calendar can be shared by any number of
concurrent handlers while a reload builds its successor.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import accumulate

from bot.calendar.model import CalendarData, Community, Event, Speaker, Talk


@dataclass(frozen=True, slots=True)
class TalkHit:
    event: Event
    talk: Talk


class Calendar:
    def __init__(self, data: CalendarData) -> None:
        self.data = data
        self.community: Community = data.community
        self.events: tuple[Event, ...] = tuple(sorted(data.events, key=lambda e: (e.start, e.id)))
        self._by_id = {e.id: e for e in self.events}
        self._starts = [e.start.timestamp() for e in self.events]
        # For "next": the first non-cancelled meetup that has not ended. Ends are not sorted
        # by start, but their running maximum is, so one bisection finds it.
        self._live = [e for e in self.events if not e.is_cancelled]
        self._live_max_end = list(accumulate((e.end.timestamp() for e in self._live), max))
        self._all_max_end = list(accumulate((e.end.timestamp() for e in self.events), max))
        self._talks = [(e, t, _haystack(e, t)) for e in self.events for t in e.talks]
        # Whitespace-separated words -> talks holding them. A query without whitespace can
        # only occur inside one such word, so scanning the (much smaller) vocabulary finds
        # exactly the talks a scan of every text would.
        self._words: dict[str, list[int]] = {}
        for index, (_, _, hay) in enumerate(self._talks):
            for word in set(hay.split()):
                self._words.setdefault(word, []).append(index)
        self._aliases = {topic: aliases for topic, aliases in self.community.topic_aliases}
        self._speakers = {s.id: s for s in data.speakers}
        for event in self.events:
            for speaker in event.speakers:
                self._speakers.setdefault(speaker.id, speaker)

    # -- time queries --

    def next(self, now: datetime) -> Event | None:
        """The meetup in progress, else the next one to start; cancelled ones are skipped."""
        index = bisect.bisect_right(self._live_max_end, now.timestamp())
        return self._live[index] if index < len(self._live) else None

    def upcoming(self, now: datetime, limit: int | None = None) -> list[Event]:
        """Meetups that have not ended (cancelled ones included, marked by their status)."""
        start = bisect.bisect_right(self._all_max_end, now.timestamp())
        found = [e for e in self.events[start:] if e.end.timestamp() > now.timestamp()]
        return found[:limit] if limit is not None else found

    def past(self, now: datetime, limit: int | None = None) -> list[Event]:
        """Meetups that have ended, most recent first; cancelled ones left out."""
        stop = bisect.bisect_right(self._starts, now.timestamp())
        ts = now.timestamp()
        found: list[Event] = []
        for event in reversed(self.events[:stop]):
            if event.end.timestamp() <= ts and not event.is_cancelled:
                found.append(event)
                if limit is not None and len(found) >= limit:
                    break
        return found

    def get(self, event_id: str) -> Event | None:
        return self._by_id.get(event_id.strip().lower())

    def __iter__(self) -> Iterator[Event]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)

    # -- search --

    def expand(self, query: str) -> list[str]:
        """The query and every alias of it, lower case ("ebpf" -> ["ebpf", "bpf", "xdp"])."""
        q = query.strip().lower()
        terms = [q]
        for topic, aliases in self._aliases.items():
            if q == topic or q in aliases:
                terms.extend(t for t in (topic, *aliases) if t not in terms)
        return terms

    def search(self, query: str) -> list[TalkHit]:
        """Talks whose title, abstract, speakers or tags mention the query
        (case-insensitive; topic aliases count), newest first."""
        terms = self.expand(query)
        if not terms[0]:
            return []
        found: set[int] = set()
        for term in terms:
            if any(ch.isspace() for ch in term):
                found.update(i for i, (_, _, hay) in enumerate(self._talks) if term in hay)
            else:
                for word, postings in self._words.items():
                    if term in word:
                        found.update(postings)
        return [TalkHit(self._talks[i][0], self._talks[i][1]) for i in sorted(found, reverse=True)]

    def speakers_matching(self, name: str) -> list[Speaker]:
        q = name.strip().lower()
        if not q:
            return []
        exact = [s for s in self._speakers.values() if q in (s.id, s.name.lower())]
        return exact or [s for s in self._speakers.values() if q in s.name.lower() or q in s.id]

    def talks_by(self, speaker: Speaker) -> list[TalkHit]:
        return [TalkHit(e, t) for e, t, _ in reversed(self._talks) if any(s.id == speaker.id for s in t.speakers)]


def _haystack(event: Event, talk: Talk) -> str:
    parts = [talk.title, talk.abstract or "", " ".join(talk.tags)]
    for speaker in talk.speakers:
        parts.append(speaker.name)
        parts.append(speaker.affiliation or "")
    return "\n".join(parts).lower()
