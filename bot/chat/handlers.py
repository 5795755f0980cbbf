"""The calendar commands: what each one answers. `bot.registry` registers them with their help lines."""

from __future__ import annotations

from collections.abc import Mapping

from bot.calendar.model import Event
from bot.chat import views
from bot.chat.commands import Answer, Command, CommandRegistry, Handler, Request, UsageError
from bot.chat.reply import Block, Bold, BulletList, Code, Heading, Inline, Reply, Text, paragraph, text_reply
from bot.wording import clip, plural

PAST_DEFAULT, PAST_MAX = 5, 50


async def start(req: Request, deep_links: Mapping[str, Handler] | None = None) -> Answer:
    # `/start <payload>` from a deep link (t.me/<bot>?start=propose) runs what it names.
    follow = (deep_links or {}).get(req.args[0].lower()) if req.args else None
    if follow is not None:
        return await follow(req)
    community = req.calendar.community
    return Reply(
        (
            Heading(f"Hi! I am the {community.display_name} meetup bot."),
            paragraph("Ask me when the next meetup is with /next, or see everything I do with /help."),
        )
    )


async def next_meetup(req: Request) -> Answer:
    event = req.calendar.next(req.now)
    if event is None:
        return text_reply(
            "No meetup is scheduled yet. Want to give a talk or host one? See /cfp.",
        )
    return views.event_card(event, req.calendar.community, req.now)


async def events(req: Request) -> Answer:
    upcoming = req.calendar.upcoming(req.now)
    if not upcoming:
        return text_reply("No upcoming meetups yet. See /past for earlier ones, or /cfp to help plan the next.")
    return views.event_list("Upcoming meetups", upcoming, req.calendar.community, req.now)


def small_number(text: str, max_digits: int = 6) -> int | None:
    """The number written in ASCII digits ("12"), or None for anything else.

    `str.isdigit` also accepts "²" and "①", which `int` then rejects, and `int` refuses more than
    4,300 digits: both would end in a traceback. No list here needs more than a few digits.
    """
    if not text or len(text) > max_digits or not text.isascii() or not text.isdigit():
        return None
    return int(text)


def find_event(req: Request, key: str) -> Event | None:
    """A meetup by its id, or by the number /events shows it under (`/event 2`, `/ics 2`).
    Raises UsageError for a number out of range."""
    if key.isascii() and key.isdigit():
        upcoming = req.calendar.upcoming(req.now)
        index = small_number(key)
        if not upcoming:
            raise UsageError("There are no upcoming meetups now; /past lists the earlier ones.")
        if len(upcoming) == 1 and index != 1:
            raise UsageError("There is only 1 upcoming meetup: number 1.")
        if index is None or not 1 <= index <= len(upcoming):
            raise UsageError(f"There are {plural(len(upcoming), 'upcoming meetup')}; /events lists them by number.")
        return upcoming[index - 1]
    return req.calendar.get(key)


def no_such_meetup(key: str) -> str:
    """The answer when `find_event` finds nothing: what was typed, clipped, and where to look."""
    return f"No meetup with id “{clip(key)}”. /events and /past list them."


async def event(req: Request) -> Answer:
    if len(req.args) != 1:
        raise UsageError("Which meetup? Give its id, or its number in /events.")
    key = req.args[0]
    found = find_event(req, key)
    if found is None:
        return text_reply(no_such_meetup(key))
    return views.event_card(found, req.calendar.community, req.now, abstracts=True)


async def past(req: Request) -> Answer:
    count = PAST_DEFAULT
    if req.args:
        given = small_number(req.args[0]) if len(req.args) == 1 else None
        if given is None or not 1 <= given <= PAST_MAX:
            raise UsageError(f"Give how many meetups to list, 1 to {PAST_MAX}.")
        count = given
    found = req.calendar.past(req.now, count)
    if not found:
        return text_reply("No past meetups in the calendar yet.")
    return views.event_list(
        f"The last {len(found)} meetups" if len(found) > 1 else "The last meetup",
        found,
        req.calendar.community,
        req.now,
        numbered=False,
    )


async def talks(req: Request) -> Answer:
    query = req.arg_text.strip()
    if not query:
        raise UsageError("What topic? For example: /talks scheduling")
    calendar = req.calendar
    hits = calendar.search(query)
    if hits:
        return views.talk_hits(query, hits, calendar.community)
    # Nobody has spoken on it yet: the answer is the call for speakers, flagged when the topic
    # is on the community's wanted list.
    cfp = views.call_for_speakers(calendar.community, calendar.next(req.now), req.now)
    terms = calendar.expand(query)
    wanted = any(term in topic.lower() for topic in calendar.community.call_for_speakers.topics for term in terms)
    lead = "It is on our list of wanted topics!" if wanted else "Could you give one?"
    lead += " Here is our call for speakers (also at /cfp):"
    no_talks = ("No talks about “", clip(query), "” yet")
    blocks: list[Block] = [paragraph(*no_talks, ". ", lead)]
    # A coming meetup on the topic (its talks not yet announced) is what the asker wants to hear of.
    themed = [e for e in calendar.upcoming(req.now, limit=20) if any(t in _theme(e) for t in terms)]
    if themed:
        first = themed[0]
        when = views.short_date(first, calendar.community.timezone)
        blocks = [
            paragraph(
                *no_talks, ", but a coming meetup is about it: ", Bold(first.title), f", {when} (/event {first.id})."
            ),
            paragraph(lead),
        ]
    if not req.message.chat.is_private:
        # In a group the whole call would bury the conversation: a line or two, and where the call is.
        short = lead.replace(" Here is our call for speakers (also at /cfp):", " The call for speakers: /cfp")
        group = [paragraph(*no_talks, ". ", short)] if not themed else [blocks[0], paragraph(short)]
        return Reply(tuple(group), disable_link_preview=True)
    return Reply((*blocks, *cfp.blocks), disable_link_preview=True)


def _theme(event: Event) -> str:
    return f"{event.title}\n{event.description or ''}".lower()


async def speaker(req: Request) -> Answer:
    name = req.arg_text.strip()
    if not name:
        raise UsageError("Whose talks? For example: /speaker Liran")
    calendar = req.calendar
    found = calendar.speakers_matching(name)
    if not found:
        return text_reply(f"No speaker called “{clip(name)}” in the calendar.")
    if len(found) > 1:
        return Reply(
            (
                paragraph(f"{len(found)} speakers match “{clip(name)}”:"),
                BulletList(tuple((Bold(s.name), Text("  "), Code(f"/speaker {s.name}")) for s in found[:20])),
            )
        )
    return views.speaker_card(found[0], calendar.talks_by(found[0]), calendar.community)


async def venue(req: Request) -> Answer:
    event = req.calendar.next(req.now)
    if event is None:
        return text_reply("No meetup is scheduled yet, so no venue either. Can your company host us? See /cfp.")
    return views.venue_card(event, req.calendar.community, req.now)


async def about(req: Request) -> Answer:
    return views.about(req.calendar.community, len(req.calendar))


def help_reply(registry: CommandRegistry, *, organiser: bool = False) -> Reply:
    """Everyone's commands; an organiser also gets theirs, in a section of their own."""
    everyone = [c for c in registry.listed() if not c.organisers_only]
    blocks: list[Block] = [Heading("What I can do"), BulletList(tuple(_help_line(c) for c in everyone))]
    if organiser:
        listed = registry.listed(include_organiser=True)
        theirs = [_help_line(c) for c in listed if c.organisers_only]
        theirs += [
            (Code(f"/{c.name} {c.organiser_usage}"), Text(f" — {c.organiser_help}"))
            for c in listed
            if c.organiser_usage
        ]
        blocks += [Heading("For organisers"), BulletList(tuple(theirs))]
    return Reply(tuple(blocks))


def _help_line(command: Command) -> tuple[Inline, ...]:
    return (Code(command.signature), Text(f" — {command.help}"))


async def whoami(req: Request) -> Answer:
    """Anyone's id as ORGANISERS and events.yaml's `organisers:` take it."""
    sender = req.message.sender
    name = f" ({sender.display_name})" if sender.display_name else ""
    return Reply(
        (
            paragraph("Your id here: ", Code(sender.key), name),
            paragraph("To make someone an organiser, add their id to ORGANISERS or to events.yaml's organisers."),
        )
    )
