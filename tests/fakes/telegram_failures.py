"""The fake Bot API's injected failures (429, 403, migrations, bad markup, slow answers) and
Telegram's flood limits (`enforce_limits`). Mixed into `FakeBotApi`."""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web

SEND_METHODS = frozenset({"sendMessage", "sendDocument", "sendPhoto"})
OVERALL_PER_SECOND, GROUP_PER_MINUTE = 30, 20


@dataclass(frozen=True)
class Failure:
    """One injected failure: the HTTP status and envelope Telegram answers with, or a delay."""

    status: int = 200
    description: str = ""
    parameters: dict[str, Any] | None = None
    delay: float = 0.0  # seconds before answering; with status 200 the send still succeeds
    strip: tuple[str, ...] = ()  # with status 200: the send is taken, these fields left out of the answer

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
    def answer_without(cls, *fields: str) -> Failure:
        """The message is posted, but the answer lacks `fields` (a server that answers oddly)."""
        return cls(strip=fields)

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


class FailuresApi:
    def _failures_init(self) -> None:
        self._rules: list[_Rule] = []
        self._overall: deque[float] = deque()
        self._per_group: dict[int, deque[float]] = {}

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
