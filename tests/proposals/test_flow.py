"""The proposal flow through the assembled core, on SQLite and PostgreSQL: the conversation and
its checks, limits, expiry, review, the events.yaml edit, /cfp, /withdraw and /forget."""

from __future__ import annotations

from datetime import timedelta

from bot.calendar.loader import load_calendar_data
from bot.calendar.model import Need
from bot.chat.messages import ChatRef, UserRef
from bot.chat.reply import Buttons, ReplyTarget
from bot.proposals.model import Status
from tests.proposals.conftest import MEETUP, ORGANISER, PROPOSER, Chat


async def test_the_conversation_asks_in_order_and_asks_again_on_bad_answers(chat: Chat) -> None:
    assert "1/4 · What is the talk's title?" in await chat.say("/propose")
    too_long = await chat.say("x" * 201)
    assert "201 characters" in too_long and "1/4" in too_long
    assert "2/4" in await chat.say("XDP for beginners")
    assert "3/4" in await chat.say("An abstract.")
    assert "4/4 · Will you speak in Hebrew or English?" in await chat.say("Ada Lovelace")
    assert "Please answer Hebrew or English" in await chat.say("French")
    summary = await chat.say("HEBREW")
    assert "Language: Hebrew" in summary and "Send yes" in summary
    assert "yes to submit" in await chat.say("maybe")
    done = await chat.say("yes")
    assert "Your talk proposal is T1" in done
    stored = chat.core.announcements.store.proposals.find()
    assert [(p.id, p.title, p.speaker, p.language) for p in stored] == [
        ("T1", "XDP for beginners", "Ada Lovelace", "Hebrew")
    ]
    # The organisers' chat got the card with its buttons; the proposer's id is shown only there.
    [(where, card)] = chat.sender.sent
    assert where.key == "telegram:-100999"
    assert "telegram:4242" in card.plain_text() and "telegram:4242" not in done
    buttons = [b for block in card.blocks if isinstance(block, Buttons) for b in block.buttons]
    assert [(b.label, b.command) for b in buttons] == [("Accept", "/accept T1"), ("Decline", "/decline T1")]


async def test_host_asks_for_a_whole_number_and_no_answers_nothing(chat: Chat) -> None:
    await chat.say("/host")
    await chat.say("Acme")
    await chat.say("1 Rothschild Blvd")
    assert "whole number" in await chat.say("about eighty")
    await chat.say("80")
    assert "Notes: —" in await chat.say("-")
    assert "nothing was sent" in await chat.say("no")
    assert chat.core.announcements.store.proposals.find() == []


async def test_cancel_and_expiry(chat: Chat) -> None:
    await chat.say("/propose")
    assert "Stopped" in await chat.say("/cancel")
    assert "I answer commands" in await chat.say("A title nobody asked for")
    await chat.say("/propose")
    chat.clock.advance(timedelta(hours=24, minutes=1))
    # Abandoned for a day: the conversation is over and the message is read as any other.
    assert "I answer commands" in await chat.say("Late title")
    assert chat.core.announcements.store.proposals.conversation(PROPOSER.key) is None


async def test_at_most_five_submissions_a_day(chat: Chat) -> None:
    for n in range(5):
        assert f"is T{n + 1}" in await chat.propose(f"Talk {n}")
    assert "5 submissions in the last 24 hours" in await chat.say("/propose")
    chat.clock.advance(timedelta(hours=25))
    assert "1/4" in await chat.say("/propose")


async def test_accept_needs_an_organiser_then_edits_events_yaml(chat: Chat) -> None:
    await chat.propose("XDP <b>for</b> & beginners")
    path = chat.core.bot.source.path
    assert path is not None
    before = path.read_text()
    [refusal] = await chat.replies(f"/accept T1 {MEETUP}")
    assert "only the organisers" in refusal.plain_text() and path.read_text() == before
    answer = await chat.say(f"/accept T1 {MEETUP}", ORGANISER)
    assert "Accepted" in answer and "19:15 slot" in answer
    data = load_calendar_data(path)  # the file is valid, and the bot serves it already
    event = next(e for e in data.events if e.id == MEETUP)
    assert [(t.title, [s.name for s in t.speakers]) for t in event.talks] == [
        ("XDP <b>for</b> & beginners", ["Ada Lovelace"])
    ]
    served = chat.core.bot.source.current.get(MEETUP)
    assert served is not None and served.talks[0].title == "XDP <b>for</b> & beginners"
    assert path.read_text().startswith(before.split("\n", 1)[0])  # the header comment survives
    assert any("Good news" in text for text in chat.sender.to("4242"))
    assert "already accepted" in await chat.say("/decline T1", ORGANISER)


async def test_filling_the_last_talk_slot_and_the_venue_ends_what_the_meetup_asks_for(chat: Chat) -> None:
    """The card and /cfp stop asking for speakers once every talk slot is filled, and for a venue
    once one is accepted; events.yaml says so (needs:)."""
    served = chat.core.bot.source.current.get(MEETUP)
    assert served is not None and served.needs == {Need.SPEAKERS, Need.VENUE}
    await chat.propose("XDP for beginners")
    await chat.propose("DPDK next to the kernel", UserRef("telegram", "77", "Bob"))
    first = await chat.say(f"/accept T1 {MEETUP}", ORGANISER)
    assert "19:15 slot" in first and "no longer asks" not in first
    second = await chat.say(f"/accept T2 {MEETUP}", ORGANISER)
    assert "20:15 slot; every talk slot is filled now, so it no longer asks for speakers" in second
    for line in ("/host", "Acme", "1 Rothschild Blvd", "80", "-", "yes"):
        await chat.say(line)
    assert "set the venue to Acme; it no longer asks for a venue" in await chat.say(f"/accept V3 {MEETUP}", ORGANISER)
    path = chat.core.bot.source.path
    assert path is not None
    written = next(e for e in load_calendar_data(path).events if e.id == MEETUP)
    assert written.needs == frozenset()
    card = await chat.say(f"/event {MEETUP}")
    assert "still needs" not in card and "Acme" in card


async def test_accepting_keeps_the_comments_inside_the_meetup(chat: Chat) -> None:
    """Only the lines that change are touched: a comment in the meetup's block survives a talk
    and a venue being accepted into it, and the file reads as the block rewrite would."""
    path = chat.core.bot.source.path
    assert path is not None
    note = "    # the room is booked until 18:30: doors at 18:45\n"
    text = path.read_text()
    marker = f"  - id: {MEETUP}\n"
    assert marker in text
    start = text.index(marker)
    needs = text.index("    needs:", start)
    path.write_text(text[:needs] + note + text[needs:])
    chat.core.bot.source.reload()
    await chat.propose("XDP for beginners")
    assert "Accepted" in await chat.say(f"/accept T1 {MEETUP}", ORGANISER)
    for line in ("/host", "Acme", "1 Rothschild Blvd", "80", "-", "yes"):
        await chat.say(line)
    assert "Accepted" in await chat.say(f"/accept V2 {MEETUP}", ORGANISER)
    after = path.read_text()
    assert note in after and after.index(note) > after.index(marker)
    event = next(e for e in load_calendar_data(path).events if e.id == MEETUP)
    assert [t.title for t in event.talks] == ["XDP for beginners"]
    assert event.venue is not None and event.venue.name == "Acme" and event.needs == {Need.SPEAKERS}


async def test_a_meetup_the_line_edits_cannot_take_is_rewritten_whole(chat: Chat) -> None:
    """`talks: []` in flow style is not edited in place: the meetup's block is rewritten instead,
    with the same result."""
    path = chat.core.bot.source.path
    assert path is not None
    text = path.read_text()
    schedule = text.index("    schedule:", text.index(f"  - id: {MEETUP}\n"))
    path.write_text(text[:schedule] + "    talks: []\n" + text[schedule:])
    chat.core.bot.source.reload()
    await chat.propose("XDP for beginners")
    assert "Accepted" in await chat.say(f"/accept T1 {MEETUP}", ORGANISER)
    event = next(e for e in load_calendar_data(path).events if e.id == MEETUP)
    assert [t.title for t in event.talks] == ["XDP for beginners"] and "talks: []" not in path.read_text()


async def test_a_failing_edit_changes_nothing_and_says_why(chat: Chat) -> None:
    for line in ("/host", "Acme", "1 Rothschild Blvd", "80", "-", "yes", "/host", "Beta", "2 Herzl St", "50", "-"):
        await chat.say(line)
    await chat.say("yes")
    assert "Accepted" in await chat.say("/accept V1", ORGANISER)  # the next meetup that needs a venue
    path = chat.core.bot.source.path
    assert path is not None
    before = path.read_text()
    answer = await chat.say(f"/accept V2 {MEETUP}", ORGANISER)
    assert "did not accept V2" in answer and "already has a venue (Acme)" in answer
    assert path.read_text() == before
    assert chat.core.announcements.store.proposals.get(2).status is Status.NEW  # type: ignore[union-attr]


async def test_button_presses_route_by_target(chat: Chat) -> None:
    await chat.propose()
    group = ChatRef("telegram", "-100999")
    stranger = UserRef("telegram", "5555", "Eve")
    [refusal] = await chat.replies("/decline T1", stranger, chat=group, pressed=True, message_id="7")
    assert refusal.target is ReplyTarget.PRESSER
    [card] = await chat.replies("/decline T1 not our topic", ORGANISER, chat=group, pressed=True, message_id="7")
    assert card.target is ReplyTarget.SOURCE_MESSAGE and "Declined" in card.plain_text()
    notice = chat.sender.to("4242")[-1]
    assert "not to take it" in notice and "not our topic" in notice


async def test_cfp_shows_topics_with_talks_and_the_review_queue(chat: Chat) -> None:
    await chat.propose("Fast paths with XDP")
    text = await chat.say("/cfp", UserRef("telegram", "7", "Someone"))
    assert "XDP and the eXpress Data Path — a talk is proposed" in text
    assert "DPDK and user-space packet processing — open" in text
    assert "1 submission under review" in text and "/propose" in text and "/host" in text
    await chat.say(f"/accept T1 {MEETUP}", ORGANISER)
    assert "XDP and the eXpress Data Path — ✅ a talk is accepted" in await chat.say("/cfp")


async def test_withdraw_and_forget(chat: Chat) -> None:
    await chat.propose("One")
    await chat.propose("Two")
    assert "no open submission" in await chat.say("/withdraw T1", UserRef("telegram", "9", "Other"))
    assert "Withdrawn" in await chat.say("/withdraw T1")
    assert "Waiting for review: 1" in await chat.say("/proposals", ORGANISER)
    forgot = await chat.say("/forget")
    assert "2 submissions (talk proposals and venue offers)" in forgot
    assert chat.core.announcements.store.proposals.find() == []
    assert "Nothing to forget" in await chat.say("/forget")


async def test_an_answer_of_invisible_characters_alone_is_empty(chat: Chat) -> None:
    from bot.proposals.conversation import check_all
    from bot.proposals.model import Kind

    invisible = ("\u200b", "\u200f\u200e", " \u2066\u200b\u2069 ", "\ufeff")  # zero-width, bidi marks, BOM
    await chat.say("/propose")
    for answer in invisible:
        said = await chat.say(answer)
        assert "The title cannot be empty." in said and "1/4" in said
    assert "2/4" in await chat.say("XDP\u200b for beginners")  # visible text with one inside is kept
    await chat.say("An abstract.")
    said = await chat.say("\u200b\u200b")
    assert "The name cannot be empty." in said and "3/4" in said
    assert "Stopped" in await chat.say("/cancel")
    await chat.say("/host")
    said = await chat.say("\u200f")
    assert "The name cannot be empty." in said and "1/4" in said
    _, problems = check_all(Kind.VENUE, {"name": "\u200b", "address": "1 Main St", "capacity": "80", "notes": "-"})
    assert problems == ["Venue: The name cannot be empty."]  # the Slack form is checked alike
    assert chat.core.announcements.store.proposals.find() == []
