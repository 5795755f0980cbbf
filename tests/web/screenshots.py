"""Screenshots of the website for docs/screenshots/: `.venv/bin/python -m tests.web.screenshots`.

Builds the site from the shipped events.yaml as of a fixed date, serves it on loopback and
photographs the home page and a past meetup in Debian's chromium, at 1280 px and at 360 px.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from adapters.web.site.build import build_site
from adapters.web.site.render import SiteOptions
from bot.calendar.calendar import Calendar
from bot.calendar.loader import load_calendar_data
from tests.conftest import ROOT, SHIPPED_EVENTS
from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, NOW, _Quiet

SHOTS = ROOT / "docs" / "screenshots"


def main() -> int:
    import functools
    import threading
    from http.server import ThreadingHTTPServer

    from playwright.sync_api import sync_playwright

    calendar = Calendar(load_calendar_data(SHIPPED_EVENTS))
    past = [e for e in calendar.past(NOW) if e.venue is not None and e.talks] or calendar.past(NOW)
    shots = [
        ("home-desktop", "/", 1280, "light"),
        ("meetup-desktop", f"/events/{past[-1].id}/", 1280, "light"),
        ("home-phone", "/", 360, "dark"),
        ("meetup-phone", f"/events/{past[-1].id}/", 360, "light"),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        build_site(calendar, Path(tmp), now=NOW, options=SiteOptions(bot_username="KernelTLVBot"))
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=tmp))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for name, path, width, scheme in shots:
                    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
                    page.goto(base + path)
                    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
                    print(SHOTS / f"{name}.png")
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
