"""Reply -> Telegram HTML: escaping once, and splitting at 4096 characters."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from adapters.telegram.render import MAX_MESSAGE, TelegramDocument, TelegramText, render, tg_len
from bot.chat.reply import (
    Actions,
    Attachment,
    Bold,
    BulletList,
    Code,
    Context,
    Divider,
    Heading,
    Italic,
    LinkText,
    Paragraph,
    Reply,
    Text,
    paragraph,
)


class _Balance(HTMLParser):
    """Checks that every tag opened is closed, in order, and recovers the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible(html_text: str) -> str:
    parser = _Balance()
    parser.feed(html_text)
    parser.close()
    assert parser.stack == [], f"unclosed tags {parser.stack}"
    return "".join(parser.text)


def texts(reply: Reply, limit: int = MAX_MESSAGE) -> list[TelegramText]:
    parts = render(reply, limit)
    assert all(isinstance(p, TelegramText) for p in parts)
    return [p for p in parts if isinstance(p, TelegramText)]


def test_every_block_kind() -> None:
    reply = Reply(
        (
            Heading("Next <meetup>"),
            Paragraph(
                (
                    Text("a & b "),
                    Bold("bold"),
                    Text(" "),
                    Italic("it"),
                    Text(" "),
                    Code("x<y"),
                    Text(" "),
                    LinkText("site", 'https://e.org/?a=1&b="q"'),
                )
            ),
            BulletList(((Text("one"),), (Text("two"),))),
            Context(("🎥 filmed", "🗣 Hebrew")),
            Divider(),
            Actions((LinkText("RSVP", "https://m.org/e/1"), LinkText("Slides", "https://s.org"))),
        )
    )
    [message] = texts(reply)
    assert message.html == (
        "<b>Next &lt;meetup&gt;</b>\n\n"
        'a &amp; b <b>bold</b> <i>it</i> <code>x&lt;y</code> <a href="https://e.org/?a=1&amp;b=&quot;q&quot;">site</a>\n'
        "• one\n• two\n\n"
        "<i>🎥 filmed · 🗣 Hebrew</i>\n\n" + "—" * 12 + "\n\n"
        '<a href="https://m.org/e/1">RSVP</a> · <a href="https://s.org">Slides</a>'
    )
    assert message.plain.startswith('Next <meetup>\n\na & b bold it x<y site <https://e.org/?a=1&b="q">\n• one')


def test_text_is_escaped_exactly_once() -> None:
    [message] = texts(Reply((paragraph(Bold("<b>&amp;</b>")),)))
    assert message.html == "<b>&lt;b&gt;&amp;amp;&lt;/b&gt;</b>"
    assert visible(message.html) == "<b>&amp;</b>"  # what the user sees is what was written


def test_short_replies_are_one_message() -> None:
    assert len(texts(Reply(tuple(paragraph(f"line {i}") for i in range(50))))) == 1


def test_split_falls_on_block_boundaries() -> None:
    blocks = tuple(paragraph(f"paragraph {i}: " + " ".join(["word"] * 150)) for i in range(20))  # ~15 000 chars
    messages = texts(Reply(blocks))
    assert len(messages) >= 4
    for message in messages:
        assert tg_len(message.html) <= MAX_MESSAGE
        assert message.html.startswith("paragraph ")  # each message starts on a block
    assert "\n\n".join(m.html for m in messages) == "\n\n".join(b.inlines[0].text for b in blocks)


def test_oversized_block_is_cut_between_words_with_tags_balanced() -> None:
    words = " ".join(f"w{i}&" for i in range(3000))  # one bold run of ~17 000 escaped characters
    messages = texts(Reply((Paragraph((Bold(words),)),)))
    assert len(messages) >= 4
    recovered = []
    for message in messages:
        assert tg_len(message.html) <= MAX_MESSAGE
        assert message.html.startswith("<b>") and message.html.endswith("</b>")
        assert not re.search(r"&(?!amp;|lt;|gt;)", message.html)  # no entity cut in half
        recovered.append(visible(message.html))
    assert " ".join(recovered).split() == words.split()


def test_oversized_list_is_cut_between_items() -> None:
    items = tuple((Code(f"/speaker {i}"), Text(" — " + "z" * 60)) for i in range(200))
    messages = texts(Reply((Heading("Speakers"), BulletList(items))))
    assert len(messages) >= 3
    for message in messages:
        assert tg_len(message.html) <= MAX_MESSAGE
        visible(message.html)
    assert sum(m.html.count("• ") for m in messages) == 200


def test_limit_counts_utf16_units() -> None:
    emoji = "🎤" * 3000  # 6000 UTF-16 units though only 3000 code points
    messages = texts(Reply((paragraph(emoji),)))
    assert len(messages) == 2
    assert all(tg_len(m.html) <= MAX_MESSAGE for m in messages)
    assert "".join(m.html for m in messages) == emoji


def test_attachment_becomes_a_document_in_block_order() -> None:
    reply = Reply((paragraph("before"), Attachment("a.ics", b"x", "text/calendar", "cap <&>"), paragraph("after")))
    before, document, after = render(reply)
    assert isinstance(before, TelegramText) and before.html == "before"
    assert isinstance(document, TelegramDocument)
    assert (document.filename, document.content, document.caption_html) == ("a.ics", b"x", "cap &lt;&amp;&gt;")
    assert isinstance(after, TelegramText) and after.html == "after"


def test_plain_twin_fits_wherever_the_html_fits() -> None:
    blocks = tuple(paragraph(LinkText(f"talk {i}", f"https://example.org/{i}?a&b")) for i in range(400))
    for message in texts(Reply(blocks)):
        assert tg_len(message.plain) <= tg_len(message.html) <= MAX_MESSAGE
