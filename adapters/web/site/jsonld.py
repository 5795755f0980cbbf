"""schema.org `Event` for a meetup page, as JSON-LD (what search engines show as event results).

Fields follow https://schema.org/Event: name, startDate, endDate, eventStatus,
eventAttendanceMode, location (a Place with its address), organizer, performer, url,
description, inLanguage; `subEvent`-free, since talks are not separately ticketed.
"""

from __future__ import annotations

from typing import Any

from adapters.web.site.model import language_tag
from bot.calendar.model import Community, Event, EventStatus

SCHEMA = "https://schema.org"
STATUS = {
    EventStatus.PLANNED: f"{SCHEMA}/EventScheduled",
    EventStatus.CONFIRMED: f"{SCHEMA}/EventScheduled",
    EventStatus.CANCELLED: f"{SCHEMA}/EventCancelled",
}


def event_jsonld(event: Event, community: Community, base_url: str | None, description: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": "Event",
        "name": event.title,
        "startDate": event.start.astimezone(community.timezone).isoformat(),
        "endDate": event.end.astimezone(community.timezone).isoformat(),
        "eventStatus": STATUS[event.status],
        "eventAttendanceMode": f"{SCHEMA}/OfflineEventAttendanceMode",
        "description": " ".join(description.split()),
        "organizer": _organizer(community),
    }
    if base_url:
        data["url"] = f"{base_url}/events/{event.id}/"
    elif event.url:
        data["url"] = event.url
    venue = event.venue
    if venue is not None:
        place: dict[str, Any] = {"@type": "Place", "name": venue.name}
        # PostalAddress needs structured parts events.yaml does not have; schema.org allows Text.
        place["address"] = venue.address or venue.name
        data["location"] = place
    if performers := [_person(s.name, s.affiliation) for s in event.speakers]:
        data["performer"] = performers
    language = event.language or community.language
    if language:
        tag = language_tag(language)
        data["inLanguage"] = tag if tag else {"@type": "Language", "name": language}
    if event.url and data.get("url") != event.url:
        data["sameAs"] = event.url
    return data


def _organizer(community: Community) -> dict[str, Any]:
    organizer: dict[str, Any] = {"@type": "Organization", "name": community.name}
    if url := community.link("website") or community.link("meetup"):
        organizer["url"] = url
    return organizer


def _person(name: str, affiliation: str | None) -> dict[str, Any]:
    person: dict[str, Any] = {"@type": "Person", "name": name}
    if affiliation:
        person["description"] = affiliation
    return person
