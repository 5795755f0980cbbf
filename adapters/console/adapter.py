"""A chat with the bot in the terminal: no tokens, no network.

Interactive on a terminal (a prompt per line); with piped input it reads one command per line,
prints each reply and ends at end of input, so `printf '/next\n' | meetup-bot run` works.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TextIO

from adapters.base import MessageHandler
from bot.announce.outbound import SendReceipt
from bot.chat.commands import parse_command
from bot.chat.messages import ChatRef, IncomingMessage, UserRef
from bot.chat.reply import Reply

CONSOLE_CHAT = ChatRef(platform="console", chat_id="local", is_private=True, title="console")
CONSOLE_USER = UserRef(platform="console", user_id="local", display_name="you")


class ConsoleAdapter:
    platform = "console"

    def __init__(
        self,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        *,
        on_eof: Callable[[], None] | None = None,
        interactive: bool | None = None,
    ) -> None:
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.on_eof = on_eof
        self.interactive = self.stdin.isatty() if interactive is None else interactive
        self._task: asyncio.Task[None] | None = None

    async def start(self, on_message: MessageHandler) -> None:
        if self.interactive:
            self._write("meetup-bot console chat. Type /help, or Ctrl-D to quit.\n")
        self._task = asyncio.create_task(self._loop(on_message), name="console")

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    async def send(self, chat: ChatRef, reply: Reply) -> SendReceipt:
        self._write(f"[to {chat.key}]\n{reply.plain_text()}\n\n")
        return SendReceipt(chat)

    async def _loop(self, on_message: MessageHandler) -> None:
        try:
            while True:
                if self.interactive:
                    self._write("> ")
                line = await asyncio.to_thread(self.stdin.readline)
                if not line:
                    break
                text = line.strip()
                if not text:
                    continue
                for reply in await on_message(self.message(text)):
                    self._write(reply.plain_text() + "\n\n")
        finally:
            if self.on_eof is not None:
                self.on_eof()

    @staticmethod
    def message(text: str) -> IncomingMessage:
        parsed = parse_command(text)
        return IncomingMessage(
            chat=CONSOLE_CHAT,
            sender=CONSOLE_USER,
            text=text,
            received_at=datetime.now(UTC),
            command=parsed.name if parsed else None,
            args=parsed.args if parsed else (),
            arg_text=parsed.arg_text if parsed else "",
            addressed=True,
        )

    def _write(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()
