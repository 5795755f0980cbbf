"""An Atom feed (RFC 4287) of the community's meetups, recordings included.

One entry per meetup; its content lists the talks with speakers and their recording and slides
links. Entry ids are `urn:uuid:` names derived from the community and the meetup id, so they
never change. When an entry was last `updated` is the caller's to say (see `updated_at`): the
static build says it from the content (the file's last commit, adapters/web/stamp.py), the
running server also notices changes (a new recording). With the website's address known, every
entry links to the meetup's own page (the meetup.com page, if any, is a related link).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from html import escape
from xml.etree import ElementTree as ET

from bot.archive.ics import community_slug
from bot.calendar.model import CalendarData, Community, Event

ATOM = "http://www.w3.org/2005/Atom"
UpdatedAt = Callable[[Event, str], datetime]  # (event, content digest) -> when it last changed


def entry_id(event: Event, community: Community) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'meetup-bot:{community_slug(community)}:{event.id}')}"


def page_url(event: Event, site_url: str | None) -> str | None:
    """The meetup's page on the community's website when its address is known, else its own URL."""
    return f"{site_url.rstrip('/')}/events/{event.id}/" if site_url else event.url


def entry_html(event: Event, community: Community, site_url: str | None = None) -> str:
    tz = community.timezone
    start, end = event.start.astimezone(tz), event.end.astimezone(tz)
    parts = [f"<p>{start:%A, %d %B %Y, %H:%M}–{end:%H:%M} {escape(start.tzname() or '')}"]
    if event.venue is not None:
        parts.append(f" · {escape(event.venue.name)}")
    parts.append("</p>")
    if event.is_cancelled:
        parts.append("<p><strong>Cancelled.</strong></p>")
    if event.description:
        parts.append(f"<p>{escape(event.description)}</p>")
    if event.talks:
        parts.append("<ul>")
        for talk in event.talks:
            item = f"<strong>{escape(talk.title)}</strong>"
            if talk.speakers:
                item += f" — {escape(', '.join(s.name for s in talk.speakers))}"
            for label, url in (("recording", talk.video), ("slides", talk.slides)):
                if url:
                    item += f' · <a href="{escape(url)}">{label}</a>'
            parts.append(f"<li>{item}</li>")
        parts.append("</ul>")
    if page := page_url(event, site_url):
        parts.append(f'<p><a href="{escape(page)}">The meetup page</a></p>')
    return "".join(parts)


def entry_digest(event: Event, community: Community) -> str:
    """A fingerprint of what the entry says: it changes when, say, a recording is added."""
    return hashlib.sha256(f"{event.title}\n{entry_html(event, community)}".encode()).hexdigest()


def baseline_updated(stamp: datetime) -> UpdatedAt:
    """Without history: a past meetup was last updated when it ended, a coming one when the file
    was last changed (`stamp`)."""
    return lambda event, _digest: min(event.end, stamp)


def atom_feed(
    data: CalendarData,
    *,
    updated_at: UpdatedAt,
    feed_url: str | None = None,
    ics_url: str | None = None,
    site_url: str | None = None,
) -> bytes:
    community = data.community
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    entries = []
    for event in data.events:
        digest = entry_digest(event, community)
        entries.append((updated_at(event, digest).astimezone(UTC), event))
    entries.sort(key=lambda pair: (pair[0], pair[1].start), reverse=True)
    _sub(feed, "id", f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'meetup-bot:{community_slug(community)}')}")
    _sub(feed, "title", f"{community.display_name} meetups")
    if community.description:
        _sub(feed, "subtitle", community.description)
    newest = entries[0][0] if entries else datetime(1970, 1, 1, tzinfo=UTC)
    _sub(feed, "updated", _time(newest))
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _sub(author, "name", community.name)
    if feed_url:
        ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=feed_url, type="application/atom+xml")
    if (
        site := (f"{site_url.rstrip('/')}/" if site_url else None)
        or community.link("website")
        or community.link("meetup")
    ):
        ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=site)
    if ics_url:
        ET.SubElement(feed, f"{{{ATOM}}}link", rel="related", href=ics_url, type="text/calendar")
    _sub(feed, "generator", "meetup-bot")
    for updated, event in entries:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _sub(entry, "id", entry_id(event, community))
        title = event.title
        if event.is_cancelled:
            title = f"Cancelled: {title}"
        elif any(t.video for t in event.talks):
            title = f"{title} (recordings)"
        _sub(entry, "title", title)
        _sub(entry, "updated", _time(updated))
        start = event.start.astimezone(community.timezone)
        speakers = ", ".join(s.name for s in event.speakers)
        _sub(entry, "summary", f"{start:%d %B %Y, %H:%M}" + (f" — {speakers}" if speakers else ""))
        if page := page_url(event, site_url):
            ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=page)
        if event.url and event.url != page:
            ET.SubElement(entry, f"{{{ATOM}}}link", rel="related", href=event.url, title="meetup.com")
        for talk in event.talks:
            if talk.video:
                ET.SubElement(entry, f"{{{ATOM}}}link", rel="related", href=talk.video, title=talk.title)
        content = _sub(entry, "content", entry_html(event, community, site_url))
        content.set("type", "html")
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


def _sub(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    element.text = text
    return element


def _time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
