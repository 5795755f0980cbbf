"""Accessibility checked by a tool nobody here wrote: axe-core (vendored, tests/web/vendor/) run
inside chromium on every page, in the light and the dark theme, at WCAG 2.1 A and AA: 0 violations.
Searches are included, with and without a match, and a meetup page with its going count."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.web.site.render import SiteOptions, SiteRenderer
from bot.calendar.calendar import Calendar
from bot.rsvp.model import Counts
from tests.web.conftest import NOW

AXE = Path(__file__).with_name("vendor") / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN = """tags => axe.run(document, {runOnly: {type: "tag", values: tags}})
  .then(r => r.violations.map(v => `${v.id}: ${v.help} (${v.nodes.map(n => n.target.join(" ")).join(", ")})`))"""


@pytest.fixture(scope="module")
def axe_site(tmp_path_factory: pytest.TempPathFactory, shipped_site: Path, shipped_calendar: Calendar) -> Path:
    """The shipped build, plus the next meetup's page as the running bot serves it (a count)."""
    out = tmp_path_factory.mktemp("axe-site")
    for source in shipped_site.rglob("*"):
        if source.is_file():
            target = out / source.relative_to(shipped_site)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    nxt = shipped_calendar.next(NOW)
    assert nxt is not None
    renderer = SiteRenderer(SiteOptions(bot_username="KernelTLVBot"))
    live = renderer.render(shipped_calendar, f"/events/{nxt.id}/", NOW, counts={nxt.id: Counts(34, 2, 5)})
    assert live is not None and "34 going" in live
    (out / "events" / nxt.id / "live.html").write_text(live, encoding="utf-8")
    return out


@pytest.fixture(params=["light", "dark"])
def scheme_page(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    # The CSP forbids inline scripts, axe's among them: bypassed for the checker only.
    context = browser.new_context(color_scheme=request.param, bypass_csp=True)
    yield context.new_page()
    context.close()


def test_axe_core_finds_no_violation_on_any_page(
    axe_site: Path, shipped_calendar: Calendar, serve_dir: Any, scheme_page: Any
) -> None:
    base = serve_dir(axe_site)
    nxt = shipped_calendar.next(NOW)
    assert nxt is not None
    paths = [*SiteRenderer().paths(shipped_calendar), "/talks/?q=nomatch", "/talks/?q=bpf", "/talks/?q=locking"]
    paths.append(f"/events/{nxt.id}/live.html")
    script = AXE.read_text(encoding="utf-8")
    found: dict[str, list[str]] = {}
    for path in paths:
        scheme_page.goto(base + path)
        scheme_page.add_script_tag(content=script)
        if violations := scheme_page.evaluate(RUN, TAGS):
            found[path] = violations
    assert found == {}
