"""The website in a real browser (Debian's chromium, headless, through Playwright): the next
meetup on the home page, talk search with topic aliases, no console errors, nothing loaded from
another host, and nothing scrolling sideways on a 360 px phone."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.calendar.calendar import Calendar
from bot.chat.views import when_line
from tests.web.conftest import NOW

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


class Visit:
    """A browser page that records console errors, page errors and every request it makes."""

    def __init__(self, browser: Any, base: str, **context: Any) -> None:
        self.base = base
        self.context = browser.new_context(**context)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def go(self, path: str) -> Any:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == 200, path
        return self.page

    def visible_talks(self) -> list[str]:
        hrefs: list[str] = self.page.eval_on_selector_all(
            ".talk:not([hidden]) h2 a", "links => links.map(a => a.getAttribute('href'))"
        )
        return sorted(hrefs)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: Any) -> Iterator[Callable[..., Visit]]:
    opened: list[Visit] = []

    def open_(base: str, **context: Any) -> Visit:
        opened.append(Visit(browser, base, **context))
        return opened[-1]

    yield open_
    for v in opened:
        v.close()


def expected_talks(calendar: Calendar, query: str) -> list[str]:
    """What the bot's /talks finds, as the talks page's links (sorted: the page keeps a meetup's
    talks in schedule order, the bot lists them newest first)."""
    return sorted(f"../events/{h.event.id}/#talk-{h.event.talks.index(h.talk) + 1}" for h in calendar.search(query))


def test_home_page_shows_the_next_meetup(
    visit: Callable[..., Visit], serve_dir: Callable[[Path], str], shipped_site: Path, shipped_calendar: Calendar
) -> None:
    nxt = shipped_calendar.next(NOW)
    assert nxt is not None
    v = visit(serve_dir(shipped_site), viewport=DESKTOP)
    page = v.go("/")
    card = page.locator(".next-meetup")
    assert card.locator("h3").inner_text() == nxt.title
    assert when_line(nxt, shipped_calendar.community.timezone) in card.inner_text()
    assert card.get_by_role("link", name=f"Add “{nxt.title}” to your calendar").get_attribute("href") == (
        f"events/{nxt.id}.ics"
    )
    assert v.errors == []


def test_talks_query_in_the_address_shows_only_matching_talks_aliases_included(
    visit: Callable[..., Visit], serve_dir: Callable[[Path], str], large_site: Path, large_calendar: Calendar
) -> None:
    v = visit(serve_dir(large_site), viewport=DESKTOP)
    v.go("/talks/?q=bpf")
    shown = v.visible_talks()
    assert shown == expected_talks(large_calendar, "bpf")
    # Found through an alias only: tagged xdp (or "berkeley packet filter"), "bpf" nowhere in it.
    by_alias = [h for h in large_calendar.search("bpf") if "bpf" not in " ".join((h.talk.title, *h.talk.tags))]
    assert by_alias and len(shown) < sum(len(e.talks) for e in large_calendar.events)
    assert v.page.locator(".talk[hidden]").count() == sum(len(e.talks) for e in large_calendar.events) - len(shown)
    assert v.page.input_value("#q") == "bpf"
    assert v.errors == []


def test_typing_in_the_search_box_filters_as_you_type(
    visit: Callable[..., Visit], serve_dir: Callable[[Path], str], large_site: Path, large_calendar: Calendar
) -> None:
    total = sum(len(e.talks) for e in large_calendar.events)
    v = visit(serve_dir(large_site), viewport=DESKTOP)
    page = v.go("/talks/")
    assert len(v.visible_talks()) == total
    page.locator("#q").press_sequentially("kernel bypass")
    assert v.visible_talks() == expected_talks(large_calendar, "kernel bypass")
    page.locator("#q").fill("")
    page.locator("#q").press_sequentially("Speaker Number 12")
    assert v.visible_talks() == expected_talks(large_calendar, "Speaker Number 12")
    shown = len(expected_talks(large_calendar, "Speaker Number 12"))
    assert page.locator("#talk-count").inner_text().startswith(f"{shown} of {total} talks match")
    page.locator("#q").fill("")
    page.locator("#q").dispatch_event("input")
    assert len(v.visible_talks()) == total
    assert v.errors == []


def test_without_javascript_every_talk_is_listed(
    visit: Callable[..., Visit], serve_dir: Callable[[Path], str], large_site: Path, large_calendar: Calendar
) -> None:
    v = visit(serve_dir(large_site), java_script_enabled=False)
    v.go("/talks/?q=bpf")
    assert len(v.visible_talks()) == sum(len(e.talks) for e in large_calendar.events)


def test_every_page_has_no_console_errors_loads_nothing_from_elsewhere_and_fits_a_phone(
    visit: Callable[..., Visit], serve_dir: Callable[[Path], str], shipped_site: Path, large_site: Path
) -> None:
    for out, limit in ((shipped_site, None), (large_site, 12)):
        base = serve_dir(out)
        paths = sorted("/" + str(p.parent.relative_to(out)) + "/" for p in out.rglob("*/index.html"))
        paths = ["/", *paths[:limit]] if limit else ["/", *paths]
        for scheme in ("light", "dark"):
            v = visit(base, viewport=PHONE, color_scheme=scheme, is_mobile=True, has_touch=True)
            for path in paths:
                page = v.go(path)
                width = page.evaluate("document.scrollingElement.scrollWidth")
                assert width <= PHONE["width"], (path, scheme, width)
            assert v.errors == []
            assert all(url.startswith(base) for url in v.requests), [u for u in v.requests if not u.startswith(base)]
