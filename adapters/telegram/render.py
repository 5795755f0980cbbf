"""Reply -> Telegram messages: HTML parse mode, split to fit 4096 characters.

Leaf text is escaped exactly once, here (Telegram's HTML needs only `<`, `>` and `&`; an href
also needs quotes). Blocks are packed into as few messages as fit; a block too big for one
message is cut between its lines and inlines, and a single huge text between words, so tags are
always balanced. Every message carries its plain-text twin, for the resend Telegram wants when
it rejects the entities. Attachments become documents (sendDocument), in block order. A row of
`Buttons` becomes the inline keyboard of the message before it.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from bot.chat.reply import (
    Actions,
    Attachment,
    Block,
    Bold,
    BulletList,
    Button,
    Buttons,
    Code,
    Context,
    Divider,
    Heading,
    Inline,
    Italic,
    LinkText,
    Paragraph,
    Reply,
    Text,
    inline_plain,
)
from bot.identity_cache import IdentityCache

MAX_MESSAGE = 4096
MAX_CAPTION = 1024
BLOCK_SEPARATOR = "\n\n"
LIST_SEPARATOR = "\n"  # a list hangs right under the line that introduces it


@dataclass(frozen=True, slots=True)
class TelegramText:
    html: str
    plain: str  # the same message without markup
    buttons: tuple[Button, ...] = ()  # the inline keyboard under the message (one row)


@dataclass(frozen=True, slots=True)
class TelegramDocument:
    filename: str
    content: bytes
    mime_type: str
    caption_html: str = ""
    caption_plain: str = ""


TelegramPart = TelegramText | TelegramDocument


@dataclass(frozen=True, slots=True)
class _Atom:
    """A piece of a block that is whole HTML on its own (tags balanced)."""

    html: str
    plain: str


def tg_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    if text.isascii():  # the common case, and much cheaper than encoding
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def render(reply: Reply, limit: int = MAX_MESSAGE) -> list[TelegramPart]:
    """The messages to send for `reply`, in order; none longer than `limit`."""
    parts: list[TelegramPart] = []
    packer = _Packer(limit)
    previous: Block | None = None
    for block in reply.blocks:
        if isinstance(block, Attachment):
            parts.extend(packer.flush())
            parts.append(document(block))
            previous = None
            continue
        if isinstance(block, Buttons):
            parts.extend(packer.flush())
            _attach(parts, block)
            previous = None
            continue
        rendered = _rendered(block, limit)
        if rendered.atoms:
            separator = "" if previous is None else LIST_SEPARATOR if isinstance(block, BulletList) else BLOCK_SEPARATOR
            packer.add(rendered, separator)
            previous = block
    parts.extend(packer.flush())
    return parts


# Blocks rendered, by the block object: a card kept by the core (bot/chat/views.py `event_card`)
# brings the same blocks again, and only its fresh count line is rendered anew.
@dataclass(frozen=True, slots=True)
class _Block:
    """A block rendered: its atoms, and them joined (what packing one that fits needs)."""

    block: Block
    limit: int
    atoms: list[_Atom]
    html: str
    plain: str
    size: int  # tg_len(html)


_RENDERED: IdentityCache[_Block] = IdentityCache(1024)  # a bound: fresh blocks (counts, answers) pass through


def _rendered(block: Block, limit: int) -> _Block:
    kept = _RENDERED.get((block,), limit)
    if kept is not None:
        return kept
    atoms = block_atoms(block, limit)
    html_text = "".join(a.html for a in atoms)
    rendered = _Block(block, limit, atoms, html_text, "".join(a.plain for a in atoms), tg_len(html_text))
    return _RENDERED.put((block,), limit, rendered)


def _attach(parts: list[TelegramPart], block: Buttons) -> None:
    """A keyboard hangs under a message: the text before it, or a short one of its own."""
    if not block.buttons:
        return
    last = parts[-1] if parts else None
    if isinstance(last, TelegramText) and not last.buttons:
        parts[-1] = TelegramText(last.html, last.plain, block.buttons)
    else:
        label = " · ".join(b.label for b in block.buttons)
        parts.append(TelegramText(escape(label), label, block.buttons))


def document(block: Attachment) -> TelegramDocument:
    caption = block.caption
    if tg_len(escape(caption)) > MAX_CAPTION:
        caption = _cut(caption, lambda c: tg_len(escape(c)) + 1 <= MAX_CAPTION)[0] + "…"
    return TelegramDocument(block.filename, block.content, block.mime_type, escape(caption), caption)


# ---- blocks to atoms ---------------------------------------------------------------------


def block_atoms(block: Block, limit: int = MAX_MESSAGE) -> list[_Atom]:
    if isinstance(block, Heading):
        return _leaf(block.text, "<b>", "</b>", limit)
    if isinstance(block, Paragraph):
        return _inline_atoms(block.inlines, limit)
    if isinstance(block, BulletList):
        atoms: list[_Atom] = []
        for index, item in enumerate(block.items):
            if index:
                atoms.append(_Atom("\n", "\n"))
            atoms.append(_Atom("• ", "• "))
            atoms.extend(_inline_atoms(item, limit))
        return atoms
    if isinstance(block, Context):
        return _leaf(" · ".join(block.items), "<i>", "</i>", limit) if block.items else []
    if isinstance(block, Actions):
        atoms = []
        for index, link in enumerate(block.links):
            if index:
                atoms.append(_Atom(" · ", " · "))
            atoms.extend(_inline_atoms((link,), limit))
        return atoms
    if isinstance(block, Divider):
        return [_Atom("—" * 12, "—" * 12)]
    raise TypeError(f"cannot render {block!r} as text")


def _inline_atoms(run: tuple[Inline, ...], limit: int) -> list[_Atom]:
    atoms: list[_Atom] = []
    for part in run:
        if isinstance(part, Text):
            atoms.extend(_leaf(part.text, "", "", limit))
        elif isinstance(part, Bold):
            atoms.extend(_leaf(part.text, "<b>", "</b>", limit))
        elif isinstance(part, Italic):
            atoms.extend(_leaf(part.text, "<i>", "</i>", limit))
        elif isinstance(part, Code):
            atoms.extend(_leaf(part.text, "<code>", "</code>", limit))
        elif isinstance(part, LinkText):
            opening = f'<a href="{html.escape(part.url, quote=True)}">'
            if tg_len(opening) + 4 + 1 >= limit:  # an absurd URL: show it as text rather than fail
                atoms.extend(_leaf(inline_plain((part,)), "", "", limit))
            else:
                # The plain twin shows the address, since the link itself is lost there.
                pieces = _leaf(part.text, opening, "</a>", limit)
                suffix = "" if part.text == part.url else f" <{part.url}>"
                pieces[-1] = _Atom(pieces[-1].html, pieces[-1].plain + suffix)
                atoms.extend(pieces)
        else:  # pragma: no cover - the Inline union is closed
            raise TypeError(f"cannot render {part!r}")
    return atoms


def _leaf(text: str, opening: str, closing: str, limit: int) -> list[_Atom]:
    """Raw `text` wrapped in a tag, as one atom, or several that each fit `limit`."""
    overhead = tg_len(opening) + tg_len(closing)
    escaped = escape(text)
    if overhead + tg_len(escaped) <= limit:  # nearly always: one atom, escaped once
        return [_Atom(f"{opening}{escaped}{closing}", text)]
    atoms = []
    rest = text
    while True:
        chunk, rest = _cut(rest, lambda c: overhead + tg_len(escape(c)) <= limit)
        atoms.append(_Atom(f"{opening}{escape(chunk)}{closing}", chunk))
        if not rest:
            return atoms


def _cut(text: str, fits: Callable[[str], bool]) -> tuple[str, str]:
    """Split raw text into the longest head that fits, preferring a line or word boundary, and
    the rest. The cut is made before escaping, so an entity like `&amp;` is never broken."""
    if fits(text):
        return text, ""
    low, high = 1, len(text)
    while low < high:  # the longest prefix that fits
        mid = (low + high + 1) // 2
        if fits(text[:mid]):
            low = mid
        else:
            high = mid - 1
    head = text[:low]
    if head and 0xD800 <= ord(head[-1]) <= 0xDBFF:  # never split a surrogate pair
        head = head[:-1]
    for boundary in ("\n", " "):
        at = head.rfind(boundary)
        if at > len(head) // 2:
            return text[: at + 1], text[at + 1 :]
    return head, text[len(head) :]


# ---- packing ------------------------------------------------------------------------------


class _Packer:
    """Greedy packing of blocks into messages; a block that fits no message alone is packed
    atom by atom, preferring to break at its line breaks."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.html: list[str] = []
        self.plain: list[str] = []
        self.size = 0
        self.done: list[TelegramText] = []

    def add(self, block: _Block, separator: str) -> None:
        if self.size and self.size + len(separator) + block.size <= self.limit:  # separators are ASCII
            self.html.append(separator)
            self.plain.append(separator)
            self.html.append(block.html)
            self.plain.append(block.plain)
            self.size += len(separator) + block.size
            return
        self._finish()
        if block.size <= self.limit:
            self.html.append(block.html)
            self.plain.append(block.plain)
            self.size += block.size
            return
        for atom in block.atoms:
            if self.size + tg_len(atom.html) > self.limit:
                self._finish()
            if atom.html == "\n" and not self.size:
                continue  # a line break that fell on the cut is not worth a leading blank line
            self._append(atom.html, atom.plain)

    def _append(self, html_text: str, plain: str) -> None:
        self.html.append(html_text)
        self.plain.append(plain)
        self.size += tg_len(html_text)

    def _finish(self) -> None:
        text = "".join(self.html).strip()
        if text:
            self.done.append(TelegramText(text, "".join(self.plain).strip()))
        self.html, self.plain, self.size = [], [], 0

    def flush(self) -> list[TelegramText]:
        self._finish()
        done, self.done = self.done, []
        return done
