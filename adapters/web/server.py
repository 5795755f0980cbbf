"""One aiohttp web server for everything that listens on $PORT.

Hosts give a process one port: the Telegram webhook, Slack's HTTP mode, the calendar feeds and
the health check all mount their routes on this one application before it starts.

Open to the internet, it also answers what no route asked for:
- a malformed request (bytes that are not HTTP) is logged as one line without a traceback, and
  at most `log_limit` such lines a minute, then a count: anyone can send them, so they must not
  flood the log;
- a client has `header_timeout` seconds from connecting (or from the last response on a
  kept-alive connection) to send a request's headers, then it is disconnected: unfinished
  headers do not hold a connection forever;
- every response carries the security headers (`SECURITY_HEADERS`: the pages' CSP as a header,
  with `frame-ancestors 'none'`, which only a header can say);
- `/x` redirects to `/x/` where that is a page, and `…/index.html` serves the page;
- anything not found gets a small HTML page with a link home;
- text responses are gzip-compressed for clients that accept it.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from yarl import URL

from adapters.base import StartError
from adapters.terminal_text import for_terminal

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

log = logging.getLogger(__name__)

# The website's pages carry this in a <meta> tag (adapters/web/templates/base.html); the header
# says the same, plus what a <meta> cannot: that no other site may frame the pages.
PAGE_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": f"{PAGE_CSP}; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Content-Type-Options": "nosniff",
}
HEADER_TIMEOUT = 10.0  # seconds to send a request's headers
LOG_LIMIT = 10  # malformed-request lines a minute
GZIP_MIN = 512  # bytes: smaller bodies gain nothing from compression
_TEXT_TYPES = re.compile(r"text/.*|application/(json|xml|atom\+xml|javascript|.*\+json|.*\+xml)|image/svg\+xml")
_DEFAULT_404 = "404: Not Found"


class LogLimit:
    """At most `limit` lines per `window` seconds; then it counts, and the first line after the
    window says how many were left out."""

    def __init__(self, limit: int = LOG_LIMIT, window: float = 60.0, clock: Callable[[], float] = time.monotonic):
        self.limit, self.window, self.clock = limit, window, clock
        self._start = -float("inf")
        self._count = 0
        self.left_out = 0

    def allow(self) -> bool:
        now = self.clock()
        if now - self._start >= self.window:
            self.flush()
            self._start, self._count = now, 0
        self._count += 1
        if self._count <= self.limit:
            return True
        self.left_out += 1
        return False

    def flush(self) -> None:
        if self.left_out:
            log.warning("%d more malformed HTTP requests in the last minute were not logged", self.left_out)
            self.left_out = 0


class _ServerLog(logging.LoggerAdapter[logging.Logger]):
    """aiohttp's server logger, with the client's malformed bytes (HttpProcessingError: a bad
    request line, a header too long, broken chunking) said in one rate-limited line. Failures of
    our own handlers keep their traceback."""

    def __init__(self, limit: LogLimit) -> None:
        super().__init__(logging.getLogger("aiohttp.server"), {})
        self.limit = limit

    def exception(self, msg: object, *args: object, exc_info: Any = True, **kwargs: Any) -> None:
        error = exc_info if isinstance(exc_info, BaseException) else None
        if not isinstance(error, HttpProcessingError):
            super().exception(msg, *args, exc_info=exc_info, **kwargs)
            return
        if self.limit.allow():
            remote = args[0] if args else "?"
            what = " ".join(for_terminal(str(error.message or type(error).__name__)).split())[:200]
            log.warning("malformed HTTP request from %s: %s (HTTP %s)", remote, what, error.code)


class HttpServer:
    def __init__(
        self,
        host: str = "0.0.0.0",
        port: int = 8080,
        *,
        header_timeout: float = HEADER_TIMEOUT,
        log_limit: LogLimit | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.header_timeout = header_timeout
        self.log_limit = log_limit or LogLimit()
        # The not-found page links the website's stylesheet once the website is mounted.
        self.stylesheet: str | None = None
        self.app = web.Application(middlewares=[self._middleware])
        self.app.on_response_prepare.append(_security_headers)
        self._runner: web.AppRunner | None = None
        self.app.router.add_get("/healthz", self._healthz)

    def add_route(self, method: str, path: str, handler: Handler) -> None:
        if method.upper() == "GET":  # HEAD answers like GET, without the body
            self.app.router.add_get(path, handler)
        else:
            self.app.router.add_route(method, path, handler)

    async def start(self) -> None:
        self._runner = web.AppRunner(
            self.app,
            access_log=None,
            # aiohttp closes a connection still waiting for a request this long after it opened
            # (or after the last response): unfinished headers included.
            keepalive_timeout=self.header_timeout,
            logger=_ServerLog(self.log_limit),
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:  # in use, or a privileged port
            await self.stop()
            where = f"{self.host}:{self.port} (HOST, PORT)"
            raise StartError(f"cannot listen on {where}: {exc.strerror or exc}") from None
        # With port 0 the OS picks one: read back the real port for tests and logs.
        addresses = self._runner.addresses
        if addresses:
            self.port = int(addresses[0][1])
        log.info("HTTP server listening on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        self.log_limit.flush()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @staticmethod
    async def _healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    # ---- what every request passes through ---------------------------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPNotFound as missing:
            response = await self._instead_of_404(request) or self._not_found(request, missing)
        _compress(request, response)
        return response

    async def _instead_of_404(self, request: web.Request) -> web.StreamResponse | None:
        """`…/index.html` is the page at `…/`; `/x` is redirected to `/x/` when that is a page."""
        if request.method not in ("GET", "HEAD") or request.path.startswith("//"):
            return None
        path = request.path
        if path.endswith("/index.html"):
            return await self._page_at(request, path.removesuffix("index.html"))
        if path.endswith("/") or "." in path.rsplit("/", 1)[-1]:
            return None
        if await self._page_at(request, path + "/") is None:
            return None
        # Encoded again: the decoded path may hold what a header cannot (a %0A would be a newline).
        query = request.rel_url.raw_query_string
        location = URL.build(path=path + "/").raw_path + (f"?{query}" if query else "")
        return web.Response(status=301, headers={"Location": location})

    async def _page_at(self, request: web.Request, path: str) -> web.StreamResponse | None:
        """What GET `path` (decoded, as `request.path` is) answers, if that is a success; None otherwise."""
        # URL.build keeps the path as it is: a str would be decoded a second time (%2573 -> %73 -> s)
        # and lose what yarl strips (%0A), finding a page at a path that has none.
        inner = request.clone(rel_url=URL.build(path=path))
        match = await self.app.router.resolve(inner)
        if match.http_exception is not None:
            return None
        inner._match_info = match  # the handler reads its path parameters from the new path
        try:
            response = await match.handler(inner)
        except web.HTTPException:
            return None
        return response if 200 <= response.status < 300 else None

    def _not_found(self, request: web.Request, missing: web.HTTPNotFound) -> web.Response:
        said = missing.text if missing.text and missing.text != _DEFAULT_404 else "There is no page at this address."
        style = f'<link rel="stylesheet" href="{escape(self.stylesheet)}">' if self.stylesheet else ""
        page = (
            '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{PAGE_CSP}">\n'
            f"<title>Page not found</title>\n{style}\n</head>\n<body>\n<main>\n<h1>Page not found</h1>\n"
            f"<p>{escape(said.strip())}</p>\n"
            '<p><a href="/">Go to the home page</a></p>\n</main>\n</body>\n</html>\n'
        )
        return web.Response(status=404, text=page, content_type="text/html", charset="utf-8")


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)


def _compress(request: web.Request, response: web.StreamResponse) -> None:
    """gzip a text body of some size for a client that accepts gzip (q=0 is a refusal)."""
    if (
        not isinstance(response, web.Response)
        or response.body is None
        or not _TEXT_TYPES.fullmatch(response.content_type)
    ):
        return
    response.headers.setdefault("Vary", "Accept-Encoding")
    body = response.body
    if not isinstance(body, bytes) or len(body) < GZIP_MIN or "Content-Encoding" in response.headers:
        return
    if not _accepts_gzip(request.headers.get("Accept-Encoding", "")):
        return
    etag = response.headers.get("ETag")
    if etag and not etag.startswith("W/"):
        response.headers["ETag"] = "W/" + etag  # the gzip bytes differ from the plain ones
    response.enable_compression(web.ContentCoding.gzip)


def _accepts_gzip(header: str) -> bool:
    for item in header.split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip", "*"):
            q = params.strip().lower().removeprefix("q=")
            try:
                return not params.strip() or float(q) > 0
            except ValueError:
                return False
    return False
