"""Lighthouse on the website: the four category scores and the layout shift of every page of the
shipped calendar's static build, `/talks/?q=` searches included, on mobile and desktop.

Lighthouse comes from the npm registry, Chromium from Debian; neither is part of the suite:

    npm install --prefix /tmp/lh lighthouse
    LIGHTHOUSE=/tmp/lh/node_modules/.bin/lighthouse .venv/bin/python bench/lighthouse.py

The site is built as `meetup-bot site build` builds it (as of the tests' fixed date) and served
by a loopback static server; Lighthouse drives /usr/bin/chromium headless (CHROME_PATH).
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from adapters.web.site.build import build_site
from adapters.web.site.render import SiteOptions, SiteRenderer
from bot.calendar.calendar import Calendar
from bot.calendar.loader import load_calendar_data
from tests.conftest import SHIPPED_EVENTS
from tests.web.conftest import NOW

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def run(lighthouse: str, url: str, preset: str) -> tuple[list[int], float]:
    flags = "--chrome-flags=--headless --no-sandbox --disable-gpu"
    args = [lighthouse, url, "--quiet", "--output=json", "--output-path=stdout", flags,
            f"--only-categories={','.join(CATEGORIES)}"]  # fmt: skip
    if preset == "desktop":
        args.append("--preset=desktop")
    done = subprocess.run(args, capture_output=True, text=True, check=True, env={**os.environ, "CHROME_PATH": CHROME})
    report = json.loads(done.stdout)
    scores = [round(report["categories"][c]["score"] * 100) for c in CATEGORIES]
    return scores, float(report["audits"]["cumulative-layout-shift"]["numericValue"])


def main() -> int:
    lighthouse = os.environ.get("LIGHTHOUSE", "lighthouse")
    calendar = Calendar(load_calendar_data(SHIPPED_EVENTS))
    paths = [*SiteRenderer().paths(calendar), "/talks/?q=bpf", "/talks/?q=nomatch", "/talks/?q=locking"]
    with tempfile.TemporaryDirectory() as tmp:
        build_site(calendar, Path(tmp), now=NOW, options=SiteOptions(bot_username="KernelTLVBot"))
        server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=tmp))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        print("| page | mobile: perf / a11y / best practices / SEO (CLS) | desktop |")
        print("| --- | --- | --- |")
        try:
            for path in paths:
                cells = []
                for preset in ("mobile", "desktop"):
                    scores, cls = run(lighthouse, base + path, preset)
                    cells.append(" / ".join(map(str, scores)) + f" ({cls:.2f})")
                print(f"| `{path}` | {cells[0]} | {cells[1]} |", flush=True)
        finally:
            server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
