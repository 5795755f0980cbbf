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
import math
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from aiohttp import web

from tests.fakes.telegram_buttons import ButtonsApi

BOT_ID = 7000001
BOT_USERNAME = "MeetupTestBot"
SEND_METHODS = frozenset({"sendMessage", "sendDocument"})
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
OVERALL_PER_SECOND, GROUP_PER_MINUTE = 30, 20


@dataclass(frozen=True)
class Failure:
    """One injected failure: the HTTP status and envelope Telegram answers with, or a delay."""

    status: int = 200
    description: str = ""
    parameters: dict[str, Any] | None = None
    delay: float = 0.0  # seconds before answering; with status 200 the send still succeeds

    @classmethod
    def retry_after(cls, seconds: int) -> Failure:
        return cls(429, f"Too Many Requests: retry after {seconds}", {"retry_after": seconds})

    @classmethod
    def forbidden(cls) -> Failure:
        return cls(403, "Forbidden: bot was kicked from the group chat")

    @classmethod
    def migrate(cls, new_chat_id: int) -> Failure:
        return cls(
            400, "Bad Request: group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": new_chat_id}
        )

    @classmethod
    def cant_parse(cls) -> Failure:
        return cls(400, 'Bad Request: can\'t parse entities: unsupported start tag "x" at byte offset 0')

    @classmethod
    def chat_not_found(cls) -> Failure:
        return cls(400, "Bad Request: chat not found")

    @classmethod
    def slow(cls, seconds: float) -> Failure:
        return cls(delay=seconds)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Failure:
        kind = data["kind"]
        if kind == "retry_after":
            return cls.retry_after(int(data.get("seconds", 1)))
        if kind == "forbidden":
            return cls.forbidden()
        if kind == "migrate":
            return cls.migrate(int(data["new_chat_id"]))
        if kind == "cant_parse":
            return cls.cant_parse()
        if kind == "slow":
            return cls.slow(float(data.get("seconds", 1.0)))
        raise ValueError(f"unknown failure kind {kind!r}")


@dataclass
class _Rule:
    failure: Failure
    method: str | None
    chat_id: int | str | None
    times: int  # how many calls it still applies to; -1: every call
    after: int = 0  # matching calls to let through first


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


class FakeBotApi(ButtonsApi):
    """See the module docstring; button presses, answers and edits: tests/fakes/telegram_buttons.py."""

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
        self.calls: list[tuple[str, dict[str, Any]]] = []  # every API call: (method, params)
        self.commands: list[dict[str, Any]] | None = None
        self.webhook: dict[str, Any] | None = None
        self.rejected_429 = 0
        self.members: dict[tuple[int, int], str] = {}  # (chat, user) -> status
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int | str, itertools.count[int]] = {}
        self._rules: list[_Rule] = []
        self._changed = asyncio.Event()
        self._overall: deque[float] = deque()
        self._per_group: dict[int, deque[float]] = {}
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

    def add_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update for getUpdates; an `update_id` is assigned when missing."""
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = next(self._update_ids)
        self._updates.append(update)
        self._notify()
        return int(update["update_id"])

    def message_update(
        self,
        text: str,
        *,
        chat_id: int = -1001000000001,
        chat_type: str | None = None,
        user_id: int = 4242,
        username: str = "ada",
        first_name: str = "Ada",
        thread_id: int | None = None,
        sender_chat: dict[str, Any] | None = None,
        update_id: int | None = None,
    ) -> dict[str, Any]:
        """A user's text message as Telegram delivers it (bot_command entity included)."""
        if chat_type is None:
            chat_type = "private" if chat_id > 0 else "supergroup"
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat.update(first_name=first_name, username=username)
        else:
            chat["title"] = f"Group {chat_id}"
            if thread_id is not None:
                chat["is_forum"] = True
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat_id),
            "date": int(time.time()),
            "chat": chat,
            "from": {"id": user_id, "is_bot": False, "first_name": first_name, "username": username},
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if thread_id is not None:
            message.update(message_thread_id=thread_id, is_topic_message=True)
        if sender_chat is not None:
            message["sender_chat"] = sender_chat
        return {"update_id": update_id if update_id is not None else next(self._update_ids), "message": message}

    def user_message(self, text: str, **kwargs: Any) -> int:
        """Queue a user's message (see `message_update` for the options); returns its update_id."""
        return self.add_update(self.message_update(text, **kwargs))

    def member_update(
        self,
        chat_id: int,
        old: str,
        new: str,
        *,
        by_user: int = 4242,
        chat_type: str = "supergroup",
        update_id: int | None = None,
    ) -> dict[str, Any]:
        """A my_chat_member update: the bot's own status in a chat went from `old` to `new`."""
        return {
            "update_id": update_id if update_id is not None else next(self._update_ids),
            "my_chat_member": {
                "chat": {"id": chat_id, "type": chat_type, "title": f"Group {chat_id}"},
                "from": {"id": by_user, "is_bot": False, "first_name": "Ada"},
                "date": int(time.time()),
                "old_chat_member": member_json(old, self.bot_user),
                "new_chat_member": member_json(new, self.bot_user),
            },
        }

    def bot_membership(self, chat_id: int, old: str, new: str, **kwargs: Any) -> int:
        return self.add_update(self.member_update(chat_id, old, new, **kwargs))

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """What getChatMember answers: creator, administrator, member, left or kicked."""
        self.members[(chat_id, user_id)] = status

    def fail(
        self,
        failure: Failure,
        *,
        method: str | None = None,
        chat_id: int | str | None = None,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """Answer `times` matching calls (-1: all) with `failure`, once `after` matching calls
        went through. Without `method` it applies to sends only."""
        self._rules.append(_Rule(failure, method, chat_id, times, after))

    def clear_failures(self) -> None:
        self._rules.clear()

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        """The parameters of every call made to `method`, in order."""
        return [params for m, params in self.calls if m == method]

    @property
    def pending_updates(self) -> int:
        return len(self._updates)

    async def wait_sent(self, count: int, within: float = 5.0) -> list[SentMessage]:
        """Wait until at least `count` sends were accepted; raises TimeoutError after `within` seconds."""
        await self._wait_for(lambda: len(self.sent) >= count, within)
        return self.sent

    async def wait_calls(self, method: str, count: int = 1, within: float = 5.0) -> None:
        await self._wait_for(lambda: sum(1 for m, _ in self.calls if m == method) >= count, within)

    async def wait_drained(self, within: float = 5.0) -> None:
        """Wait until every queued update was confirmed by a getUpdates offset."""
        await self._wait_for(lambda: not self._updates, within)

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
        return web.json_response({"ok": True, "result": result})

    def _take_rule(self, method: str, chat_id: Any) -> Failure | None:
        for rule in self._rules:
            if rule.method is None and method not in SEND_METHODS:
                continue
            if rule.method is not None and rule.method != method:
                continue
            if rule.chat_id is not None and str(rule.chat_id) != str(chat_id):
                continue
            if rule.after > 0:
                rule.after -= 1
                continue
            if rule.times > 0:
                rule.times -= 1
                if rule.times == 0:
                    self._rules.remove(rule)
            return rule.failure
        return None

    def _flood_wait(self, chat_id: Any) -> int:
        """Telegram's flood limits over sliding windows; the whole seconds to wait, or 0."""
        now = time.monotonic()
        while self._overall and now - self._overall[0] >= 1.0:
            self._overall.popleft()
        waits = []
        if len(self._overall) >= OVERALL_PER_SECOND:
            waits.append(1.0 - (now - self._overall[0]))
        group = None
        if isinstance(chat_id, int) and chat_id < 0:
            group = self._per_group.setdefault(chat_id, deque())
            while group and now - group[0] >= 60.0:
                group.popleft()
            if len(group) >= GROUP_PER_MINUTE:
                waits.append(60.0 - (now - group[0]))
        if waits:
            return max(1, math.ceil(max(waits)))
        self._overall.append(now)
        if group is not None:
            group.append(now)
        return 0

    async def _m_getMe(self, params: dict[str, Any]) -> Any:
        return self.bot_user

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        offset = int(params.get("offset") or 0)
        if offset:
            # Confirming: updates below the offset are gone for good, as on Telegram.
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if not self._updates and timeout > 0:
            with contextlib.suppress(TimeoutError):
                await self._wait_for(lambda: bool(self._updates) or self._closing, timeout)
        return self._updates[:limit]

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        self.webhook = params
        return True

    async def _m_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        return {
            "url": (self.webhook or {}).get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _m_setMyCommands(self, params: dict[str, Any]) -> Any:
        self.commands = params.get("commands")
        return True

    async def _m_getChatMember(self, params: dict[str, Any]) -> Any:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        status = self.members.get((chat_id, user_id), "member")
        return member_json(status, {"id": user_id, "is_bot": False, "first_name": "U"})

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
        document = params.get("document")
        filename, content = document if isinstance(document, tuple) else (None, None)
        return self._accept(
            SentMessage(
                "sendDocument",
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
        if sent.filename is not None:
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

    async def _control_update(self, request: web.Request) -> web.Response:
        data = await request.json()
        ids = [self._queue_from_json(item) for item in (data if isinstance(data, list) else [data])]
        return web.json_response({"update_id": ids[0]} if len(ids) == 1 else {"update_ids": ids})

    def _queue_from_json(self, data: dict[str, Any]) -> int:
        if "text" in data and "update_id" not in data:
            options = dict(data)
            return self.user_message(options.pop("text"), **options)
        return self.add_update(data)

    async def _control_fail(self, request: web.Request) -> web.Response:
        data = await request.json()
        self.fail(
            Failure.from_json(data),
            method=data.get("method"),
            chat_id=data.get("chat_id"),
            times=int(data.get("times", 1)),
            after=int(data.get("after", 0)),
        )
        return web.json_response({"ok": True})

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


def member_json(status: str, user: dict[str, Any]) -> dict[str, Any]:
    """A ChatMember object with the fields Telegram always sends for that status."""
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(
            dict.fromkeys(
                (
                    "can_be_edited",
                    "is_anonymous",
                    "can_manage_chat",
                    "can_delete_messages",
                    "can_manage_video_chats",
                    "can_restrict_members",
                    "can_promote_members",
                    "can_change_info",
                    "can_invite_users",
                    "can_post_stories",
                    "can_edit_stories",
                    "can_delete_stories",
                ),
                False,
            )
        )
    elif status == "kicked":
        member["until_date"] = 0
    return member


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
