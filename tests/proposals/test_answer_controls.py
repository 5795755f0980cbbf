"""Answers typed in chat lose bidi overrides, embeddings and isolates and other invisible format
characters where they are taken in (bot/proposals/conversation.py, through
bot.wording.without_controls), so the organisers' review card shows what is stored (no
"Trojan source" spoofing); Hebrew and the implicit marks RLM/LRM stay."""

from __future__ import annotations

import pytest

from bot.proposals.conversation import check_all
from bot.proposals.model import Kind
from bot.wording import without_controls
from tests.proposals.conftest import ORG_CHAT, ORGANISER, PROPOSER, Chat

RLO, LRO, LRE, RLE, PDF = "\u202e", "\u202d", "\u202a", "\u202b", "\u202c"
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
RLM, LRM = "\u200f", "\u200e"
EXPLICIT = (RLO, LRO, LRE, RLE, PDF, LRI, RLI, FSI, PDI)
# Invisible format characters that are no part of any text a person means to show.
INVISIBLE = ("\u00ad", "\u180e", "\u200b", "\u2060", "\u2063", "\u206a", "\ufeff", "\ufff9", "\U000e0001", "\U000e0041")

HEBREW = "מבוא ל-XDP"  # "An introduction to XDP"


def chars(text: str) -> set[str]:
    return set(text) & {*EXPLICIT, *INVISIBLE}


@pytest.mark.parametrize("bad", [*EXPLICIT, *INVISIBLE], ids=lambda c: f"U+{ord(c):04X}")
def test_every_override_and_invisible_format_character_goes(bad: str) -> None:
    assert without_controls(f"{HEBREW}{bad} 2027") == f"{HEBREW} 2027"


def test_hebrew_and_its_implicit_marks_and_joiners_stay() -> None:
    text = f"{HEBREW}{RLM} (Linux){LRM} \u05e9\u05dc\u05d5\u05dd 👩\u200d💻 می\u200cخواهم"  # ZWJ emoji, ZWNJ
    assert without_controls(text) == text
    scotland = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"  # a flag: tags kept
    assert without_controls(f"Glasgow {scotland}") == f"Glasgow {scotland}"
    assert without_controls("x\U000e0068\U000e0069\U000e007fy") == "xy"  # tags with no flag: hidden text


async def test_a_talk_proposal_in_hebrew_with_overrides_is_stored_and_shown_without_them(chat: Chat) -> None:
    # The title would read "...XDP" on the card while being stored reversed; the abstract hides a line.
    title = f"{RLO}{HEBREW}{PDF} {RLI}2027{PDI}{RLM}"
    abstract = f"{LRE}שורה אחת{PDF}\n{FSI}line two\u200b{PDI}"
    for line in ("/propose", title, abstract, f"{RLE}עדה{PDF} \u2066Lovelace\u2069", "hebrew"):
        await chat.say(line)
    assert "Your talk proposal is T1" in await chat.say("yes")
    [stored] = chat.core.announcements.store.proposals.find()
    assert (stored.title, stored.abstract, stored.speaker) == (
        f"{HEBREW} 2027{RLM}",
        "שורה אחת\nline two",
        "עדה Lovelace",
    )
    [card] = chat.sender.to(ORG_CHAT.partition(":")[2])
    assert HEBREW in card and RLM in card and chars(card) == set()


async def test_a_venue_offer_with_overrides_is_stored_without_them(chat: Chat) -> None:
    for line in ("/host", f"{RLO}Acme{PDF}\u200b Labs", f"{LRO}רחוב הרצל 1{PDF}", "80", f"{RLI}-{PDI}", "yes"):
        await chat.say(line)
    [stored] = chat.core.announcements.store.proposals.find()
    assert (stored.title, stored.address, stored.notes) == ("Acme Labs", "רחוב הרצל 1", None)
    # The Slack form's answers go through the same checks.
    answers, problems = check_all(
        Kind.VENUE, {"name": f"Acme{RLO}", "address": f"{LRI}1 Main St", "capacity": "80", "notes": f"{FSI}Parking"}
    )
    assert problems == [] and answers == ("Acme", "1 Main St", "80", "Parking")


async def test_a_decline_reason_reaches_the_proposer_without_overrides(chat: Chat) -> None:
    await chat.propose()
    await chat.say(f"/decline T1 {RLO}not our topic{PDF}\u200b this time", ORGANISER)
    [stored] = chat.core.announcements.store.proposals.find()
    assert stored.reason == "not our topic this time"
    notice = chat.sender.to(PROPOSER.user_id)[-1]
    assert "not our topic this time" in notice and chars(notice) == set()
