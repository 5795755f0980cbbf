"""The calendar commands: what each one answers. Each handler's help line is its registration."""

from __future__ import annotations

from bot.chat import views
from bot.chat.commands import Answer, Command, CommandRegistry, Request, UsageError
from bot.chat.reply import Bold, BulletList, Code, Heading, Reply, Text, paragraph, text_reply

PAST_DEFAULT, PAST_MAX = 5, 50


async def start(req: Request) -> Answer:
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


async def event(req: Request) -> Answer:
    if len(req.args) != 1:
        raise UsageError("Which meetup? Give its id, or its number in /events.")
    key = req.args[0]
    calendar = req.calendar
    found = None
    if key.isdigit():
        upcoming = calendar.upcoming(req.now)
        index = int(key)
        if not 1 <= index <= len(upcoming):
            raise UsageError(f"There are {len(upcoming)} upcoming meetups; /events lists them by number.")
        found = upcoming[index - 1]
    else:
        found = calendar.get(key)
    if found is None:
        return text_reply(f"No meetup with id “{key}”. /events and /past list them.")
    return views.event_card(found, calendar.community, req.now)


async def past(req: Request) -> Answer:
    count = PAST_DEFAULT
    if req.args:
        if len(req.args) != 1 or not req.args[0].isdigit() or not 1 <= int(req.args[0]) <= PAST_MAX:
            raise UsageError(f"Give how many meetups to list, 1 to {PAST_MAX}.")
        count = int(req.args[0])
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
    hits = req.calendar.search(query)
    if not hits:
        return Reply(
            (
                paragraph("No talks about “", query, "” yet."),
                paragraph("Could you give one? See /cfp for the call for speakers."),
            )
        )
    return views.talk_hits(query, hits, req.calendar.community)


async def speaker(req: Request) -> Answer:
    name = req.arg_text.strip()
    if not name:
        raise UsageError("Whose talks? For example: /speaker Liran")
    calendar = req.calendar
    found = calendar.speakers_matching(name)
    if not found:
        return text_reply(f"No speaker called “{name}” in the calendar.")
    if len(found) > 1:
        return Reply(
            (
                paragraph(f"{len(found)} speakers match “{name}”:"),
                BulletList(tuple((Bold(s.name), Text("  "), Code(f"/speaker {s.name}")) for s in found[:20])),
            )
        )
    return views.speaker_card(found[0], calendar.talks_by(found[0]), calendar.community)


async def venue(req: Request) -> Answer:
    event = req.calendar.next(req.now)
    if event is None:
        return text_reply("No meetup is scheduled yet, so no venue either. Can your company host us? See /cfp.")
    return views.venue_card(event, req.calendar.community, req.now)


async def cfp(req: Request) -> Answer:
    calendar = req.calendar
    return views.call_for_speakers(calendar.community, calendar.next(req.now), req.now)


async def about(req: Request) -> Answer:
    return views.about(req.calendar.community, len(req.calendar))


def help_reply(registry: CommandRegistry, *, organiser: bool = False) -> Reply:
    lines = tuple((Code(c.signature), Text(f" — {c.help}")) for c in registry.listed(include_organiser=organiser))
    return Reply((Heading("What I can do"), BulletList(lines)))


def register_calendar_commands(registry: CommandRegistry) -> CommandRegistry:
    """Register the calendar commands, in the order /help lists them."""

    async def help_(req: Request) -> Answer:
        return help_reply(registry)

    for command in (
        Command("start", "Say hello", start, hidden=True),
        Command("help", "What I can do", help_),
        Command("next", "The next meetup: when, where, talks", next_meetup),
        Command("events", "Upcoming meetups", events),
        Command("event", "One meetup in full", event, usage="<id or number>"),
        Command("past", "Recent meetups", past, usage="[n]"),
        Command("talks", "Search talks by topic, title or speaker", talks, usage="<query>"),
        Command("speaker", "A speaker's bio and talks", speaker, usage="<name>"),
        Command("venue", "Where the next meetup is", venue),
        Command("cfp", "The call for speakers and venues", cfp),
        Command("about", "About this community", about),
    ):
        registry.add(command)
    return registry
