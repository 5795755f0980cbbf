"""A local Telegram Bot API server on loopback, for tests and benchmarks.

It speaks the real wire format (`/bot<token>/<method>`, JSON, form or multipart bodies; answers
in the `ok` / `result` / `error_code` / `description` / `parameters` envelope), so the real
python-telegram-bot client drives it. It keeps what a test needs to look at, and injects the
failures Telegram produces.

In process::

    async with FakeBotApi() as api:              # 127.0.0.1, OS-assigned port
        bot = ... base_url=api.url + "/bot" ...   # api.url is "http://127.0.0.1:<port>"
        api.user_message("/next", chat_id=-1001)  # queued for getUpdates (or webhook POST)
        await api.wait_sent(1)                    # bounded wait
        api.sent[0].chat_id, api.sent[0].text, api.sent[0].parse_mode
        api.fail(Failure.retry_after(2), chat_id=-1001)     # next send to that chat gets 429
        api.fail(Failure.slow(3.0), method="sendMessage")   # next sendMessage answers late
        api.fail(Failure.forbidden(), after=1, times=-1)     # first send passes, then 403s

    FakeBotApi(enforce_limits=True)  # real flood limits: 30 msg/s overall, 20 msg/min per group;
                                     # excess sends get a real 429; counted in api.rejected_429

As a process (for crash tests: SIGKILL the bot and count deliveries across restarts)::

    python -m tests.fakes.telegram_api --port 0 --record sent.jsonl [--enforce-limits]
    TELEGRAM_BOT_TOKEN=1:x TELEGRAM_API_URL=http://127.0.0.1:<port> meetup-bot run

It prints `listening on http://127.0.0.1:<port>` once ready, and appends every accepted send to
the record file as one JSON line, flushed at once. Control endpoints for other processes:
`POST /_fake/updates` (an update object, or {"text", "chat_id", ...} for a user message, or a
list of either), `POST /_fake/fail` ({"kind": "retry_after"|"forbidden"|"migrate"|"cant_parse"|
"slow", "chat_id", "method", "times", "after", ...}), `GET /_fake/sent` and `GET /_fake/stats`
(sent, rejected_429, pending_updates, calls).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from aiohttp import web

from tests.fakes import PATIENCE
from tests.fakes.telegram_buttons import ButtonsApi
from tests.fakes.telegram_failures import SEND_METHODS, Failure, FailuresApi
from tests.fakes.telegram_updates import UpdatesApi, member_json

# Tests import these from here.
__all__ = ["BOT_USERNAME", "Failure", "FakeBotApi", "SentMessage", "member_json", "spawn"]

BOT_ID = 7000001
BOT_USERNAME = "MeetupTestBot"
# What the flood limits count (enforce_limits): posts, and edits of posted messages too.
LIMITED_METHODS = SEND_METHODS | {"editMessageText"}
# Form-encoded parameters that carry JSON (PTB encodes every non-string value as JSON).
JSON_FIELDS = frozenset(
    {
        "reply_parameters",
        "link_preview_options",
        "entities",
        "caption_entities",
        "reply_markup",
        "commands",
        "scope",
        "allowed_updates",
        "disable_notification",
        "protect_content",
        "message_thread_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "drop_pending_updates",
        "max_connections",
    }
)


@dataclass
class SentMessage:
    """One accepted send, as the fake recorded it."""

    method: str
    chat_id: int | str
    message_id: int
    text: str | None = None
    parse_mode: str | None = None
    message_thread_id: int | None = None
    reply_to_message_id: int | None = None
    link_preview_disabled: bool = False
    caption: str | None = None
    filename: str | None = None
    document: bytes | None = None
    reply_markup: dict[str, Any] | None = None  # inline keyboard (editMessageText may change it)
    at: float = field(default_factory=time.time)

    def as_json(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "document" and v is not None}
        if self.document is not None:
            out["document_size"] = len(self.document)
        return out


class FakeBotApi(UpdatesApi, FailuresApi, ButtonsApi):
    """See the module docstring. The parts: updates, webhooks and members in telegram_updates.py;
    injected failures and flood limits in telegram_failures.py; button presses, answers and edits
    in telegram_buttons.py."""

    def __init__(
        self,
        token: str | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        enforce_limits: bool = False,
        record: IO[str] | None = None,
        bot_username: str = BOT_USERNAME,
    ) -> None:
        self.token = token  # None: any token is accepted
        self.host, self.port = host, port
        self.enforce_limits = enforce_limits
        self.record = record
        self.bot_user = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Meetup Test Bot",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.sent: list[SentMessage] = []
        self._buttons_init()
        self._updates_init()
        self._failures_init()
        self.calls: list[tuple[str, dict[str, Any]]] = []  # every API call: (method, params)
        # Calls being answered right now, and the most there ever were (getUpdates aside: a long
        # poll is open all the time on a connection of its own).
        self.in_flight = self.most_in_flight = 0
        self.commands: list[dict[str, Any]] | None = None
        self.rejected_429 = 0
        self._message_ids: dict[int | str, itertools.count[int]] = {}
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.app = web.Application(client_max_size=64 * 1024 * 1024)
        self.app.router.add_route("*", "/bot{token}/{method}", self._api)
        self.app.router.add_post("/_fake/updates", self._control_update)
        self.app.router.add_post("/_fake/fail", self._control_fail)
        self.app.router.add_get("/_fake/sent", self._control_sent)
        self.app.router.add_get("/_fake/stats", self._control_stats)

    # ---- lifecycle ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        self._closing = False
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        server = site._server
        if server is not None:
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        self._closing = True
        self._notify()  # end pending long polls now rather than at their timeout
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---- what tests set up -------------------------------------------------------------------

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        """The parameters of every call made to `method`, in order."""
        return [params for m, params in self.calls if m == method]

    async def wait_sent(self, count: int, within: float = PATIENCE) -> list[SentMessage]:
        """Wait until at least `count` sends were accepted; raises TimeoutError after `within` seconds."""
        await self._wait_for(lambda: len(self.sent) >= count, within)
        return self.sent

    async def wait_calls(self, method: str, count: int = 1, within: float = PATIENCE) -> None:
        await self._wait_for(lambda: sum(1 for m, _ in self.calls if m == method) >= count, within)

    async def _wait_for(self, predicate: Callable[[], bool], within: float) -> None:
        async with asyncio.timeout(within):
            while not predicate():
                await self._changed.wait()

    def _notify(self) -> None:
        # Wake every waiter once; each re-checks its own condition on the fresh event.
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    # ---- the Bot API -------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        if self.token is not None and request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        if method == "getUpdates":
            return await self._answer(method, request)
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            return await self._answer(method, request)
        finally:
            self.in_flight -= 1

    async def _answer(self, method: str, request: web.Request) -> web.Response:
        params = await _read_params(request)
        self.calls.append((method, params))
        self._notify()
        rule = self._take_rule(method, params.get("chat_id"))
        if rule is not None and rule.delay:
            await asyncio.sleep(rule.delay)
        if rule is not None and rule.status != 200:
            if rule.status == 429:
                self.rejected_429 += 1
            return _error(rule.status, rule.description, rule.parameters)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        if method in LIMITED_METHODS and self.enforce_limits:
            wait = self._flood_wait(params.get("chat_id"))
            if wait:
                self.rejected_429 += 1
                return _error(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})
        result = await handler(params)
        self._notify()
        if rule is not None and rule.strip and isinstance(result, dict):
            result = {key: value for key, value in result.items() if key not in rule.strip}
        return web.json_response({"ok": True, "result": result})

    async def _m_getMe(self, params: dict[str, Any]) -> Any:
        return self.bot_user

    async def _m_setMyCommands(self, params: dict[str, Any]) -> Any:
        self.commands = params.get("commands")
        return True

    async def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        preview = params.get("link_preview_options") or {}
        return self._accept(
            SentMessage(
                "sendMessage",
                params["chat_id"],
                0,
                text=params.get("text"),
                parse_mode=params.get("parse_mode"),
                message_thread_id=params.get("message_thread_id"),
                reply_to_message_id=(params.get("reply_parameters") or {}).get("message_id"),
                link_preview_disabled=bool(preview.get("is_disabled")),
                reply_markup=params.get("reply_markup"),
            )
        )

    async def _m_sendDocument(self, params: dict[str, Any]) -> Any:
        return self._accept_file("sendDocument", params, params.get("document"))

    async def _m_sendPhoto(self, params: dict[str, Any]) -> Any:
        return self._accept_file("sendPhoto", params, params.get("photo"))

    def _accept_file(self, method: str, params: dict[str, Any], upload: Any) -> dict[str, Any]:
        """A file sent as a document or a photo; `upload` is (filename, bytes) when uploaded."""
        filename, content = upload if isinstance(upload, tuple) else (None, None)
        return self._accept(
            SentMessage(
                method,
                params["chat_id"],
                0,
                caption=params.get("caption"),
                parse_mode=params.get("parse_mode"),
                message_thread_id=params.get("message_thread_id"),
                filename=filename,
                document=content,
            )
        )

    def _accept(self, sent: SentMessage) -> dict[str, Any]:
        sent.message_id = self._next_message_id(sent.chat_id)
        self.sent.append(sent)
        if self.record is not None:
            self.record.write(json.dumps(sent.as_json()) + "\n")
            self.record.flush()
        chat_type = "private" if isinstance(sent.chat_id, int) and sent.chat_id > 0 else "supergroup"
        message: dict[str, Any] = {
            "message_id": sent.message_id,
            "date": int(sent.at),
            "chat": {"id": sent.chat_id, "type": chat_type},
            "from": self.bot_user,
        }
        if sent.text is not None:
            message["text"] = sent.text
        if sent.caption is not None:
            message["caption"] = sent.caption
        if sent.method == "sendPhoto":
            size = {"file_id": f"photo{sent.message_id}", "file_unique_id": f"p{sent.message_id}"}
            message["photo"] = [{**size, "width": 1, "height": 1}]
        elif sent.filename is not None:
            message["document"] = {
                "file_id": f"doc{sent.message_id}",
                "file_unique_id": f"u{sent.message_id}",
                "file_name": sent.filename,
            }
        if sent.message_thread_id is not None:
            message.update(message_thread_id=sent.message_thread_id, is_topic_message=True)
        return message

    def _next_message_id(self, chat_id: int | str) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    # ---- control endpoints for other processes -----------------------------------------------

    async def _control_sent(self, request: web.Request) -> web.Response:
        return web.json_response([s.as_json() for s in self.sent])

    async def _control_stats(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "sent": len(self.sent),
                "rejected_429": self.rejected_429,
                "pending_updates": len(self._updates),
                "calls": len(self.calls),
            }
        )


def _error(status: int, description: str, parameters: dict[str, Any] | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


async def _read_params(request: web.Request) -> dict[str, Any]:
    """Parameters from the query string and a JSON, form or multipart body, decoded as Telegram
    does: JSON-valued fields parsed, numeric chat ids as ints, uploaded files as (name, bytes)."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json" and request.can_read_body:
        params.update(await request.json())
        return params
    if request.can_read_body:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                params[key] = (value.filename, value.file.read())
            else:
                params[key] = value
    for key in JSON_FIELDS & params.keys():
        if isinstance(params[key], str):
            params[key] = json.loads(params[key])
    chat_id = params.get("chat_id")
    if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
        params["chat_id"] = int(chat_id)
    # A file sent by PTB is a multipart part named after the field, or `attach://name`.
    for key, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            params[key] = params.pop(value.removeprefix("attach://"), value)
    return params


async def spawn(record: Path, *flags: str) -> tuple[asyncio.subprocess.Process, str]:
    """Start this fake as its own process recording to `record`; return it and its base URL.
    The caller stops it (`kill()` then `await wait()`)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fakes.telegram_api", "--port", "0", "--record", str(record), *flags,
        cwd=Path(__file__).resolve().parents[2], stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    line = (await asyncio.wait_for(process.stdout.readline(), 10)).decode()
    if not line.startswith("listening on "):
        process.kill()
        await process.wait()
        raise RuntimeError(f"the fake Bot API did not start: {line!r}")
    return process, line.strip().removeprefix("listening on ")


async def _serve(port: int, record_path: Path | None, enforce_limits: bool, token: str | None) -> None:
    record = record_path.open("a", encoding="utf-8") if record_path else None
    api = FakeBotApi(token, port=port, enforce_limits=enforce_limits, record=record)
    await api.start()
    print(f"listening on {api.url}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await api.stop()
        if record is not None:
            record.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A local Telegram Bot API for tests and benchmarks.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--record", type=Path, help="append each accepted send as a JSON line")
    parser.add_argument("--enforce-limits", action="store_true", help="30 msg/s overall, 20 msg/min per group")
    parser.add_argument("--token", help="accept only this token (default: any)")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port, args.record, args.enforce_limits, args.token))
    return 0


if __name__ == "__main__":
    sys.exit(main())
