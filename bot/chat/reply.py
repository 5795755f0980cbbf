"""Reply: a small content tree that each adapter renders natively.

Leaf text is raw (unescaped) text; every renderer escapes it exactly once for its own markup.
`plain_text()` is the console's rendering and what logs and tests read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import Enum

# ---- inline content ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Bold:
    text: str


@dataclass(frozen=True, slots=True)
class Italic:
    text: str


@dataclass(frozen=True, slots=True)
class Code:
    text: str


@dataclass(frozen=True, slots=True)
class LinkText:
    text: str
    url: str


Inline = Text | Bold | Italic | Code | LinkText

# ---- blocks -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Heading:
    """A title line: Slack's header block, bold in Telegram, a plain line in the console."""

    text: str


@dataclass(frozen=True, slots=True)
class Paragraph:
    inlines: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class BulletList:
    items: tuple[tuple[Inline, ...], ...]


@dataclass(frozen=True, slots=True)
class Context:
    """Small print and badges ("🎥 filmed", "🗣 Hebrew", "in 3 days")."""

    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Actions:
    """Link buttons (meetup.com, slides, video); a line of links where buttons do not exist."""

    links: tuple[LinkText, ...]


@dataclass(frozen=True, slots=True)
class Button:
    """A button that runs a command as whoever presses it: "/going <meetup id>", "/accept T7".

    The command travels in the platform's button payload (Telegram's callback_data holds at most
    64 bytes), so it names things by id, never by free text.
    """

    label: str
    command: str
    # A link button instead: opens `url` (e.g. a Telegram deep link); `command` is then what the
    # console and other text renderings show.
    url: str | None = None
    # Opens a private chat with the bot that runs `command` there (Telegram: a t.me deep link,
    # `/start <payload>`); platforms without one run it as an ordinary press.
    private: bool = False


@dataclass(frozen=True, slots=True)
class Buttons:
    """A row of command buttons (Telegram inline keyboard, Slack actions block); the console and
    other text renderings show each button's command to type instead."""

    buttons: tuple[Button, ...]


@dataclass(frozen=True, slots=True)
class Divider:
    pass


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file to send with the reply (an .ics), where the platform can take one."""

    filename: str
    content: bytes
    mime_type: str
    caption: str = ""


Block = Heading | Paragraph | BulletList | Context | Actions | Buttons | Divider | Attachment


@dataclass(frozen=True, slots=True)
class FormField:
    name: str  # the key the submission carries it under
    label: str
    multiline: bool = False
    max_length: int | None = None
    optional: bool = False


@dataclass(frozen=True, slots=True)
class Form:
    """A form a platform can open at once (a Slack modal), for a message that allows it
    (`IncomingMessage.form_trigger`). Submitting it runs `command` as the submitter with
    `IncomingMessage.fields` set to the values; its replies go to the submitter privately."""

    command: str  # a registered (hidden) command name, no slash
    title: str  # short: Slack shows at most 24 characters
    fields: tuple[FormField, ...]
    submit: str = "Submit"


class ReplyTarget(Enum):
    """Where a reply goes. Typed commands are answered in their chat; a button press may
    instead update the message whose button was pressed, or answer only the person who pressed
    (Telegram's callback-query answer, Slack's ephemeral message)."""

    CHAT = "chat"
    SOURCE_MESSAGE = "source_message"  # edit the message the button was on (typed: a new message)
    PRESSER = "presser"  # only the person who pressed (typed: an ordinary reply)


@dataclass(frozen=True, slots=True)
class Reply:
    blocks: tuple[Block, ...]
    # Long cards read better without a giant link preview under them.
    disable_link_preview: bool = False
    target: ReplyTarget = ReplyTarget.CHAT
    # Opened instead of posting the blocks where the platform can (see Form); else ignored.
    form: Form | None = None
    # SOURCE_MESSAGE edits of one message: a higher revision supersedes a lower one, and a lower
    # one arriving late (concurrent presses) is dropped, so the newest state is what stays.
    revision: int | None = None

    def plain_text(self) -> str:
        return render_plain(self)


# ---- construction helpers ----------------------------------------------------------------


def inlines(*parts: Inline | str) -> tuple[Inline, ...]:
    """Build an inline run, turning bare strings into `Text`."""
    return tuple(Text(p) if isinstance(p, str) else p for p in parts)


def paragraph(*parts: Inline | str) -> Paragraph:
    return Paragraph(inlines(*parts))


def text_reply(*lines: str) -> Reply:
    """A reply of plain paragraphs, one per line given."""
    return Reply(tuple(paragraph(line) for line in lines))


def bullet_list(items: Iterable[Iterable[Inline | str]]) -> BulletList:
    return BulletList(tuple(inlines(*item) for item in items))


# ---- plain text rendering ------------------------------------------------------------------


def inline_plain(run: Iterable[Inline]) -> str:
    out: list[str] = []
    for part in run:
        if isinstance(part, LinkText):
            out.append(part.text if part.text == part.url else f"{part.text} <{part.url}>")
        else:
            out.append(part.text)
    return "".join(out)


def block_plain(block: Block) -> str:
    if isinstance(block, Heading):
        return block.text
    if isinstance(block, Paragraph):
        return inline_plain(block.inlines)
    if isinstance(block, BulletList):
        return "\n".join(f"  • {inline_plain(item)}" for item in block.items)
    if isinstance(block, Context):
        return " · ".join(block.items)
    if isinstance(block, Actions):
        return "\n".join(f"{link.text}: {link.url}" for link in block.links)
    if isinstance(block, Buttons):
        return " · ".join(f"[{b.label}: {b.url or b.command}]" for b in block.buttons)
    if isinstance(block, Divider):
        return "—" * 24
    if isinstance(block, Attachment):
        return f"[file: {block.filename}]"
    raise TypeError(f"unknown block {block!r}")


def render_plain(reply: Reply) -> str:
    return "\n".join(block_plain(b) for b in reply.blocks)


# ---- rewriting -----------------------------------------------------------------------------


def map_text(reply: Reply, fn: Callable[[str], str]) -> Reply:
    """The same reply with `fn` applied to every piece of visible text (not to URLs).

    Lets an adapter say things its platform's way, e.g. Slack shows the core's `/next` hint
    as `/meetup next`, without the views knowing about platforms.
    """

    def inline(part: Inline) -> Inline:
        return replace(part, text=fn(part.text))

    def block(b: Block) -> Block:
        if isinstance(b, Heading):
            return Heading(fn(b.text))
        if isinstance(b, Paragraph):
            return Paragraph(tuple(inline(p) for p in b.inlines))
        if isinstance(b, BulletList):
            return BulletList(tuple(tuple(inline(p) for p in item) for item in b.items))
        if isinstance(b, Context):
            return Context(tuple(fn(t) for t in b.items))
        if isinstance(b, Actions):
            return Actions(tuple(LinkText(fn(link.text), link.url) for link in b.links))
        if isinstance(b, Attachment):
            return replace(b, caption=fn(b.caption))
        return b

    return replace(reply, blocks=tuple(block(b) for b in reply.blocks))
