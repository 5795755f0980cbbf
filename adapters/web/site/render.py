"""Render the website's pages from a Calendar with Jinja2 (autoescaped), one path at a time.

Paths are the contract shared by the static build and the live server: `/`, `/events/`,
`/events/<id>/`, `/talks/`, `/speakers/`, `/speakers/<id>/`, `/cfp/` ("/x/" is "/x/index.html"
in files). Links between pages are relative, so the files work under any sub-path of a host.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from adapters.telegram.platform import bot_username_setting
from adapters.web.site import share_image
from adapters.web.site.jsonld import country_of, event_jsonld
from adapters.web.site.model import SiteIndex, TalkEntry, language_tag, osm_search, safe_id, script_json
from bot.archive.ics import location_text
from bot.calendar.calendar import Calendar
from bot.calendar.model import Event, Need, Speaker
from bot.chat import views
from bot.rsvp import views as rsvp_views
from bot.rsvp.model import Counts, is_open

WEB = Path(__file__).resolve().parent.parent
TEMPLATES = WEB / "templates"
STATIC = WEB / "static"
STATIC_FILES = ("site.css", "search.js")
HOME_UPCOMING, HOME_PAST = 4, 3
_EVENT = re.compile(r"^/events/([^/]+)/$")
_SPEAKER = re.compile(r"^/speakers/([^/]+)/$")
SHARE_IMAGE = "share.png"  # /share.png for the site, /events/<id>/share.png for each meetup
_START_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # what Telegram takes after ?start=
GOOGLE_CALENDAR = "https://calendar.google.com/calendar/render?"
OUTLOOK = "https://outlook.live.com/calendar/0/deeplink/compose?"
SEARCH_MAX = 200  # characters of a talk search kept; no talk's text needs a longer one


def talk_search(query: str | None) -> str:
    """A talk search (/talks/?q=) as the page uses it: NFC (an accent typed as one character or
    as two is the same search), runs of whitespace one space, at most SEARCH_MAX characters.
    The page is a function of this string alone, so the live server keys its cache on it: every
    spelling of one search is one entry. Not case-folded: the page shows the search as typed."""
    return " ".join(unicodedata.normalize("NFC", query or "").split())[:SEARCH_MAX].rstrip()


@dataclass(frozen=True, slots=True)
class SiteOptions:
    base_url: str | None = None  # the site's absolute root, for canonical links and cards
    bot_username: str | None = None  # the Telegram bot, for the /cfp and "I'm going" deep links
    slack_command: str | None = None  # the Slack slash command (/meetup), where Slack is served

    @classmethod
    def from_env(cls, base_url: str | None = None, bot_username: str | None = None) -> SiteOptions:
        username = bot_username or bot_username_setting(os.environ)  # raises SettingsError when malformed
        return cls(base_url.rstrip("/") if base_url else None, username.lstrip("@") if username else None)

    @property
    def propose_link(self) -> str | None:
        return f"https://t.me/{self.bot_username}?start=propose" if self.bot_username else None

    def going_link(self, event: Event) -> str | None:
        """`t.me/<bot>?start=going-<id>`: the bot records the RSVP in the private chat."""
        payload = f"going-{event.id}"
        if not self.bot_username or not _START_PAYLOAD.match(payload):
            return None
        return f"https://t.me/{self.bot_username}?start={payload}"


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

    def counted(self, calendar: Calendar, path: str, now: datetime) -> list[Event]:
        """The meetups whose going count the page at `path` shows: the next one on the home
        page, the meetup of its own page, while answers are taken."""
        if path == "/":
            event = calendar.next(now)
        elif match := _EVENT.match(path):
            event = calendar.get(match.group(1))
        else:
            return []
        return [event] if event is not None and is_open(event, now) else []

    def render(
        self,
        calendar: Calendar,
        path: str,
        now: datetime,
        *,
        counts: Mapping[str, Counts] | None = None,
        query: str | None = None,
    ) -> str | None:
        """The page at `path`, or None when there is none. `counts` (served live) are the going
        counts of `counted(...)`; `query` is a talk search (/talks/?q=) rendered filtered."""
        index = self.index(calendar)
        page = Page(self, index, path, now, counts or {})
        if path == "/":
            return page.home()
        if path == "/events/":
            return page.events()
        if path == "/talks/":
            return page.talks(query)
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

    def __init__(
        self, renderer: SiteRenderer, index: SiteIndex, path: str, now: datetime, counts: Mapping[str, Counts]
    ) -> None:
        self.renderer, self.index, self.path, self.now, self.counts = renderer, index, path, now, counts
        self.calendar = index.calendar
        self.community = self.calendar.community
        self.tz = self.community.timezone
        self.options = renderer.options

    def _render(self, template: str, title: str, description: str, share: Event | None = None, **context: Any) -> str:
        root = "../" * (self.path.count("/") - 1)
        base = self.options.base_url
        site_name = self.community.display_name
        full_title = title if title == site_name else f"{title} · {site_name}"
        return self.renderer.env.get_template(template).render(
            page_path=self.path,
            root=root,
            home=root or "./",
            canonical=f"{base}{self.path}" if base else None,
            og_image=self.image_url(share, root),
            og_image_alt=self.image_alt(share),
            og_locale=self.locale(),
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

    def image_url(self, event: Event | None, root: str) -> str:
        """The share image: absolute when the site's address is known (as cards need)."""
        path = f"events/{event.id}/{SHARE_IMAGE}" if event is not None else SHARE_IMAGE
        base = self.options.base_url
        return f"{base}/{path}" if base else f"{root}{path}"

    def image_alt(self, event: Event | None) -> str:
        return share_image.event_alt(event, self.community) if event else share_image.site_alt(self.community)

    def locale(self) -> str | None:
        """og:locale from the community's language and country ("he_IL")."""
        tag = language_tag(self.community.language)
        country = self.community.country or country_of(self.community.timezone.key)
        return f"{tag}_{country}" if tag and country else tag

    def count_line(self, event: Event) -> str | None:
        """ "12 going · 80 seats", as the chat card says it; None where it is not known (the
        static build, a meetup no longer taking answers)."""
        counts = self.counts.get(event.id)
        if counts is None or not is_open(event, self.now):
            return None
        return rsvp_views.count_line(counts, event.seats)

    def taking_answers(self, event: Event) -> bool:
        return is_open(event, self.now)

    def calendar_links(self, event: Event) -> tuple[str, str]:
        """Google Calendar and Outlook links that open the meetup as a new calendar entry."""
        base = self.options.base_url
        details = f"{base}/events/{event.id}/" if base else event.url or ""
        where = location_text(event) or ""
        utc = "%Y%m%dT%H%M%SZ"
        start, end = event.start.astimezone(UTC), event.end.astimezone(UTC)
        google = {"action": "TEMPLATE", "text": event.title, "dates": f"{start:{utc}}/{end:{utc}}"}
        google |= {"details": details, "location": where, "ctz": self.tz.key}
        outlook = {"path": "/calendar/action/compose", "rru": "addevent", "subject": event.title}
        outlook |= {"startdt": start.isoformat(), "enddt": end.isoformat(), "body": details, "location": where}
        return GOOGLE_CALENDAR + urlencode(google), OUTLOOK + urlencode(outlook)

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
        image = self.image_url(event, "../../")
        counts = self.counts.get(event.id)
        jsonld = event_jsonld(event, self.community, self.options.base_url, description, image=image, counts=counts)
        return self._render("event.html", event.title, description, event, event=event, jsonld=script_json(jsonld))

    def talks(self, query: str | None = None) -> str:
        """Every talk; with a query (served live) the talks it does not find are hidden, and when
        none is found, the coming meetups on the topic and the call for speakers show instead."""
        aliases = [[topic, list(words)] for topic, words in self.community.topic_aliases]
        q = talk_search(query)
        shown: set[tuple[str, int]] | None = None
        if q:
            shown = {(hit.event.id, hit.event.talks.index(hit.talk) + 1) for hit in self.calendar.search(q)}
        terms = self.calendar.expand(q) if q else []
        coming = [(e, f"{e.title}\n{e.description or ''}".lower()) for e in self.calendar.upcoming(self.now, limit=20)]
        return self._render(
            "talks.html", "Talks", f"Every talk given at {self.community.display_name}, newest first, searchable.",
            talks=self.index.talks, aliases=json.dumps(aliases, ensure_ascii=False), query=q, shown=shown,
            coming=coming, themed={e.id for e, theme in coming if any(t in theme for t in terms)},
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
