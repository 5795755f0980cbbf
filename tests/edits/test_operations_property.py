"""Issue 19 item 5, as a property: over generated layouts of a meetup (its fields in every order,
comments everywhere, blank lines, flow and block styles, quoted and plain scalars, 2- and
4-space indents, lists indented or not), any sequence of accepts (venue then talks, talks then
venue, several talks into one meetup) changes only the lines the edits must change, and keeps
every comment and blank line.

The generator builds the file line by line and marks each line it writes with what may change it:
a "to be announced" slot (its title is filled), a `needs:` line (an item dropped), an empty
`talks: []` / `speakers: {}` / `venues: {}` (it opens into a block). The diff of the final file
against the first must replace or delete no other line.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.calendar.loader import parse_calendar
from bot.calendar.model import Need
from bot.edits.contract import EditFailed
from bot.edits.operations import AddTalk, SetVenue

MEETUP = "2027-01-19-target"
TBA_TITLES = ("Talk to be announced (yours?)", "To be announced", "Talk: to be announced")
MAY_CHANGE = {"tba", "needs", "open"}


@dataclass
class Layout:
    """The file being written: lines, each with a role (what may change it) and whether a comment
    may be put beside it (not inside a block scalar)."""

    draw: Callable[..., object]
    step: int  # mapping indent
    offset: int  # where a list's dash sits under its key
    lines: list[tuple[str, str | None, bool]] = field(default_factory=list)
    comments: int = 0

    def add(self, text: str, role: str | None = None, *, commentable: bool = True) -> None:
        self.lines.append((text, role, commentable))

    def q(self, value: str, *, flow: bool = False) -> str:
        """The value plain, single- or double-quoted (plain only where it reads back as text)."""
        plain_ok = re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 ()?.:-]*", value) is not None and ": " not in value
        if flow and "," in value:
            plain_ok = False
        styles = (["plain"] if plain_ok else []) + ["single", "double"]
        style = self.draw(st.sampled_from(styles))
        if style == "single":
            return "'" + value.replace("'", "''") + "'"
        if style == "double":
            return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return value

    def seq(self, key_col: int, key: str, items: list[str], role: str | None = None, *, flow: bool) -> None:
        """`key: [a, b]` or `key:` and a block list of scalars (or single-line flow mappings)."""
        pad = " " * key_col
        if flow:
            self.add(f"{pad}{key}: [{', '.join(items)}]", role)
            return
        self.add(f"{pad}{key}:", role)
        for item in items:
            self.add(f"{pad}{' ' * self.offset}- {item}", role)


def decorate(layout: Layout) -> tuple[str, list[str | None]]:
    """The file's text and each line's role, with comment lines, inline comments and blank lines
    put where a hand would (never inside a block scalar)."""
    draw = layout.draw
    text_lines: list[str] = []
    roles: list[str | None] = []
    for i, (text, role, commentable) in enumerate(layout.lines):
        if commentable and i > 0 and draw(st.integers(0, 5)) == 0:
            indent = len(text) - len(text.lstrip())
            layout.comments += 1
            text_lines.append(f"{' ' * draw(st.sampled_from([0, indent]))}# comment {layout.comments}")
            roles.append(None)
        if commentable and i > 0 and draw(st.integers(0, 7)) == 0:
            text_lines.append("")
            roles.append(None)
        next_commentable = i + 1 >= len(layout.lines) or layout.lines[i + 1][2]
        if commentable and next_commentable and not text.rstrip().endswith(">-") and draw(st.integers(0, 3)) == 0:
            layout.comments += 1
            text += f"  # inline {layout.comments}"
        text_lines.append(text)
        roles.append(role)
    if draw(st.booleans()):
        text_lines.append("# the end of the file")
        roles.append(None)
    return "\n".join(text_lines) + "\n", roles


@st.composite
def layouts(draw: Callable[..., object]) -> tuple[str, list[str | None], int]:
    step = draw(st.sampled_from([2, 4]))
    offset = draw(st.sampled_from([0, step]))
    lay = Layout(draw, step, offset)
    s = " " * step
    lay.add("# A calendar written by hand.")
    lay.add("community:")
    lay.add(f"{s}name: {lay.q('Test Meetup')}")
    lay.add(f"{s}timezone: Asia/Jerusalem")
    speakers = draw(st.sampled_from(["none", "empty", "block"]))
    if speakers == "empty":
        lay.add("speakers: {}", "open")
    elif speakers == "block":
        lay.add("speakers:")
        lay.add(f"{s}grace-hopper:")
        lay.add(f"{s}{s}name: {lay.q('Grace Hopper')}")
    venues = draw(st.sampled_from(["none", "empty", "block"]))
    if venues == "empty":
        lay.add("venues: {}", "open")
    elif venues == "block":
        lay.add("venues:")
        lay.add(f"{s}old-hall:")
        lay.add(f"{s}{s}name: Old Hall")
        lay.add(f"{s}{s}capacity: 30")
    lay.add("events:")
    dash = " " * offset
    col = offset + 2
    other(lay, dash, col, "2027-01-05-before", "2027-01-05 19:00", venues == "block")
    slots = target(lay, dash, col)
    if draw(st.booleans()):
        other(lay, dash, col, "2027-02-02-after", "2027-02-02 19:00", False)
    text, roles = decorate(lay)
    return text, roles, slots


def other(lay: Layout, dash: str, col: int, eid: str, start: str, with_venue: bool) -> None:
    pad = " " * col
    lay.add(f"{dash}- id: {eid}")
    lay.add(f"{pad}title: {lay.q('Another evening')}")
    lay.add(f"{pad}start: {start}")
    if with_venue:
        lay.add(f"{pad}venue: old-hall")
    lay.add(f"{pad}schedule:")
    lay.add(f"{pad}{' ' * lay.offset}- {{time: 19:00-19:45, title: {lay.q('To be announced', flow=True)}}}")


def target(lay: Layout, dash: str, col: int) -> int:
    """The meetup the edits go into, its fields in a drawn order; returns its number of open slots."""
    draw = lay.draw
    pad = " " * col
    groups: list[list[tuple[str, str | None, bool]]] = []

    def group(build: Callable[[Layout], None]) -> None:
        sub = Layout(draw, lay.step, lay.offset)
        build(sub)
        groups.append(sub.lines)

    group(lambda g: g.add(f"{pad}id: {g.q(MEETUP)}"))
    group(lambda g: g.add(f"{pad}title: {g.q('Target night')}"))
    group(lambda g: g.add(f"{pad}start: {g.q('2027-01-19 19:00')}"))
    group(lambda g: g.add(f"{pad}status: {g.q('planned')}"))
    needs = [g for g in ("speakers", "venue") if draw(st.booleans())] or ["speakers"]
    needs = draw(st.permutations(needs))
    flow_needs = draw(st.booleans())
    group(lambda g: g.seq(col, "needs", [g.q(n, flow=flow_needs) for n in needs], "needs", flow=flow_needs))
    optional: list[Callable[[Layout, str], None]] = [
        lambda g, p: g.add(f"{p}end: {g.q('22:00')}"),
        lambda g, p: g.add(f"{p}language: {g.q('Hebrew')}"),
        lambda g, p: g.add(f"{p}capacity: 70"),
        lambda g, p: g.add(f"{p}filmed: {draw(st.sampled_from(['true', 'false', 'yes', 'no']))}"),
        lambda g, p: g.add(f"{p}guest_list: full_names"),
        lambda g, p: g.add(f"{p}url: https://example.org/target"),
        description,
        notes,
        reminders,
        talks,
    ]
    for build in optional:
        if draw(st.booleans()):
            group(lambda g, b=build: b(g, pad))  # type: ignore[misc]
    open_slots = draw(st.integers(1, 3))
    group(lambda g: schedule(g, pad, open_slots))
    ordered = [line for lines in draw(st.permutations(groups)) for line in lines]
    first, role, commentable = ordered[0]  # the list item starts at whichever field comes first
    ordered[0] = (f"{dash}- {first[col:]}", role, commentable)
    lay.lines.extend(ordered)
    return open_slots


def description(g: Layout, pad: str) -> None:
    g.add(f"{pad}description: >-", commentable=True)
    g.add(f"{pad}{' ' * g.step}An evening of fast packets,", commentable=False)
    g.add(f"{pad}{' ' * g.step}# not a comment: part of the text", commentable=False)


def notes(g: Layout, pad: str) -> None:
    style = g.draw(st.sampled_from(["flow", "block", "single"]))
    if style == "single":
        g.add(f"{pad}notes: {g.q('Doors at 18:45')}")
    else:
        g.seq(
            len(pad), "notes", [g.q("Doors at 18:45", flow=style == "flow"), g.q("Bring an ID")], flow=style == "flow"
        )


def reminders(g: Layout, pad: str) -> None:
    if g.draw(st.booleans()):
        g.add(f"{pad}reminders: [{{before: 2h}}]")
    else:
        g.seq(len(pad), "reminders", ['day_before: "10:00"'], flow=False)


def talks(g: Layout, pad: str) -> None:
    style = g.draw(st.sampled_from(["empty", "flow", "block"]))
    if style == "empty":
        g.add(f"{pad}talks: []", "open")
    elif style == "flow":
        g.add(f"{pad}talks: [{{title: {g.q('Opening words', flow=True)}}}]", "open")
    else:
        g.add(f"{pad}talks:")
        inner = " " * (len(pad) + g.offset + 2)
        g.add(f"{inner[:-2]}- title: {g.q('Opening words')}")
        g.add(f"{inner}language: English")


def schedule(g: Layout, pad: str, open_slots: int) -> None:
    draw = g.draw
    slots = [("19:00-19:15", "Mingling", "mingling")]
    clock = [("19:15-19:45", "19:45-20:15", "20:15-20:45")[i] for i in range(open_slots)]
    slots += [(span, draw(st.sampled_from(TBA_TITLES)), "talk") for span in clock]
    style = draw(st.sampled_from(["flow items", "block items", "one line"]))
    dash = " " * (len(pad) + g.offset)

    def flow_item(span: str, title: str, kind: str) -> str:
        return f"{{time: {span}, title: {g.q(title, flow=True)}, kind: {kind}}}"

    if style == "one line":
        tba = "tba"  # the whole list is on one line: filling a slot changes it
        g.add(f"{pad}schedule: [{', '.join(flow_item(*slot) for slot in slots)}]", tba)
        return
    g.add(f"{pad}schedule:")
    for span, title, kind in slots:
        role = "tba" if kind == "talk" else None
        if style == "flow items":
            g.add(f"{dash}- {flow_item(span, title, kind)}", role)
        else:
            g.add(f"{dash}- time: {span}")
            g.add(f"{dash}  title: {g.q(title)}", role)
            g.add(f"{dash}  kind: {kind}")


# ---- the property --------------------------------------------------------------------------------


def comment_tokens(text: str) -> list[str]:
    return re.findall(r"# (?:comment|inline) \d+|# the end of the file|# A calendar written by hand\.", text)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(layout=layouts(), data=st.data())
def test_any_sequence_of_accepts_changes_only_the_lines_it_must(
    layout: tuple[str, list[str | None], int], data: st.DataObject
) -> None:
    text, roles, open_slots = layout
    before = parse_calendar(text, "events.yaml")  # the generator writes valid calendars
    event = next(e for e in before.events if e.id == MEETUP)
    talks = data.draw(st.integers(1, open_slots + 1), label="talks")
    venue_at = data.draw(st.integers(0, talks), label="venue position")
    edits: list[AddTalk | SetVenue] = [
        AddTalk(MEETUP, f"Talk number {n}: fast, faster", ("Ada Lovelace", "Grace Hopper", "José Pérez")[n % 3],
                "An abstract " * (n * 8), "Hebrew", f"T{n}")
        for n in range(talks)
    ]  # fmt: skip
    edits.insert(venue_at, SetVenue(MEETUP, "Acme Hall", "1 Main St", "Pizza, and a lift", 80, "V9"))
    result = text
    for edit in edits:
        try:
            result = edit.apply(result, "events.yaml").text
        except EditFailed as exc:  # the only refusal a valid layout may give
            raise AssertionError(f"{edit.subject} refused on a valid layout: {exc}\n{result}") from exc

    old_lines, new_lines = text.splitlines(), result.splitlines()
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, _j1, _j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            for i in range(i1, i2):
                assert roles[i] in MAY_CHANGE, f"line {i + 1} changed: {old_lines[i]!r}\n{text}\n---\n{result}"
    assert comment_tokens(result) == comment_tokens(text)
    assert sum(1 for line in new_lines if not line.strip()) >= sum(1 for line in old_lines if not line.strip())

    after = parse_calendar(result, "events.yaml")
    done = next(e for e in after.events if e.id == MEETUP)
    assert [t.title for t in done.talks][len(event.talks) :] == [e.title for e in edits if isinstance(e, AddTalk)]
    assert done.venue is not None and done.venue.capacity == 80 and done.venue.name == "Acme Hall"
    assert Need.VENUE not in done.needs
    assert (Need.SPEAKERS in done.needs) == (Need.SPEAKERS in event.needs and talks < open_slots)
    assert sum("to be announced" in s.title.casefold() for s in done.schedule) == max(open_slots - talks, 0)
    unchanged = ("capacity", "filmed", "guest_list", "notes", "reminders", "description", "language", "url", "end")
    assert all(getattr(done, name) == getattr(event, name) for name in unchanged)
    assert [e for e in after.events if e.id != MEETUP] == [e for e in before.events if e.id != MEETUP]
    assert after.venues[: len(before.venues)] == before.venues and after.community == before.community
