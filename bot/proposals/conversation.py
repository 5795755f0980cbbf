"""The questions /propose and /host ask, one message each and in this order (scripted tests rely
on it), how each answer is checked, and the summary shown before `yes` submits.

Pure: no store, no I/O. `bot.proposals.commands` keeps the state in the store between messages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.chat.reply import Bold, Heading, Reply, Text, paragraph
from bot.proposals.model import ABSTRACT_MAX, FIELD_MAX, NOTES_MAX, TITLE_MAX, Kind
from bot.wording import visible, without_controls

# An answer checker: the value to keep, or raises Invalid with what to say.
Check = Callable[[str], str]


class Invalid(ValueError):
    """An answer that cannot be used; the message says why, and the question is asked again."""


@dataclass(frozen=True, slots=True)
class Step:
    name: str  # the field it fills (also the Slack modal's field)
    label: str  # the field's name in the summary and the modal
    question: str
    check: Check
    multiline: bool = False
    max_length: int = FIELD_MAX


def _text(limit: int, what: str) -> Check:
    def check(answer: str) -> str:
        # Bidi overrides and invisible characters out: the organisers' card must show what is stored.
        value = without_controls(answer).strip()
        if not visible(value):  # zero-width spaces or bidi marks alone: a blank title on every card
            raise Invalid(f"The {what} cannot be empty.")
        if len(value) > limit:
            raise Invalid(f"That is {len(value)} characters; please keep the {what} to {limit}.")
        return value

    return check


def _one_line(limit: int, what: str) -> Check:
    inner = _text(limit, what)

    def check(answer: str) -> str:
        return " ".join(inner(answer).split())

    return check


def language(answer: str) -> str:
    value = answer.strip().casefold()
    for name in ("Hebrew", "English"):
        if value in (name.casefold(), name[:2].casefold()):
            return name
    raise Invalid("Please answer Hebrew or English.")


def capacity(answer: str) -> str:
    value = answer.strip().replace(",", "")
    # ASCII digits, a few of them: "²" passes `isdigit` and 5,000 digits pass it too, and `int` rejects both.
    if not (value.isascii() and value.isdigit() and len(value) <= 6) or not 0 < int(value) <= 100_000:
        raise Invalid("Please answer with a whole number of people, like 80.")
    return str(int(value))


def notes(answer: str) -> str:
    value = without_controls(answer).strip()  # "-" with an invisible character around it is "-" too
    if value in ("-", "—", "–"):
        return ""
    return _text(NOTES_MAX, "notes")(value)


STEPS: dict[Kind, tuple[Step, ...]] = {
    Kind.TALK: (
        Step("title", "Title", "What is the talk's title?", _one_line(TITLE_MAX, "title"), max_length=TITLE_MAX),
        Step(
            "abstract",
            "Abstract",
            "A short abstract: a few sentences on what the talk covers.",
            _text(ABSTRACT_MAX, "abstract"),
            multiline=True,
            max_length=ABSTRACT_MAX,
        ),
        Step("speaker", "Speaker", "Your name, as it should appear on the schedule?", _one_line(FIELD_MAX, "name")),
        Step("language", "Language", "Will you speak in Hebrew or English?", language, max_length=16),
    ),
    Kind.VENUE: (
        Step("name", "Venue", "What is the company's or the venue's name?", _one_line(FIELD_MAX, "name")),
        Step("address", "Address", "Its address?", _one_line(FIELD_MAX, "address")),
        Step("capacity", "Seats", "How many people does it seat? (a whole number)", capacity, max_length=7),
        Step(
            "notes",
            "Notes",
            "Anything else we should know (parking, food, access, dates)? Send - for none.",
            notes,
            multiline=True,
            max_length=NOTES_MAX,
        ),
    ),
}

NOUN = {Kind.TALK: "talk proposal", Kind.VENUE: "venue offer"}


def question(kind: Kind, step: int) -> Reply:
    steps = STEPS[kind]
    return Reply((paragraph(f"{step + 1}/{len(steps)} · {steps[step].question}"),))


def opening(kind: Kind) -> Reply:
    intro = (
        "Let's propose a talk. I'll ask four short questions; /cancel stops at any point."
        if kind is Kind.TALK
        else "Thank you for offering a venue! I'll ask four short questions; /cancel stops at any point."
    )
    return Reply((paragraph(intro), *question(kind, 0).blocks))


def summary(kind: Kind, answers: tuple[str, ...]) -> Reply:
    """The answers as they will be submitted (user text in leaf Text nodes: escaped once)."""
    blocks: list[Heading | object] = [Heading(f"Your {NOUN[kind]}")]
    for step, answer in zip(STEPS[kind], answers, strict=False):
        blocks.append(paragraph(Bold(f"{step.label}: "), Text(answer or "—")))
    blocks.append(paragraph("Send yes to submit it, or no to drop it."))
    return Reply(tuple(blocks))  # type: ignore[arg-type]


def check_answer(kind: Kind, step: int, answer: str) -> str:
    """The value to keep for this step; raises Invalid."""
    return STEPS[kind][step].check(answer)


def check_all(kind: Kind, values: dict[str, str]) -> tuple[tuple[str, ...], list[str]]:
    """Every step's answer from a filled form: the values kept, and the problems (label: why)."""
    kept: list[str] = []
    problems: list[str] = []
    for step in STEPS[kind]:
        try:
            kept.append(step.check(values.get(step.name, "")))
        except Invalid as exc:
            problems.append(f"{step.label}: {exc}")
    return tuple(kept), problems
