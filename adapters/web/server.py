"""One aiohttp web server for everything that listens on $PORT.

Hosts give a process one port: the Telegram webhook, Slack's HTTP mode, the calendar feeds and
the health check all mount their routes on this one application before it starts.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from adapters.base import StartError

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

log = logging.getLogger(__name__)


class HttpServer:
    def __init__(self, host: str = "0.0.0.0", port: int = 8080) -> None:
        self.host = host
        self.port = port
        self.app = web.Application()
        self._runner: web.AppRunner | None = None
        self.app.router.add_get("/healthz", self._healthz)

    def add_route(self, method: str, path: str, handler: Handler) -> None:
        if method.upper() == "GET":  # HEAD answers like GET, without the body
            self.app.router.add_get(path, handler)
        else:
            self.app.router.add_route(method, path, handler)

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:  # in use, or a privileged port
            await self.stop()
            raise StartError(f"cannot listen on {self.host}:{self.port} (PORT): {exc.strerror or exc}") from None
        # With port 0 the OS picks one: read back the real port for tests and logs.
        addresses = self._runner.addresses
        if addresses:
            self.port = int(addresses[0][1])
        log.info("HTTP server listening on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @staticmethod
    async def _healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})
