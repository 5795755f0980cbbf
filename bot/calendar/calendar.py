"""Calendar: the loaded events, indexed for the questions chat users ask.

Built once per load; every query is read-only, so one Calendar can be shared by any number of
concurrent handlers while a reload builds its successor.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Callable, Iterator, Mapping
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
        self._aliases = {topic: aliases for topic, aliases in self.community.topic_aliases}
        self._index = _TalkIndex([TalkHit(e, t) for e in self.events for t in e.talks], self._aliases, self.expand)
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
        ts = now.timestamp()
        found: list[Event] = []
        events = self.events
        for index in range(bisect.bisect_right(self._all_max_end, ts), len(events)):
            event = events[index]
            if event.end.timestamp() > ts:
                found.append(event)
                if limit is not None and len(found) >= limit:  # a long future: stop at the limit
                    break
        return found

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
        q = searchable(query.strip())
        terms = [q]
        for topic, aliases in self._aliases.items():
            if q == topic or q in aliases:
                terms.extend(t for t in (topic, *aliases) if t not in terms)
        return terms

    def search(self, query: str) -> list[TalkHit]:
        """Talks whose title, abstract, speakers or tags mention the query
        (case-insensitive; topic aliases count), newest first."""
        return self._index.search(query)

    def speakers_matching(self, name: str) -> list[Speaker]:
        q = name.strip().lower()
        if not q:
            return []
        exact = [s for s in self._speakers.values() if q in (s.id, s.name.lower())]
        return exact or [s for s in self._speakers.values() if q in s.name.lower() or q in s.id]

    def talks_by(self, speaker: Speaker) -> list[TalkHit]:
        return self._index.by_speaker(speaker.id)


def searchable(text: str) -> str:
    """Text as search compares it: lower case, in NFC, so an accent typed as one character or as a
    letter and a combining mark (as some keyboards and files have it) finds the same talks."""
    return unicodedata.normalize("NFC", text).lower()


def haystack(talk: Talk) -> str:
    """The text a search looks in: title, abstract, tags, speakers' names and affiliations."""
    parts = [talk.title, talk.abstract or "", " ".join(talk.tags)]
    for speaker in talk.speakers:
        parts.append(speaker.name)
        parts.append(speaker.affiliation or "")
    return searchable("\n".join(parts))


class _TalkIndex:
    """An inverted index of talks by the whitespace-separated words of their text.

    A query matches a talk when it occurs anywhere in its text (so "bpf" finds "ebpf"): the
    words containing a one-word query are found by one substring search of the joined
    vocabulary, and their talk lists are merged. A query with spaces is looked up by its parts
    and then checked against the few texts that hold all of them. The queries that topic
    aliases widen are answered at index time, once per calendar load.
    """

    def __init__(
        self, hits: list[TalkHit], aliases: Mapping[str, tuple[str, ...]], expand: Callable[[str], list[str]]
    ) -> None:
        self._hits = hits  # oldest first; an index into it is a talk's position in time
        self._texts = [haystack(h.talk) for h in hits]
        postings: dict[str, list[int]] = {}
        by_speaker: dict[str, list[int]] = {}
        for index, (hit, text) in enumerate(zip(hits, self._texts, strict=True)):
            for word in set(text.split()):
                postings.setdefault(word, []).append(index)
            for speaker_id in {s.id for s in hit.talk.speakers}:
                by_speaker.setdefault(speaker_id, []).append(index)
        self._postings = list(postings.values())
        # "\n" never occurs in a word, so a match of a one-word query lies inside one word;
        # _starts[i] is where word i begins in the joined text.
        self._vocabulary = "\n".join(postings) + "\n"
        self._starts = list(accumulate((len(w) + 1 for w in postings), initial=0))
        self._by_speaker = by_speaker
        self._expand = expand
        # Topic aliases expanded now: "/talks ebpf" costs what a plain word costs.
        self._expanded = {
            name: self._union([self._matching(term) for term in expand(name)])
            for name in {name for topic, others in aliases.items() for name in (topic, *others)}
        }

    def search(self, query: str) -> list[TalkHit]:
        terms = self._expand(query)
        if not terms[0]:
            return []
        found = self._expanded.get(terms[0])
        if found is None:
            found = self._union([self._matching(term) for term in terms])
        hits = self._hits
        return [hits[i] for i in reversed(found)]

    def by_speaker(self, speaker_id: str) -> list[TalkHit]:
        hits = self._hits
        return [hits[i] for i in reversed(self._by_speaker.get(speaker_id, ()))]

    def _matching(self, term: str) -> list[int]:
        """Ascending positions of the talks whose text contains `term`."""
        parts = term.split()
        if len(parts) == 1 and parts[0] == term:
            return self._union(self._containing(term))
        candidates: set[int] | None = None
        for part in parts:
            having = set().union(*self._containing(part))
            candidates = having if candidates is None else candidates & having
            if not candidates:
                return []
        texts = self._texts
        return sorted(i for i in candidates or () if term in texts[i])

    def _containing(self, part: str) -> list[list[int]]:
        """The talk lists of every vocabulary word that contains `part` (which has no space)."""
        vocabulary, starts, postings = self._vocabulary, self._starts, self._postings
        found: list[list[int]] = []
        at = vocabulary.find(part)
        while at >= 0:
            word = bisect.bisect_right(starts, at) - 1
            found.append(postings[word])
            at = vocabulary.find(part, starts[word + 1])  # the next word: one list per word
        return found

    @staticmethod
    def _union(lists: list[list[int]]) -> list[int]:
        if not lists:
            return []
        if len(lists) == 1:
            return lists[0]
        return sorted(set().union(*lists))
