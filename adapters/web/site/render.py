"""Render the website's pages from a Calendar with Jinja2 (autoescaped), one path at a time.

Paths are the contract shared by the static build and the live server: `/`, `/events/`,
`/events/<id>/`, `/talks/`, `/speakers/`, `/speakers/<id>/`, `/cfp/` ("/x/" is "/x/index.html"
in files). Links between pages are relative, so the files work under any sub-path of a host.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from adapters.telegram.platform import bot_username_setting
from adapters.web.site.jsonld import event_jsonld
from adapters.web.site.model import SiteIndex, TalkEntry, language_tag, osm_search, safe_id, script_json
from bot.calendar.calendar import Calendar
from bot.calendar.model import Event, Need, Speaker
from bot.chat import views

WEB = Path(__file__).resolve().parent.parent
TEMPLATES = WEB / "templates"
STATIC = WEB / "static"
STATIC_FILES = ("site.css", "search.js")
HOME_UPCOMING, HOME_PAST = 4, 3
_EVENT = re.compile(r"^/events/([^/]+)/$")
_SPEAKER = re.compile(r"^/speakers/([^/]+)/$")


@dataclass(frozen=True, slots=True)
class SiteOptions:
    base_url: str | None = None  # the site's absolute root, for canonical links and cards
    bot_username: str | None = None  # the Telegram bot, for the /cfp deep link

    @classmethod
    def from_env(cls, base_url: str | None = None, bot_username: str | None = None) -> SiteOptions:
        username = bot_username or bot_username_setting(os.environ)  # raises SettingsError when malformed
        return cls(base_url.rstrip("/") if base_url else None, username.lstrip("@") if username else None)

    @property
    def propose_link(self) -> str | None:
        return f"https://t.me/{self.bot_username}?start=propose" if self.bot_username else None


class SiteRenderer:
    def __init__(self, options: SiteOptions | None = None) -> None:
        self.options = options or SiteOptions()
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._index: SiteIndex | None = None

    def index(self, calendar: Calendar) -> SiteIndex:
        """The index of the latest calendar rendered (one at a time: reloads replace it)."""
        if self._index is None or self._index.calendar is not calendar:
            self._index = SiteIndex(calendar)
        return self._index

    def paths(self, calendar: Calendar) -> list[str]:
        index = self.index(calendar)
        paths = ["/", "/events/", "/talks/", "/speakers/", "/cfp/"]
        paths += [f"/events/{e.id}/" for e in calendar.events if safe_id(e.id)]
        paths += [f"/speakers/{sid}/" for sid in index.speakers if safe_id(sid)]
        return paths

    def render(self, calendar: Calendar, path: str, now: datetime) -> str | None:
        """The page at `path`, or None when there is none."""
        index = self.index(calendar)
        page = Page(self, index, path, now)
        if path == "/":
            return page.home()
        if path == "/events/":
            return page.events()
        if path == "/talks/":
            return page.talks()
        if path == "/speakers/":
            return page.speakers()
        if path == "/cfp/":
            return page.cfp()
        if match := _EVENT.match(path):
            event = calendar.get(match.group(1))
            return page.event(event) if event is not None and event.id == match.group(1) else None
        if match := _SPEAKER.match(path):
            speaker = index.speakers.get(match.group(1))
            return page.speaker(speaker) if speaker is not None else None
        return None


class Page:
    """One page being rendered: the shared context and one method per kind of page."""

    def __init__(self, renderer: SiteRenderer, index: SiteIndex, path: str, now: datetime) -> None:
        self.renderer, self.index, self.path, self.now = renderer, index, path, now
        self.calendar = index.calendar
        self.community = self.calendar.community
        self.tz = self.community.timezone
        self.options = renderer.options

    def _render(self, template: str, title: str, description: str, **context: Any) -> str:
        root = "../" * (self.path.count("/") - 1)
        base = self.options.base_url
        site_name = self.community.display_name
        full_title = title if title == site_name else f"{title} · {site_name}"
        return self.renderer.env.get_template(template).render(
            page_path=self.path,
            root=root,
            home=root or "./",
            canonical=f"{base}{self.path}" if base else None,
            title=full_title,
            heading=title,
            description=" ".join(description.split())[:300],
            community=self.community,
            options=self.options,
            now=self.now,
            f=self,
            **context,
        )

    # -- helpers the templates call as f.<name> --

    def when(self, event: Event) -> str:
        return views.when_line(event, self.tz)

    def short_date(self, event: Event) -> str:
        return views.short_date(event, self.tz)

    def slot_time(self, start: datetime, end: datetime) -> str:
        return f"{views.hhmm(start.astimezone(self.tz))}–{views.hhmm(end.astimezone(self.tz))}"

    def is_past(self, event: Event) -> bool:
        return event.end <= self.now

    def is_now(self, event: Event) -> bool:
        return event.start <= self.now < event.end

    def host(self, event: Event) -> str | None:
        return event.host or (event.venue.host if event.venue else None)

    def needs(self, event: Event) -> str:
        return " and ".join(sorted(n.value for n in event.needs))

    def needs_venue(self, event: Event) -> bool:
        return Need.VENUE in event.needs

    def osm(self, address: str) -> str:
        return osm_search(address)

    def lang(self, name: str | None) -> str | None:
        return language_tag(name)

    def speaker_url(self, speaker: Speaker, root: str) -> str | None:
        return f"{root}speakers/{speaker.id}/" if speaker.id in self.index.speakers and safe_id(speaker.id) else None

    def recordings(self, event: Event) -> list[tuple[str, str, str]]:
        """(kind, talk title, url) for every video and slide deck of the meetup."""
        found: list[tuple[str, str, str]] = []
        for talk in event.talks:
            if talk.video:
                found.append(("Video", talk.title, talk.video))
            if talk.slides:
                found.append(("Slides", talk.title, talk.slides))
        return found

    # -- pages --

    def home(self) -> str:
        cal, now = self.calendar, self.now
        nxt = cal.next(now)
        upcoming = [e for e in cal.upcoming(now, HOME_UPCOMING + 1) if e is not nxt][:HOME_UPCOMING]
        description = self.community.description or f"The {self.community.name} calendar."
        return self._render(
            "home.html", self.community.display_name, description,
            next_event=nxt, upcoming=upcoming, past=cal.past(now, HOME_PAST), topics=self.index.topics(0),
        )  # fmt: skip

    def events(self) -> str:
        by_year: dict[int, list[Event]] = {}
        for event in self.calendar.past(self.now):
            by_year.setdefault(event.start.astimezone(self.tz).year, []).append(event)
        return self._render(
            "events.html", "Meetups", f"Every {self.community.display_name} meetup, upcoming and past.",
            upcoming=self.calendar.upcoming(self.now), by_year=by_year,
        )  # fmt: skip

    def event(self, event: Event) -> str:
        description = event.description or f"{self.when(event)}. " + "; ".join(t.title for t in event.talks)
        jsonld = event_jsonld(event, self.community, self.options.base_url, description)
        return self._render("event.html", event.title, description, event=event, jsonld=script_json(jsonld))

    def talks(self) -> str:
        aliases = [[topic, list(words)] for topic, words in self.community.topic_aliases]
        return self._render(
            "talks.html", "Talks", f"Every talk given at {self.community.display_name}, newest first, searchable.",
            talks=self.index.talks, aliases=script_json(aliases),
        )  # fmt: skip

    def speakers(self) -> str:
        return self._render(
            "speakers.html", "Speakers", f"Everyone who has spoken at {self.community.display_name}.",
            speakers=list(self.index.speakers.values()), counts=self.index.talks_by_speaker,
        )  # fmt: skip

    def speaker(self, speaker: Speaker) -> str:
        talks: tuple[TalkEntry, ...] = self.index.talks_by_speaker.get(speaker.id, ())
        description = speaker.bio or f"{speaker.name}'s talks at {self.community.display_name}."
        return self._render("speaker.html", speaker.name, description, speaker=speaker, talks=talks)

    def cfp(self) -> str:
        cfs = self.community.call_for_speakers
        description = cfs.text or "We are always looking for speakers and venues to host us."
        nxt = self.calendar.next(self.now)
        return self._render(
            "cfp.html", "Call for speakers and venues", description,
            topics=self.index.topics(), next_event=nxt if nxt is not None and nxt.needs else None,
        )  # fmt: skip
