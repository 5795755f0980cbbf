"""schema.org `Event` for a meetup page, as JSON-LD (what search engines show as event results).

Fields follow https://schema.org/Event and Google's event results: name, startDate, endDate,
eventStatus, eventAttendanceMode, location (a Place with a PostalAddress), offers, image,
organizer, performer, url, description, inLanguage; `subEvent`-free, since talks are not
separately ticketed.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import TZPATH

from adapters.web.site.model import language_tag
from bot.calendar.model import Community, Event, EventStatus
from bot.rsvp.model import Counts

SCHEMA = "https://schema.org"
STATUS = {
    EventStatus.PLANNED: f"{SCHEMA}/EventScheduled",
    EventStatus.CONFIRMED: f"{SCHEMA}/EventScheduled",
    EventStatus.CANCELLED: f"{SCHEMA}/EventCancelled",
}


def event_jsonld(
    event: Event,
    community: Community,
    base_url: str | None,
    description: str,
    *,
    image: str,
    counts: Counts | None = None,
) -> dict[str, Any]:
    """The meetup as a schema.org Event with what Google's event results need: `location` (a
    Place with a PostalAddress, the community's city while the venue is unknown), `offers` (free,
    availability from the seats and, served live, the going count), `image`, `organizer`,
    `performer`; `eventStatus` says what the .ics STATUS says (bot/archive/ics.py)."""
    page = f"{base_url}/events/{event.id}/" if base_url else None
    data: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": "Event",
        "name": event.title,
        "startDate": event.start.astimezone(community.timezone).isoformat(),
        "endDate": event.end.astimezone(community.timezone).isoformat(),
        "eventStatus": STATUS[event.status],
        "eventAttendanceMode": f"{SCHEMA}/OfflineEventAttendanceMode",
        "description": " ".join(description.split()),
        "location": _place(event, community),
        "image": [image],
        "offers": _offer(event, community, page, counts),
        "organizer": _organizer(community, base_url),
    }
    if page:
        data["url"] = page
    elif event.url:
        data["url"] = event.url
    if performers := [_person(s.name, s.affiliation) for s in event.speakers]:
        data["performer"] = performers
    language = event.language or community.language
    if language:
        tag = language_tag(language)
        data["inLanguage"] = tag if tag else {"@type": "Language", "name": language}
    if event.url and data.get("url") != event.url:
        data["sameAs"] = event.url
    return data


def _place(event: Event, community: Community) -> dict[str, Any]:
    """A Place with a PostalAddress. events.yaml writes an address as one line ("SQLink offices,
    Ramat Gan"): its last part is the locality; without a venue, the community's city."""
    country = community.country or country_of(community.timezone.key)
    address: dict[str, Any] = {"@type": "PostalAddress"}
    venue = event.venue
    if venue is not None and venue.address:
        street, _, locality = venue.address.rpartition(",")
        address["streetAddress"] = (street or venue.address).strip()
        address["addressLocality"] = locality.strip() if street else community.city
        name = venue.name
    else:
        address["addressLocality"] = community.city
        name = venue.name if venue is not None else event.host or f"Venue to be announced, {community.city or ''}"
    if country:
        address["addressCountry"] = country
    address = {k: v for k, v in address.items() if v}
    if len(address) == 1:  # nothing known at all: schema.org allows the address as text
        return {"@type": "Place", "name": name.rstrip(", "), "address": name.rstrip(", ")}
    return {"@type": "Place", "name": name.rstrip(", "), "address": address}


def _offer(event: Event, community: Community, page: str | None, counts: Counts | None) -> dict[str, Any]:
    """Free entry; availability from the seats (and the count, when known)."""
    if event.seats is None:
        availability = "InStock"
    elif counts is not None and counts.going >= event.seats:
        availability = "SoldOut"
    else:
        availability = "LimitedAvailability"
    offer: dict[str, Any] = {"@type": "Offer", "price": 0, "availability": f"{SCHEMA}/{availability}"}
    if community.currency:
        offer["priceCurrency"] = community.currency
    if page:
        offer["url"] = page
    return offer


def country_of(zone: str) -> str | None:
    """The country of an IANA zone by the tz database's zone.tab ("Asia/Jerusalem" -> "IL")."""
    return _zone_countries().get(zone)


@lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    found: dict[str, str] = {}
    for folder in _zone_folders():
        try:
            text = (folder / "zone.tab").read_text(encoding="utf-8")
        except OSError:
            continue
        for line in text.splitlines():
            parts = line.split("\t")
            if len(parts) >= 3 and not line.startswith("#"):
                found[parts[2]] = parts[0]
        if found:
            break
    return found


def _zone_folders() -> list[Path]:
    """The system's tz database, then the `tzdata` package's (where the system has none)."""
    folders = [Path(folder) for folder in TZPATH]
    spec = importlib.util.find_spec("tzdata")
    if spec is not None and spec.origin:
        folders.append(Path(spec.origin).parent / "zoneinfo")
    return folders


def _organizer(community: Community, base_url: str | None) -> dict[str, Any]:
    organizer: dict[str, Any] = {"@type": "Organization", "name": community.name}
    if url := community.link("website") or (f"{base_url}/" if base_url else None) or community.link("meetup"):
        organizer["url"] = url
    return organizer


def _person(name: str, affiliation: str | None) -> dict[str, Any]:
    person: dict[str, Any] = {"@type": "Person", "name": name}
    if affiliation:
        person["description"] = affiliation
    return person
