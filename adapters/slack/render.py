"""Reply -> Slack messages: Block Kit blocks plus the plain `text` fallback Slack shows in
notifications, split to fit Slack's limits (3,000 characters per section, 50 blocks per message).

Leaf text is escaped exactly once here (`&`, `<`, `>` -> entities); nothing upstream escapes it.
An `Attachment` becomes a separate file upload part, in its place among the messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from bot.chat.reply import (
    Actions,
    Attachment,
    Block,
    Bold,
    BulletList,
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
    block_plain,
)

# Slack's documented limits.
SECTION_MAX = 3000
HEADER_MAX = 150
BLOCKS_MAX = 50
CONTEXT_ELEMENTS_MAX = 10
ACTIONS_ELEMENTS_MAX = 25
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
COMMAND_ACTION = "cmd-"  # action_id prefix of command buttons
FALLBACK_MAX = 3000  # `text` may be 40k, but notifications only show the start

SlackBlock = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """One chat.postMessage worth of content."""

    text: str  # fallback, mrkdwn-escaped
    blocks: tuple[SlackBlock, ...]


@dataclass(frozen=True, slots=True)
class SlackFile:
    """One files_upload_v2 call."""

    filename: str
    content: bytes
    title: str
    comment: str  # mrkdwn-escaped: initial_comment is message text, not Block Kit


SlackPart = SlackMessage | SlackFile


# Slack notifies a whole channel for `<!channel>` (made impossible by escaping `<`) and also for
# a literal @channel, @here or @everyone in some contexts. A word joiner (U+2060, invisible)
# after the `@` keeps the text as it reads and the channel quiet.
_CHANNEL_PING = re.compile(r"(?<![\w.])@(?=(?:channel|here|everyone)\b)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def defuse(text: str) -> str:
    """`text` with no @channel, @here or @everyone that could notify anyone."""
    return _CHANNEL_PING.sub("@" + WORD_JOINER, text)


def escape(text: str) -> str:
    """Escape Slack's three control characters (`&` first, so nothing is escaped twice) and
    defuse channel-wide mentions: text from events.yaml or a user never pings a channel."""
    return defuse(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def _url(url: str) -> str:
    # `<`, `>` and `|` delimit a link; percent-encode them (and whitespace) inside the URL.
    return re.sub(r"[<>|\s]", lambda m: f"%{ord(m.group()):02X}", url)


def _wrap(marker: str, text: str) -> str:
    """`*bold*` only renders when the markers touch the text: keep edge spaces outside."""
    core = text.strip()
    if not core:
        return escape(text)
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    return f"{lead}{marker}{escape(core)}{marker}{trail}"


def inline_mrkdwn(run: Iterable[Inline]) -> str:
    out: list[str] = []
    for part in run:
        if isinstance(part, Text):
            out.append(escape(part.text))
        elif isinstance(part, Bold):
            out.append(_wrap("*", part.text))
        elif isinstance(part, Italic):
            out.append(_wrap("_", part.text))
        elif isinstance(part, Code):
            out.append(_wrap("`", part.text))
        elif isinstance(part, LinkText):
            out.append(f"<{_url(part.url)}|{escape(part.text)}>" if part.text else f"<{_url(part.url)}>")
        else:  # pragma: no cover - the Inline union is closed
            raise TypeError(f"unknown inline {part!r}")
    return "".join(out)


def split_mrkdwn(text: str, limit: int = SECTION_MAX) -> list[str]:
    """Split at line ends, else spaces, never inside a `<link>` or an `&entity;`."""
    chunks: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit + 1)
        if cut <= 0:
            cut = text.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        cut = _safe_cut(text, cut)
        chunks.append(text[:cut].rstrip("\n"))
        text = text[cut:].lstrip("\n")
    if text:
        chunks.append(text)
    return chunks


def _safe_cut(text: str, cut: int) -> int:
    """Move a cut back out of a `<...>` link or a `&...;` entity that it would break."""
    open_link = text.rfind("<", 0, cut)
    if open_link > text.rfind(">", 0, cut) and open_link > 0:
        cut = open_link
    amp = text.rfind("&", 0, cut)
    if amp >= 0 and ";" not in text[amp:cut] and cut - amp < 6 and amp > 0:
        cut = amp
    return cut


def _section(mrkdwn: str) -> Iterator[SlackBlock]:
    for chunk in split_mrkdwn(mrkdwn):
        if chunk.strip():
            yield {"type": "section", "text": _mrkdwn(chunk)}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": defuse(text), "emoji": True}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def _truncate(text: str, limit: int) -> str:
    text = defuse(text)  # first, so that the word joiners count towards the limit
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_block(block: Block) -> list[SlackBlock]:
    """One neutral block as Block Kit blocks (several when a limit forces a split)."""
    if isinstance(block, Heading):
        if not block.text.strip():
            return []
        return [{"type": "header", "text": _plain(_truncate(block.text, HEADER_MAX))}]
    if isinstance(block, Paragraph):
        return list(_section(inline_mrkdwn(block.inlines)))
    if isinstance(block, BulletList):
        return list(_section("\n".join(f"• {inline_mrkdwn(item)}" for item in block.items)))
    if isinstance(block, Context):
        items = [i for i in block.items if i.strip()]
        return [
            {"type": "context", "elements": [_mrkdwn(_truncate(escape(i), SECTION_MAX)) for i in group]}
            for group in _groups(items, CONTEXT_ELEMENTS_MAX)
        ]
    if isinstance(block, Actions):
        buttons = [
            {
                "type": "button",
                "text": _plain(_truncate(link.text or link.url, BUTTON_TEXT_MAX)),
                "url": link.url,
                # Unique within the message; the adapter acks every `link-` action.
                "action_id": f"link-{index}",
            }
            for index, link in enumerate(block.links)
        ]
        return [{"type": "actions", "elements": group} for group in _groups(buttons, ACTIONS_ELEMENTS_MAX)]
    if isinstance(block, Buttons):
        return _command_buttons(block)
    if isinstance(block, Divider):
        return [{"type": "divider"}]
    raise TypeError(f"not a Block Kit block: {block!r}")


def _command_buttons(block: Buttons) -> list[SlackBlock]:
    """Command buttons: the command rides in `value` (the adapter runs it as the presser, for
    every `cmd-` action); a button with a URL is a link button like those of `Actions`."""
    elements: list[dict[str, Any]] = []
    for index, button in enumerate(block.buttons):
        element: dict[str, Any] = {"type": "button", "text": _plain(_truncate(button.label, BUTTON_TEXT_MAX))}
        if button.url:
            element.update(url=button.url, action_id=f"link-cmd-{index}")
        else:
            element.update(value=button.command[:BUTTON_VALUE_MAX], action_id=f"{COMMAND_ACTION}{index}")
        elements.append(element)
    return [{"type": "actions", "elements": group} for group in _groups(elements, ACTIONS_ELEMENTS_MAX)]


def _groups(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def render(reply: Reply) -> list[SlackPart]:
    """The reply as the messages and file uploads to send, in order."""
    parts: list[SlackPart] = []
    pending: list[tuple[SlackBlock, str]] = []  # (block, the plain text it came from)

    def flush() -> None:
        for group in _groups(pending, BLOCKS_MAX):
            fallback = "\n".join(dict.fromkeys(plain for _, plain in group if plain))
            blocks = tuple(b for b, _ in group)
            parts.append(SlackMessage(text=_truncate(escape(fallback), FALLBACK_MAX), blocks=blocks))
        pending.clear()

    for block in reply.blocks:
        if isinstance(block, Attachment):
            flush()
            caption = escape(block.caption)  # initial_comment is posted as message text, mrkdwn
            parts.append(SlackFile(block.filename, block.content, title=defuse(block.filename), comment=caption))
            continue
        plain = "" if isinstance(block, Divider | Buttons) else block_plain(block)
        # The plain text of a split block goes with its first piece only (dict.fromkeys dedups).
        pending.extend((b, plain) for b in render_block(block))
    flush()
    return parts
