"""Reply -> Block Kit: escaping once, links, limits and splitting."""

from __future__ import annotations

import re

from adapters.slack.inbound import SeenIds, strip_mentions, team_ids_of, unescape
from adapters.slack.render import (
    BLOCKS_MAX,
    HEADER_MAX,
    SECTION_MAX,
    SlackFile,
    SlackMessage,
    escape,
    inline_mrkdwn,
    render,
    split_mrkdwn,
)
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


def only_message(reply: Reply) -> SlackMessage:
    parts = render(reply)
    assert len(parts) == 1 and isinstance(parts[0], SlackMessage)
    return parts[0]


def test_escape_is_applied_exactly_once() -> None:
    assert escape("a & b <c> &amp;") == "a &amp; b &lt;c&gt; &amp;amp;"
    # Rendering does not escape already-rendered text again.
    message = only_message(Reply((paragraph("R&D <kernel>"),)))
    assert message.blocks[0]["text"]["text"] == "R&amp;D &lt;kernel&gt;"
    assert message.text == "R&amp;D &lt;kernel&gt;"


def test_unescape_reverses_escape() -> None:
    for text in ("R&D", "<@U1>", "&amp; literally", "a > b < c"):
        assert unescape(escape(text)) == text


def test_inline_formatting() -> None:
    run = (
        Text("Go "),
        Bold("now "),
        Italic("please"),
        Text(" "),
        Code("a<b"),
        Text(" "),
        LinkText("slides & code", "https://example.com/a?x=1&y=2"),
    )
    assert inline_mrkdwn(run) == "Go *now* _please_ `a&lt;b` <https://example.com/a?x=1&y=2|slides &amp; code>"


def test_link_urls_cannot_break_out_of_the_link() -> None:
    assert inline_mrkdwn((LinkText("x", "https://e.com/a|b>c d"),)) == "<https://e.com/a%7Cb%3Ec%20d|x>"


def test_blocks_of_a_card() -> None:
    reply = Reply(
        (
            Heading("Fast Packets & friends"),
            Paragraph((Bold("When: "), Text("tomorrow"))),
            BulletList(((Text("19:00 Mingling"),), (Text("19:15 XDP <talk>"),))),
            Context(("🎥 filmed", "🗣 Hebrew")),
            Divider(),
            Actions((LinkText("meetup.com", "https://meetup.com/e/1"), LinkText("Slides", "https://s.example/1"))),
        )
    )
    message = only_message(reply)
    assert [b["type"] for b in message.blocks] == ["header", "section", "section", "context", "divider", "actions"]
    header, when, bullets, context, _, actions = message.blocks
    # A header is plain_text: no escaping there.
    assert header["text"] == {"type": "plain_text", "text": "Fast Packets & friends", "emoji": True}
    assert when["text"] == {"type": "mrkdwn", "text": "*When:* tomorrow"}
    assert bullets["text"]["text"] == "• 19:00 Mingling\n• 19:15 XDP &lt;talk&gt;"
    assert [e["text"] for e in context["elements"]] == ["🎥 filmed", "🗣 Hebrew"]
    assert [(e["text"]["text"], e["url"]) for e in actions["elements"]] == [
        ("meetup.com", "https://meetup.com/e/1"),
        ("Slides", "https://s.example/1"),
    ]
    assert len({e["action_id"] for e in actions["elements"]}) == 2
    assert message.text.startswith("Fast Packets &amp; friends\nWhen: tomorrow")


def test_header_is_cut_to_150_characters() -> None:
    message = only_message(Reply((Heading("x" * 400),)))
    text = message.blocks[0]["text"]["text"]
    assert len(text) == HEADER_MAX and text.endswith("…")


def test_long_paragraph_is_split_into_sections_at_line_ends() -> None:
    lines = [f"line {i:04d} " + "x" * 90 for i in range(100)]  # about 10,000 characters
    message = only_message(Reply((Paragraph((Text("\n".join(lines)),)),)))
    sections = [b["text"]["text"] for b in message.blocks]
    assert len(sections) == 4
    assert all(len(s) <= SECTION_MAX for s in sections)
    assert "\n".join(sections).split("\n") == lines  # nothing lost, no line cut in two


def test_split_never_cuts_a_link_or_an_entity() -> None:
    link = "<https://example.com/" + "p" * 60 + "|a link>"
    text = "y" * (SECTION_MAX - 10) + link + "z" * 10
    first, second = split_mrkdwn(text)
    assert first == "y" * (SECTION_MAX - 10)
    assert second.startswith(link)
    entity_text = "w" * (SECTION_MAX - 2) + "&amp;" + "v"
    first, second = split_mrkdwn(entity_text)
    assert first.endswith("w") and second.startswith("&amp;")


def test_more_than_50_blocks_become_several_messages() -> None:
    reply = Reply(tuple(paragraph(f"p{i}") for i in range(BLOCKS_MAX * 2 + 1)))
    parts = render(reply)
    assert [len(p.blocks) for p in parts if isinstance(p, SlackMessage)] == [50, 50, 1]
    assert all(isinstance(p, SlackMessage) and p.text for p in parts)


def test_many_badges_and_buttons_respect_element_limits() -> None:
    reply = Reply(
        (
            Context(tuple(f"b{i}" for i in range(23))),
            Actions(tuple(LinkText(f"l{i}", f"https://e.com/{i}") for i in range(30))),
        )
    )
    blocks = only_message(reply).blocks
    assert [len(b["elements"]) for b in blocks] == [10, 10, 3, 25, 5]


def test_attachment_becomes_a_file_part_between_messages() -> None:
    ics = Attachment("m.ics", b"ICS", "text/calendar", "cap")
    parts = render(Reply((paragraph("before"), ics, paragraph("after"))))
    assert [type(p).__name__ for p in parts] == ["SlackMessage", "SlackFile", "SlackMessage"]
    assert parts[1] == SlackFile("m.ics", b"ICS", title="m.ics", comment="cap")


def test_empty_pieces_make_no_empty_blocks() -> None:
    assert render(Reply(())) == []
    assert render(Reply((Heading("  "), paragraph(""), Context(())))) == []


def test_mentions_are_stripped_from_commands() -> None:
    assert strip_mentions("<@UBOT> next") == "next"
    assert strip_mentions("<@UBOT|meetup-bot>: talks ebpf") == "talks ebpf"
    assert strip_mentions("  <@UBOT> <@UOTHER> hi") == "hi"
    assert strip_mentions("next <@UBOT>") == "next <@UBOT>"


def test_team_ids_cover_slack_connect_fields() -> None:
    body = {"team_id": "T1", "event": {"team": "T1", "user_team": "T2", "source_team": "T3"}}
    assert team_ids_of(body) == {"T1", "T2", "T3"}
    assert team_ids_of({"team": {"id": "T4"}, "user": {"team_id": "T5"}}) == {"T4", "T5"}
    assert team_ids_of({"team": None}) == set()


def test_seen_ids_forget_after_the_ttl_and_stay_bounded() -> None:
    now = [0.0]
    seen = SeenIds(ttl=60, limit=3, clock=lambda: now[0])
    assert seen.first_time("Ev1") and not seen.first_time("Ev1")
    now[0] = 61
    assert seen.first_time("Ev1")  # expired, so new again
    for key in ("Ev2", "Ev3", "Ev4"):
        assert seen.first_time(key)
    assert seen.first_time("Ev1")  # pushed out by the size limit


def test_no_text_can_ping_a_whole_channel() -> None:
    """Text from events.yaml or a user never notifies a channel: `<!channel>` is escaped and a
    literal @channel / @here / @everyone (any case) gets an invisible word joiner after the `@`."""
    pings = "@channel <!channel> @Here @everyone <!here|here> <!subteam^S1>"
    reply = Reply(
        (
            Heading(pings),
            paragraph(pings),
            Paragraph((Bold(pings), LinkText(pings, "https://example.org/talks"))),
            BulletList(((Text(pings),),)),
            Context((pings,)),
            Actions((LinkText(pings, "https://example.org"),)),
            Attachment("notes.txt", b"x", "text/plain", caption=pings),
        )
    )
    parts = render(reply)
    rendered = repr([(p.text, p.blocks) if isinstance(p, SlackMessage) else (p.comment,) for p in parts])
    for ping in ("@channel", "@Here", "@everyone"):
        assert ping not in rendered
    # Slack parses `<!...>` in mrkdwn (fallback text, sections, context, file comments), not in plain_text.
    mrkdwn = [p.comment for p in parts if isinstance(p, SlackFile)]
    for part in parts:
        if isinstance(part, SlackMessage):
            mrkdwn += [part.text, *re.findall(r"'type': 'mrkdwn', 'text': '([^']*)'", repr(part.blocks))]
    assert len(mrkdwn) >= 5 and not any("<!" in text for text in mrkdwn)
    assert "@\u2060channel &lt;!channel&gt;" in mrkdwn[0]  # still reads the same
    assert escape("mail me@here.org") == "mail me@here.org"  # not a mention: untouched
