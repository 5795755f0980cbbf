"""What other programs read from the pages: share previews (a 1200×630 og:image on every page,
loaded in chromium), schema.org Event data with what Google's event results require, feeds and
calendars that point to the site's own pages, add-to-calendar links, and search that never ends
in nothing (/talks/?q=nomatch shows the call for speakers, with no layout shift)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree as ET

import icalendar
import pytest

from adapters.web.site.build import build_site
from adapters.web.site.render import SiteOptions, SiteRenderer
from bot.archive.ics import STATUS as ICS_STATUS
from bot.calendar.calendar import Calendar
from bot.calendar.loader import parse_calendar
from bot.calendar.model import EventStatus
from tests.conftest import SHIPPED_EVENTS
from tests.web.conftest import NOW, OPTIONS
from tests.web.htmlcheck import check

ATOM = "{http://www.w3.org/2005/Atom}"
PLACE = "  timezone: Asia/Jerusalem\n"
# Google's event results, required then recommended:
# https://developers.google.com/search/docs/appearance/structured-data/event
REQUIRED = ("name", "startDate", "location")
RECOMMENDED = ("description", "endDate", "eventStatus", "image", "offers", "organizer", "performer")
# Layout shift measured over the page's load: every shift the browser reports, as Lighthouse sums them.
CLS_JS = """() => new Promise(done => {
  let total = 0;
  new PerformanceObserver(list => { for (const e of list.getEntries()) if (!e.hadRecentInput) total += e.value; })
    .observe({type: "layout-shift", buffered: true});
  requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => done(total), 300)));
})"""


def placed_calendar() -> Calendar:
    """The shipped calendar with the community's city, country and currency (events.yaml's
    optional `city`, `country`, `currency`)."""
    text = SHIPPED_EVENTS.read_text(encoding="utf-8")
    assert text.count(PLACE) == 1
    text = text.replace(PLACE, PLACE + "  city: Tel Aviv-Yafo\n  country: IL\n  currency: ILS\n")
    return Calendar(parse_calendar(text, "events.yaml"))


@pytest.fixture(scope="module")
def relative_site(tmp_path_factory: pytest.TempPathFactory, shipped_calendar: Calendar) -> Path:
    """A build without --base-url: the share images are linked relatively, so a local server
    can load them all."""
    out = tmp_path_factory.mktemp("relative-site")
    build_site(shipped_calendar, out, now=NOW, options=SiteOptions(bot_username="KernelTLVBot"))
    return out


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_every_page_has_a_1200_by_630_share_image_that_loads(
    relative_site: Path, shipped_calendar: Calendar, serve_dir: Any, page: Any
) -> None:
    base = serve_dir(relative_site)
    paths = SiteRenderer().paths(shipped_calendar)
    images = set()
    for path in paths:
        page.goto(base + path)
        meta = page.eval_on_selector_all(
            "meta[property^='og:'], meta[name^='twitter:']",
            "ms => Object.fromEntries(ms.map(m => [m.getAttribute('property') || m.name, m.content]))",
        )
        assert meta["og:image"] == meta["twitter:image"] and meta["twitter:card"] == "summary_large_image", path
        assert meta["og:image:alt"] and meta["og:image:alt"] == meta["twitter:image:alt"], path
        assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630"), path
        assert meta["og:locale"] == "he_IL", path  # Hebrew, the community's language; IL from its timezone
        size = page.evaluate(
            """src => new Promise((ok, fail) => { const i = new Image(); i.onerror = () => fail(src);
                 i.onload = () => ok([i.naturalWidth, i.naturalHeight]); i.src = src; })""",
            meta["og:image"],
        )
        assert size == [1200, 630], path
        images.add(page.evaluate("src => new URL(src, location.href).pathname", meta["og:image"]))
    # One per meetup, one for the rest of the site.
    assert images == {"/share.png", *(f"/events/{e.id}/share.png" for e in shipped_calendar.events)}


def test_with_a_base_url_the_share_image_is_absolute_and_built(shipped_site: Path, shipped_calendar: Calendar) -> None:
    for event in shipped_calendar.events:
        page = check((shipped_site / "events" / event.id / "index.html").read_text(encoding="utf-8"))
        assert page.meta["og:image"] == f"{OPTIONS.base_url}/events/{event.id}/share.png"
        assert event.title in page.meta["og:image:alt"]
        assert (shipped_site / "events" / event.id / "share.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def event_data(out: Path, event_id: str) -> dict[str, Any]:
    page = check((out / "events" / event_id / "index.html").read_text(encoding="utf-8"))
    assert page.errors == []
    [body] = page.scripts["application/ld+json"]
    data: dict[str, Any] = json.loads(body)
    return data


def test_every_event_has_what_google_event_results_need(tmp_path: Path) -> None:
    calendar = placed_calendar()
    build_site(calendar, tmp_path, now=NOW, options=OPTIONS)
    for event in calendar.events:
        data = event_data(tmp_path, event.id)
        assert all(data.get(key) for key in REQUIRED + RECOMMENDED if key != "performer" or event.speakers), event.id
        place = data["location"]
        assert place["@type"] == "Place" and place["name"]
        address = place["address"]
        assert address["@type"] == "PostalAddress" and address["addressCountry"] == "IL"
        assert address["addressLocality"] == ("Ramat Gan" if event.venue else "Tel Aviv-Yafo"), event.id
        offer = data["offers"]
        assert offer == {"@type": "Offer", "price": 0, "priceCurrency": "ILS", "url": data["url"],
                         "availability": "https://schema.org/InStock"}  # fmt: skip
        assert data["image"] == [f"{OPTIONS.base_url}/events/{event.id}/share.png"]
        assert data["organizer"] == {"@type": "Organization", "name": calendar.community.name,
                                     "url": f"{OPTIONS.base_url}/"}  # fmt: skip
        assert [p["name"] for p in data.get("performer", [])] == [s.name for s in event.speakers]
    planned = next(e for e in calendar.events if e.venue is None)
    assert event_data(tmp_path, planned.id)["location"]["name"] == "Venue to be announced, Tel Aviv-Yafo"


def test_without_a_city_a_meetup_without_venue_still_has_an_address(
    shipped_site: Path, shipped_calendar: Calendar
) -> None:
    planned = next(e for e in shipped_calendar.events if e.venue is None)
    address = event_data(shipped_site, planned.id)["location"]["address"]
    assert address == {"@type": "PostalAddress", "addressCountry": "IL"}


def test_event_status_says_what_the_ics_status_says(tmp_path: Path) -> None:
    data = placed_calendar().data
    statuses = {"CONFIRMED": "EventScheduled", "TENTATIVE": "EventScheduled", "CANCELLED": "EventCancelled"}
    events = [replace_status(data.events[0], status) for status in EventStatus]
    calendar = Calendar(type(data)(data.community, data.speakers, data.venues, tuple(events), data.source))
    build_site(calendar, tmp_path, now=NOW, options=OPTIONS)
    for event in events:
        ics = icalendar.Calendar.from_ical((tmp_path / "events" / f"{event.id}.ics").read_bytes())
        [vevent] = ics.walk("VEVENT")
        assert str(vevent["STATUS"]) == ICS_STATUS[event.status]
        assert event_data(tmp_path, event.id)["eventStatus"] == f"https://schema.org/{statuses[str(vevent['STATUS'])]}"


def replace_status(event: Any, status: EventStatus) -> Any:
    from dataclasses import replace

    return replace(event, id=f"{event.id}-{status.value}", status=status)


def test_feeds_and_calendars_point_to_the_sites_own_pages(shipped_site: Path, shipped_calendar: Calendar) -> None:
    site = OPTIONS.base_url
    feed = ET.fromstring((shipped_site / "feed.xml").read_bytes())
    for entry in feed.iter(f"{ATOM}entry"):
        links = {link.get("rel"): link.get("href") for link in entry.iter(f"{ATOM}link")}
        assert links["alternate"].startswith(f"{site}/events/"), links  # the upcoming meetup too
        assert links["alternate"] in (entry.findtext(f"{ATOM}content") or "")
    assert len(list(feed.iter(f"{ATOM}entry"))) == len(shipped_calendar.events)
    ics = icalendar.Calendar.from_ical((shipped_site / "calendar.ics").read_bytes())
    urls = {str(v["UID"]).split("@")[0]: str(v["URL"]) for v in ics.walk("VEVENT")}
    assert urls == {e.id: f"{site}/events/{e.id}/" for e in shipped_calendar.events}


def test_upcoming_meetups_offer_google_and_outlook_and_past_ones_lead_with_recordings(
    shipped_calendar: Calendar,
) -> None:
    renderer = SiteRenderer(OPTIONS)
    nxt = shipped_calendar.next(NOW)
    assert nxt is not None
    page = check(renderer.render(shipped_calendar, f"/events/{nxt.id}/", NOW) or "")
    google = next(u for u in page.links if u.startswith("https://calendar.google.com/"))
    query = parse_qs(urlsplit(google).query)
    start, end = (datetime.strptime(t, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) for t in query["dates"][0].split("/"))
    assert (start, end) == (nxt.start, nxt.end) and query["text"] == [nxt.title]
    assert query["details"] == [f"{OPTIONS.base_url}/events/{nxt.id}/"]
    outlook = parse_qs(urlsplit(next(u for u in page.links if u.startswith("https://outlook.live.com/"))).query)
    assert datetime.fromisoformat(outlook["startdt"][0]) == nxt.start and outlook["subject"] == [nxt.title]
    assert f"../../events/{nxt.id}.ics" in page.links
    for past in shipped_calendar.past(NOW):
        html = renderer.render(shipped_calendar, f"/events/{past.id}/", NOW) or ""
        main = html[html.index("<main") :]
        assert main.index('id="recordings"') < main.index("</h1>") + 400  # right under the title and badges
        assert "calendar.google.com" not in html and '.ics">Add' not in html
        recordings = [t for t in past.talks if t.video or t.slides]
        assert ("None published yet" in html) == (not recordings)


def visible(page: Any, selector: str) -> list[str]:
    texts: list[str] = page.eval_on_selector_all(
        selector, "els => els.filter(e => e.checkVisibility()).map(e => e.textContent.trim())"
    )
    return texts


@pytest.mark.parametrize("query", ["nomatch", "bpf"])
def test_a_search_with_no_talk_shows_the_coming_meetup_and_the_call_for_speakers(
    query: str, shipped_site: Path, shipped_calendar: Calendar, serve_dir: Any, page: Any
) -> None:
    assert shipped_calendar.search(query) == []  # "bpf": no talk yet (the chat's /talks bpf says the same)
    page.goto(f"{serve_dir(shipped_site)}/talks/?q={query}")
    cls = page.evaluate(CLS_JS)
    assert visible(page, ".talk") == []
    assert visible(page, "#no-match h2") == ["No talk on it yet"]
    assert "Propose a talk to @KernelTLVBot on Telegram" in visible(page, "#no-match a")
    coming = visible(page, ".coming")
    themed = shipped_calendar.next(NOW)
    assert themed is not None
    expected = [f"A coming meetup is about it: {themed.title}, {themed_date(shipped_calendar)}."]
    assert coming == (expected if query == "bpf" else [])
    assert page.text_content("#talk-count") == f"0 of {count_talks(shipped_calendar)} talks match “{query}”."
    assert cls <= 0.01, cls


def count_talks(calendar: Calendar) -> int:
    return sum(len(e.talks) for e in calendar.events)


def themed_date(calendar: Calendar) -> str:
    from bot.chat.views import short_date

    event = calendar.next(NOW)
    assert event is not None
    return short_date(event, calendar.community.timezone)


def test_a_search_that_finds_talks_hides_the_call_and_does_not_shift(
    shipped_site: Path, shipped_calendar: Calendar, serve_dir: Any, page: Any
) -> None:
    page.goto(f"{serve_dir(shipped_site)}/talks/?q=locking")
    cls = page.evaluate(CLS_JS)
    found = {h.talk.title for h in shipped_calendar.search("locking")}
    assert found and set(visible(page, ".talk h2")) == found
    assert visible(page, "#no-match") == [] and cls <= 0.01, cls


def test_the_search_form_has_an_action() -> None:
    calendar = placed_calendar()
    html = SiteRenderer(OPTIONS).render(calendar, "/talks/", NOW) or ""
    assert 'action=""' not in html and '<form class="search" role="search" method="get" action="./">' in html


def test_share_images_are_stable_and_lay_hebrew_out_right_to_left(shipped_calendar: Calendar) -> None:
    import io
    from dataclasses import replace

    from PIL import Image

    from adapters.web.site import share_image

    community, event = shipped_calendar.community, shipped_calendar.events[0]
    png = share_image.event_image(event, community)
    assert png == share_image.event_image(event, community)  # the same bytes for the same meetup
    hebrew = replace(event, title="מפגש ליבת לינוקס")
    image = Image.open(io.BytesIO(share_image.event_image(hebrew, community))).convert("L")
    assert image.size == (share_image.WIDTH, share_image.HEIGHT)
    title_band = image.crop((0, 150, share_image.WIDTH, 250))  # the title's first line
    left, _, right, _ = title_band.point(lambda v: 255 if v > 128 else 0).getbbox() or (0, 0, 0, 0)
    assert share_image.WIDTH - share_image.MARGIN - 8 <= right <= share_image.WIDTH - share_image.MARGIN + 2
    assert left > share_image.MARGIN + 100  # right-aligned, not starting at the left margin
