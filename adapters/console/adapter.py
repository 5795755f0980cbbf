"""A chat with the bot in the terminal: no tokens, no network.

Interactive on a terminal (a prompt per line); with piped input it reads one command per line,
prints each reply and ends at end of input, so `printf '/next\n' | meetup-bot run` works.
A real stdin is read by a daemon thread with os.read, so Ctrl-C quits at once instead of waiting
for a line that may never come. Control characters and terminal escapes never reach the terminal.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import re
import sys
import tempfile
import threading
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from adapters.base import MessageHandler
from bot.announce.outbound import SendReceipt
from bot.chat.commands import command_message, parse_command
from bot.chat.messages import ChatRef, IncomingMessage, UserRef
from bot.chat.reply import Attachment, Reply, block_plain

CONSOLE_CHAT = ChatRef(platform="console", chat_id="local", is_private=True, title="console")
CONSOLE_USER = UserRef(platform="console", user_id="local", display_name="you")
# Terminal escape sequences (CSI, OSC, DCS and other strings, short ESC forms), then every control
# character but newline and tab, and the bidirectional overrides that reorder what is shown.
_ESCAPES = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[PX^_][^\x1b]*(?:\x1b\\)?|[ -/]*[0-~])"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` with terminal escapes and control characters removed (newlines and tabs kept)."""
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


class ConsoleAdapter:
    platform = "console"

    def __init__(
        self,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        *,
        on_eof: Callable[[], None] | None = None,
        interactive: bool | None = None,
        files_dir: Path | None = None,
    ) -> None:
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.on_eof = on_eof
        self.interactive = self.stdin.isatty() if interactive is None else interactive
        self._task: asyncio.Task[None] | None = None
        # Where files a reply carries (an .ics, a check-in code's PNG) are written; made on first use.
        self.files_dir = files_dir

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
        self._write(f"[to {chat.key}]\n{self.render(reply)}\n\n")
        return SendReceipt(chat)

    def render(self, reply: Reply) -> str:
        """The reply as text; a file it carries is written to `files_dir`, and the text says where."""
        lines = []
        for block in reply.blocks:
            if isinstance(block, Attachment):
                lines.append(self._save(block))
            else:
                lines.append(block_plain(block))
        return "\n".join(lines)

    def _save(self, block: Attachment) -> str:
        if self.files_dir is None:
            self.files_dir = Path(tempfile.mkdtemp(prefix="meetup-bot-files-"))
        name = Path(block.filename).name or "file"  # never a path of the sender's choosing
        path = self.files_dir / name
        try:
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path.write_bytes(block.content)
        except OSError as error:
            return f"[file: {name}, not written: {error.strerror or error}]"
        return f"[file: {name} written to {path}]"

    async def _loop(self, on_message: MessageHandler) -> None:
        try:
            if self.interactive:
                self._write("> ")
            async for line in self._lines():
                text = printable(line).strip()
                if text:
                    for reply in await on_message(self.message(text)):
                        self._write(self.render(reply) + "\n\n")
                if self.interactive:
                    self._write("> ")
        finally:
            if self.on_eof is not None:
                self.on_eof()

    async def _lines(self) -> AsyncIterator[str]:
        try:
            fd = self.stdin.fileno()
        except (AttributeError, OSError, ValueError):  # an in-memory stream (tests)
            while line := await asyncio.to_thread(self.stdin.readline):
                yield line
            return
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()
        # A daemon thread: a read blocked on the terminal must not keep the process alive.
        threading.Thread(target=_read_lines, args=(fd, loop, queue), name="console-stdin", daemon=True).start()
        while (line := await queue.get()) is not None:
            yield line

    @staticmethod
    def message(text: str) -> IncomingMessage:
        return command_message(
            parse_command(text), chat=CONSOLE_CHAT, sender=CONSOLE_USER, text=text, received_at=datetime.now(UTC)
        )

    def _write(self, text: str) -> None:
        self.stdout.write(printable(text))
        self.stdout.flush()


def _read_lines(fd: int, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]) -> None:
    """Read `fd` to its end, handing each line to `queue`, then None. os.read holds no lock of
    sys.stdin's, so abandoning this thread at exit is safe."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pending = ""

    def put(item: str | None) -> bool:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:  # the loop is closed: nobody is listening any more
            return False
        return True

    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            chunk = b""
        pending += decoder.decode(chunk, final=not chunk)
        *lines, pending = pending.split("\n")
        if not all(put(line + "\n") for line in lines):
            return
        if not chunk:
            if pending:
                put(pending)
            put(None)
            return
