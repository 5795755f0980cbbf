"""A local Slack: the Web API methods the bot calls, response_url hooks, file uploads and a
Socket Mode WebSocket, on 127.0.0.1 with an OS-chosen port.

It answers in Slack's real shapes (`{"ok": false, "error": "channel_not_found"}` with HTTP 200,
429 with `Retry-After`, `invalid_auth` for a wrong token), records every call, and lets a test
queue failures per method. The Socket Mode side sends `hello`, pushes envelopes and collects the
`{"envelope_id": ...}` acks the client sends back.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes import PATIENCE

TEAM_ID = "T0MEETUP"
BOT_USER_ID = "UBOT0001"


@dataclass(frozen=True)
class Call:
    method: str
    args: dict[str, Any]
    token: str | None  # the bearer token the call carried (tests compare, never print it)


@dataclass(frozen=True)
class Failure:
    error: str
    status: int = 200
    retry_after: int | None = None
    raw_body: str | None = None  # e.g. an HTML error page instead of JSON


@dataclass
class FakeSlack:
    bot_token: str
    app_token: str | None = None
    team_id: str = TEAM_ID
    bot_user_id: str = BOT_USER_ID
    users: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.calls: list[Call] = []
        self.responses: list[dict[str, Any]] = []  # posts to response_url
        self.uploads: dict[str, bytes] = {}
        self.acks: list[dict[str, Any]] = []
        self.socket_connections = 0
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self._changed = asyncio.Condition()
        self._ids = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []
        self._runner: web.AppRunner | None = None
        self.port = 0
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{hook}", self._respond)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self.app = app

    # ---- lifecycle and addresses --------------------------------------------------------

    async def start(self) -> FakeSlack:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def open_sockets(self) -> int:
        return len(self._sockets)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, hook: str = "hook1") -> str:
        return f"http://127.0.0.1:{self.port}/respond/{hook}"

    # ---- test controls ----------------------------------------------------------------------

    def fail(
        self,
        method: str,
        error: str,
        *,
        status: int = 200,
        retry_after: int | None = None,
        times: int = 1,
        raw_body: str | None = None,
    ) -> None:
        """The next `times` calls of `method` fail this way; later calls succeed again."""
        for _ in range(times):
            self._failures[method].append(Failure(error, status, retry_after, raw_body))

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def posted(self) -> list[dict[str, Any]]:
        """Arguments of every successful chat.postMessage."""
        return [c.args for c in self.called("chat.postMessage") if c.args.get("_ok")]

    async def wait_for(self, predicate: Callable[[], bool], within: float = PATIENCE) -> None:
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(predicate)

    async def settle(self, quiet: float = 0.3) -> None:
        """Wait until nothing has happened for `quiet` seconds (to show that nothing more comes)."""
        while True:
            before = (len(self.calls), len(self.responses), len(self.acks))
            await asyncio.sleep(quiet)
            if before == (len(self.calls), len(self.responses), len(self.acks)):
                return

    # ---- Socket Mode ---------------------------------------------------------------------------

    async def push(self, kind: str, payload: dict[str, Any], *, retry_attempt: int = 0, retry_reason: str = "") -> str:
        """Send one envelope (`events_api`, `slash_commands`, `interactive`) to every connected
        client; returns its envelope_id."""
        envelope_id = f"env-{next(self._ids)}"
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
        }
        if kind == "events_api":
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        for ws in self._sockets:
            await ws.send_str(json.dumps(envelope))
        return envelope_id

    async def ask_to_reconnect(self, reason: str = "refresh_requested") -> None:
        """What Slack sends every few hours: the client should open a new connection."""
        for ws in self._sockets:
            await ws.send_str(json.dumps({"type": "disconnect", "reason": reason, "debug_info": {"host": "fake"}}))

    async def wait_ack(self, envelope_id: str, within: float = PATIENCE) -> dict[str, Any]:
        await self.wait_for(lambda: any(a.get("envelope_id") == envelope_id for a in self.acks), within)
        return next(a for a in self.acks if a.get("envelope_id") == envelope_id)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        if request.query.get("ticket") != "t-1":
            raise web.HTTPUnauthorized()
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await self._notify(lambda: setattr(self, "socket_connections", self.socket_connections + 1))
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "debug_info": {"host": "applink-fake", "approximate_connection_time": 18060},
                    "connection_info": {"app_id": "A0MEETUP"},
                }
            )
        )
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    ack: dict[str, Any] = json.loads(msg.data)
                    await self._notify(functools.partial(self.acks.append, ack))
        finally:
            self._sockets.remove(ws)
        return ws

    # ---- Web API -------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        args = await _arguments(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else args.get("token")
        failure = self._failures[method].popleft() if self._failures[method] else None
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        if token != expected:
            failure = Failure("invalid_auth")
        ok = failure is None
        await self._notify(lambda: self.calls.append(Call(method, {**args, "_ok": ok}, token)))
        if failure is not None:
            headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after is not None else {}
            if failure.raw_body is not None:
                return web.Response(
                    status=failure.status, text=failure.raw_body, content_type="text/html", headers=headers
                )
            return web.json_response({"ok": False, "error": failure.error}, status=failure.status, headers=headers)
        return web.json_response(self._success(method, args))

    def _success(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://meetup-fake.slack.com/",
                "team": "Meetup",
                "user": "meetup-bot",
                "team_id": self.team_id,
                "user_id": self.bot_user_id,
                "bot_id": "B0MEETUP",
                "is_enterprise_install": False,
            }
        if method == "apps.connections.open":
            return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket?ticket=t-1&app_id=A0MEETUP"}
        if method == "chat.postMessage":
            ts = f"1700000000.{next(self._ids):06d}"
            message = {
                "type": "message",
                "user": self.bot_user_id,
                "text": args.get("text", ""),
                "ts": ts,
                "blocks": args.get("blocks", []),
            }
            return {"ok": True, "channel": args.get("channel"), "ts": ts, "message": message}
        if method == "chat.update":
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts"), "text": args.get("text", "")}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": f"1700000000.{next(self._ids):06d}"}
        if method == "views.open":
            if not args.get("trigger_id"):
                return {"ok": False, "error": "invalid_trigger_id"}
            view = args.get("view")
            view = json.loads(view) if isinstance(view, str) else view
            return {"ok": True, "view": {"id": f"V{next(self._ids):08d}", **(view or {})}}
        if method == "users.info":
            user = self.users.get(str(args.get("user")))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": {"id": args.get("user"), "team_id": self.team_id, **user}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ids):08d}"
            return {"ok": True, "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = args.get("files", [])
            if isinstance(files, str):
                files = json.loads(files)
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}
        return {"ok": False, "error": "unknown_method"}

    async def _upload(self, request: web.Request) -> web.Response:
        body = await request.read()
        await self._notify(lambda: self.uploads.__setitem__(request.match_info["file_id"], body))
        return web.Response(text=f"OK - {len(body)}", content_type="text/plain")

    async def _respond(self, request: web.Request) -> web.Response:
        body = await request.json()
        await self._notify(lambda: self.responses.append({"hook": request.match_info["hook"], **body}))
        return web.Response(text="ok")

    async def _notify(self, change: Callable[[], Any]) -> None:
        async with self._changed:
            change()
            self._changed.notify_all()


async def _arguments(request: web.Request) -> dict[str, Any]:
    """Web API arguments arrive as a query string, a form, or JSON: merge them all."""
    args: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            args.update(body)
    elif request.method == "POST" and request.can_read_body:
        args.update(dict(await request.post()))
    return args


# ---- interactive payloads (what Slack posts as `payload=<json>` for buttons and modals) -----------


def _interaction(kind: str, user: str) -> dict[str, Any]:
    """The fields every interaction payload (button press, modal submission) starts with."""
    return {
        "type": kind,
        "team": {"id": TEAM_ID, "domain": "meetup-fake"},
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM_ID},
        "api_app_id": "A0MEETUP",
        "trigger_id": f"trig-{next(_payload_ids)}",
    }


def block_actions(
    value: str, *, channel: str = "C0GENERAL", message_ts: str = "1700000000.000001", user: str = "UMEMBER"
) -> dict[str, Any]:
    """A press of a command button whose `value` is `value`, on the message `message_ts`."""
    return {
        **_interaction("block_actions", user),
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": False},
        "channel": {"id": channel, "name": "general"},
        "message": {"type": "message", "ts": message_ts, "user": BOT_USER_ID, "text": ""},
        "response_url": "http://127.0.0.1:9/unused",
        "actions": [
            {
                "type": "button",
                "action_id": "cmd-0",
                "block_id": "b0",
                "value": value,
                "text": {"type": "plain_text", "text": "button"},
                "action_ts": "1700000001.000001",
            }
        ],
    }


def view_submission(view: dict[str, Any], values: dict[str, str], *, user: str = "UMEMBER") -> dict[str, Any]:
    """The submission of an opened modal `view` (as views.open received it) with these values."""
    state = {
        block["block_id"]: {
            block["element"]["action_id"]: {"type": "plain_text_input", "value": values.get(block["block_id"])}
        }
        for block in view.get("blocks", [])
        if block.get("type") == "input"
    }
    return {
        **_interaction("view_submission", user),
        "view": {**view, "id": "V0001", "team_id": TEAM_ID, "state": {"values": state}},
    }


_payload_ids = itertools.count(1)
