"""The website's pages, rendered for the shipped calendar and a generated large one: every
meetup, speaker and talk has its page or entry, the HTML is well formed, links resolve, and the
meta data (cards, JSON-LD) says what a card or a search engine needs."""

from __future__ import annotations

import json
import re
from datetime import datetime
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from adapters.web.site.render import STATIC, SiteOptions, SiteRenderer
from bot.calendar.calendar import Calendar
from tests.conftest import calendar_from_yaml
from tests.web.conftest import NOW, OPTIONS, TRICKY
from tests.web.htmlcheck import PageCheck, check

SITES = ["shipped", "large"]


@pytest.fixture(params=SITES)
def site(request: pytest.FixtureRequest) -> tuple[Calendar, Path]:
    name = request.param
    return request.getfixturevalue(f"{name}_calendar"), request.getfixturevalue(f"{name}_site")


def pages(out: Path) -> dict[str, PageCheck]:
    return {"/" + str(p.parent.relative_to(out)).replace(".", "", 1).strip("/") + "/" if p.parent != out else "/":
            check(p.read_text(encoding="utf-8")) for p in out.rglob("index.html")}  # fmt: skip


def page_path(out: Path, path: str) -> Path:
    return out / path.lstrip("/") / "index.html"


def test_every_page_parses_strictly_with_lang_and_headings_in_order(site: tuple[Calendar, Path]) -> None:
    _, out = site
    checked = pages(out)
    assert len(checked) >= 10
    for path, page in checked.items():
        assert page.errors == [], (path, page.errors)
        assert page.lang == "en", path


def test_every_meetup_speaker_and_talk_has_its_page_or_entry(site: tuple[Calendar, Path]) -> None:
    calendar, out = site
    renderer = SiteRenderer()
    index = renderer.index(calendar)
    for event in calendar.events:
        html = page_path(out, f"/events/{event.id}/").read_text(encoding="utf-8")
        assert unescape(re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)).endswith(event.title)  # type: ignore[union-attr]
        assert (out / "events" / f"{event.id}.ics").is_file()
        for number, talk in enumerate(event.talks, 1):
            assert f'id="talk-{number}"' in html and talk.title in unescape(html)
    assert index.speakers, "the calendar has speakers"
    for sid, speaker in index.speakers.items():
        html = unescape(page_path(out, f"/speakers/{sid}/").read_text(encoding="utf-8"))
        assert f"<h1>{speaker.name}</h1>" in html
        for entry in index.talks_by_speaker.get(sid, ()):
            assert entry.talk.title in html
    talks = page_path(out, "/talks/").read_text(encoding="utf-8")
    hrefs = re.findall(r'<li class="talk"[^>]*>\s*<h2><a href="([^"]+)"', talks)
    expected = [f"../events/{e.id}/#talk-{n}" for e in reversed(calendar.events) for n in range(1, len(e.talks) + 1)]
    assert hrefs == expected and len(hrefs) == sum(len(e.talks) for e in calendar.events)  # newest first


def test_every_link_between_pages_resolves_to_a_file_and_an_anchor(site: tuple[Calendar, Path]) -> None:
    _, out = site
    ids: dict[Path, set[str]] = {}
    for source in out.rglob("index.html"):
        page = check(source.read_text(encoding="utf-8"))
        ids[source] = page.ids
    for source in out.rglob("index.html"):
        page = check(source.read_text(encoding="utf-8"))
        for href in page.links + page.assets:
            parts = urlsplit(href)
            if parts.scheme in ("http", "https", "data"):
                continue
            assert not parts.scheme and not href.startswith("/"), f"{source}: {href!r} is not relative"
            target = (source.parent / unquote(parts.path)).resolve() if parts.path else source
            if target.is_dir():
                target = target / "index.html"
            assert target.is_file(), f"{source.relative_to(out)} links to missing {href!r}"
            if parts.fragment:
                assert parts.fragment in ids[target], f"{source.relative_to(out)}: no #{parts.fragment} in {href!r}"


def test_feeds_are_linked_from_every_page_and_nothing_comes_from_another_host(site: tuple[Calendar, Path]) -> None:
    _, out = site
    for path, page in pages(out).items():
        root = "../" * (path.count("/") - 1)
        assert f"{root}calendar.ics" in page.links and f"{root}feed.xml" in page.links, path
        assert all(not urlsplit(a).netloc for a in page.assets), (path, page.assets)


def test_cards_for_telegram_and_slack_and_canonical_urls(shipped_site: Path, shipped_calendar: Calendar) -> None:
    for path, page in pages(shipped_site).items():
        for key in ("og:title", "og:description", "og:type", "og:site_name", "twitter:card", "description"):
            assert page.meta.get(key), (path, key)
        assert page.meta["og:url"] == f"{OPTIONS.base_url}{path}"
    for event in shipped_calendar.events:
        assert pages(shipped_site)[f"/events/{event.id}/"].meta["og:title"] == event.title


# https://schema.org/Event and the Thing properties it inherits (the ones a page could use).
EVENT_PROPERTIES = {
    "@context", "@type", "name", "startDate", "endDate", "eventStatus", "eventAttendanceMode", "location",
    "organizer", "performer", "url", "description", "inLanguage", "sameAs", "image", "offers", "subEvent",
}  # fmt: skip
STATUSES = ("EventScheduled", "EventCancelled", "EventPostponed", "EventRescheduled", "EventMovedOnline")
EVENT_STATUS = {f"https://schema.org/{s}" for s in STATUSES}


def test_meetup_pages_carry_schema_org_event_json_ld(site: tuple[Calendar, Path]) -> None:
    calendar, out = site
    for event in calendar.events:
        page = check(page_path(out, f"/events/{event.id}/").read_text(encoding="utf-8"))
        [body] = page.scripts["application/ld+json"]
        data = json.loads(body)
        assert set(data) <= EVENT_PROPERTIES and data["@type"] == "Event" and data["@context"] == "https://schema.org"
        assert data["name"] == event.title
        assert datetime.fromisoformat(data["startDate"]) == event.start
        assert datetime.fromisoformat(data["endDate"]) == event.end
        assert data["eventStatus"] in EVENT_STATUS
        assert data["eventStatus"].endswith("EventCancelled") == event.is_cancelled
        assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
        assert data["organizer"]["@type"] == "Organization" and data["organizer"]["name"] == calendar.community.name
        assert data["description"] and data["url"].startswith("https://")
        assert data["inLanguage"] == "he"
        location = data["location"]  # every meetup, venue or not (Google's event results need it)
        assert location["@type"] == "Place" and location["address"]["@type"] == "PostalAddress"
        if event.venue is not None:
            assert location["name"] == event.venue.name
            street = location["address"]["streetAddress"] + ", " + location["address"]["addressLocality"]
            assert street == event.venue.address
        assert [p["name"] for p in data.get("performer", [])] == [s.name for s in event.speakers]
        assert all(p["@type"] == "Person" for p in data.get("performer", []))


def test_markup_in_the_calendar_is_escaped_everywhere(large_site: Path, large_calendar: Calendar) -> None:
    event = next(e for e in large_calendar.events if e.title == TRICKY)
    html = page_path(large_site, f"/events/{event.id}/").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    page = check(html)
    assert page.errors == [] and json.loads(page.scripts["application/ld+json"][0])["name"] == TRICKY
    assert "\\u003cscript\\u003e" in page.scripts["application/ld+json"][0]


def test_home_page_with_its_css_and_js_weighs_at_most_100_kb(site: tuple[Calendar, Path]) -> None:
    _, out = site
    weight = sum(len(p.read_bytes()) for p in (out / "index.html", STATIC / "site.css", STATIC / "search.js"))
    assert weight <= 100_000, weight


def test_a_past_meetup_shows_recordings_and_slides_and_an_osm_map_link(
    large_site: Path, large_calendar: Calendar
) -> None:
    past = large_calendar.past(NOW, 1)[0]
    html = page_path(large_site, f"/events/{past.id}/").read_text(encoding="utf-8")
    assert "Recordings and slides" in html
    for talk in past.talks:
        if talk.video:
            assert f'href="{talk.video}"' in html and f"Video of “{talk.title}”" in html
    assert past.venue is not None and past.venue.address is not None
    [osm] = [h for h in check(html).links if h.startswith("https://www.openstreetmap.org/search?")]
    assert parse_qs(urlsplit(osm).query)["query"] == [past.venue.address]
    upcoming = large_calendar.next(NOW)
    assert upcoming is not None
    assert "Recordings and slides" not in page_path(large_site, f"/events/{upcoming.id}/").read_text(encoding="utf-8")


CFP_COMMUNITY = """\
community:
  name: Test Kernel Meetup
  timezone: Asia/Jerusalem
  call_for_speakers:
    topics: [XDP and the eXpress Data Path, "Preemption, scheduling and real-time Linux"]
    how_to_submit: Message the organisers.
  topic_aliases:
    preemption: [preempt, preempt_rt]
"""


def test_cfp_lists_wanted_topics_with_the_talks_on_them_and_how_to_propose() -> None:
    calendar = calendar_from_yaml(
        """
        events:
          - id: 2016-09-04-rt
            title: Real time
            start: 2016-09-04 19:00
            talks: [{title: Going fully preemptible, speakers: [{name: Liran Ben Haim}], tags: [preempt_rt]}]
        """,
        community=CFP_COMMUNITY,
    )
    html = unescape(SiteRenderer(OPTIONS).render(calendar, "/cfp/", NOW) or "")
    assert "https://t.me/KernelTLVBot?start=propose" in html
    assert "<code>/propose</code>" in html and "<code>/host</code>" in html and "Message the organisers." in html
    topics = re.findall(r"<li><strong>(.*?)</strong><br>(.*?)</li>", html, re.S)
    covered = {text: "Already covered" in rest for text, rest in topics}
    # Found through the alias: the talk is tagged preempt_rt, the topic says "Preemption".
    assert covered == {"XDP and the eXpress Data Path": False, "Preemption, scheduling and real-time Linux": True}
    assert "“Going fully preemptible” (2016)" in html and 'href="../talks/?q=preemption"' in html


def test_without_a_bot_username_there_is_no_deep_link(
    shipped_calendar: Calendar, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_USERNAME", raising=False)
    html = SiteRenderer(SiteOptions.from_env()).render(shipped_calendar, "/cfp/", NOW)
    assert html is not None and "t.me/" not in html
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "@SomeBot")
    html = SiteRenderer(SiteOptions.from_env()).render(shipped_calendar, "/cfp/", NOW)
    assert html is not None and "https://t.me/SomeBot?start=propose" in html


def test_unknown_paths_render_nothing(shipped_calendar: Calendar) -> None:
    renderer = SiteRenderer()
    for path in ("/events/no-such/", "/speakers/nobody/", "/nothing/", "/events/2016-09-04-DELVING-DEEP/"):
        assert renderer.render(shipped_calendar, path, NOW) is None, path


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_text_colour_has_contrast_of_at_least_4_5(scheme: str) -> None:
    css = (STATIC / "site.css").read_text(encoding="utf-8")
    blocks = re.findall(r":root\s*\{([^}]*)\}", css)
    colours = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", blocks[0 if scheme == "light" else 1]))
    pairs = [("fg", "bg"), ("muted", "bg"), ("link", "bg"), ("fg", "card"), ("muted", "card"), ("link", "card"),
             ("accent-fg", "accent"), ("badge-fg", "badge"), ("warn-fg", "warn")]  # fmt: skip
    for fg, bg in pairs:
        assert contrast(colours[fg], colours[bg]) >= 4.5, (scheme, fg, bg, contrast(colours[fg], colours[bg]))
