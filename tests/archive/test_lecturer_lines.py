"""A "Lecturer:" / "Speaker:" / "Speakers:" line and the line under it: a link, an email, a
handle, a new label or a sentence about the person is not part of the name. Links become the
speaker's links, the rest of the text stays where it belongs (the bio or the abstract)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.archive.importer import import_posts
from bot.archive.post_text import paragraphs
from bot.archive.posts import parse_post
from bot.calendar.loader import parse_calendar
from bot.calendar.model import Event, Speaker, Talk
from tests.archive.conftest import community_only

TZ = ZoneInfo("Asia/Jerusalem")
ABSTRACT = "In this lecture we will see how the kernel probes devices at boot."


def post(details: str, abstract: bool = True) -> str:
    """A one-talk post whose details section ends with `details` (the speaker's lines)."""
    return (
        "---\n"
        'title: "Probing"\n'
        "date: 2016-09-04 16-00-00 +0300\n"
        "---\n"
        "[meetup event](https://www.meetup.com/Tel-Aviv-Yafo-Linux-Kernel-Meetup/events/233589436/)\n\n"
        "Schedule  \n19:00-19:15 Gathering  \n19:15-20:00 Hardware probing  \n20:00-20:15 Break\n\n"
        "**Hardware probing**\n\n" + (f"{ABSTRACT}\n\n" if abstract else "") + f"{details}\n"
    )


def talk_of(text: str) -> Talk:
    event = parse_post(text, "2016-09-04-probing.md", TZ).event
    assert isinstance(event, Event)
    assert [t.title for t in event.talks] == ["Hardware probing"]
    return event.talks[0]


def only_speaker(text: str) -> tuple[Speaker, Talk]:
    talk = talk_of(text)
    assert len(talk.speakers) == 1, [s.name for s in talk.speakers]
    return talk.speakers[0], talk


def urls(person: Speaker) -> list[str]:
    return [link.url for link in person.links]


LINKEDIN = "https://www.linkedin.com/in/danalevi"


@pytest.mark.parametrize(
    "details",
    [
        # soft-wrapped: markdown joins the two source lines into one
        f"Lecturer: Dana Levi\n{LINKEDIN}",
        f"**Lecturer**: Dana Levi\n<{LINKEDIN}>",
        f"**Lecturer**: Dana Levi\n[<{LINKEDIN}>]({LINKEDIN})",
        f"Lecturer: Dana Levi\nLink: {LINKEDIN}",
        f"Lecturer: Dana Levi\nLinkedIn - {LINKEDIN}",
        f"Lecturer: Dana Levi\nHomepage: <{LINKEDIN}>",
        f"Speaker: Dana Levi\n[LinkedIn]({LINKEDIN})",
        # hard-broken (two trailing spaces) and under a bare label
        f"Lecturer: Dana Levi  \n{LINKEDIN}",
        f"Lecturer: Dana Levi  \n<{LINKEDIN}>",
        f"Lecturer: Dana Levi  \nLink: {LINKEDIN}",
        f"Lecturer:\nDana Levi\n{LINKEDIN}",
        f"**Speaker:**  \nDana Levi  \n<{LINKEDIN}>",
        # the link on the label line itself
        f"Lecturer: Dana Levi <{LINKEDIN}>",
        f"Lecturer: [Dana Levi]({LINKEDIN})",
    ],
)
def test_a_link_under_the_lecturer_line_is_the_speakers_link_not_part_of_the_name(details: str) -> None:
    person, talk = only_speaker(post(details))
    assert person.name == "Dana Levi"
    assert urls(person) == [LINKEDIN]
    assert person.affiliation is None and person.bio is None
    assert talk.abstract == ABSTRACT  # the link is in neither the abstract nor the bio


@pytest.mark.parametrize("sep", ["  \n", "\n"])
def test_a_line_of_several_links_under_the_lecturer_line_is_all_the_speakers(sep: str) -> None:
    person, talk = only_speaker(
        post(f"Lecturer: Dana Levi{sep}[GitHub](https://github.com/dana) | [LinkedIn]({LINKEDIN})")
    )
    assert person.name == "Dana Levi"
    assert [(lk.label, lk.url) for lk in person.links] == [
        ("GitHub", "https://github.com/dana"),
        ("LinkedIn", LINKEDIN),
    ]
    assert talk.abstract == ABSTRACT


def test_the_affiliation_after_the_name_keeps_its_text_and_loses_the_link() -> None:
    details = (
        "**Lecturer**: Evgeny Budilovsky, Kernel Developer at E8 Storage\n"
        "[<https://www.linkedin.com/company/e8-storage>](https://www.linkedin.com/company/e8-storage)"
    )
    person, talk = only_speaker(post(details))
    assert (person.name, person.affiliation) == ("Evgeny Budilovsky", "Kernel Developer at E8 Storage")
    assert urls(person) == ["https://www.linkedin.com/company/e8-storage"]
    assert talk.abstract == ABSTRACT


def test_a_name_written_as_a_link_gives_the_link_labelled_by_its_site() -> None:
    person, _talk = only_speaker(post(f"Lecturer: [Dana Levi]({LINKEDIN}), Kernel engineer at Acme"))
    assert (person.name, person.affiliation) == ("Dana Levi", "Kernel engineer at Acme")
    assert [(lk.label, lk.url) for lk in person.links] == [("linkedin.com", LINKEDIN)]


def test_a_link_at_the_end_of_the_lecturer_line_is_not_part_of_the_affiliation() -> None:
    details = "Lecturer: Evgeny Budilovsky, Kernel Developer at E8 Storage https://e8storage.com"
    person, _talk = only_speaker(post(details))
    assert (person.name, person.affiliation) == ("Evgeny Budilovsky", "Kernel Developer at E8 Storage")
    assert urls(person) == ["https://e8storage.com"]


@pytest.mark.parametrize(
    ("details", "kept"),
    [
        ("Lecturer: Dana Levi\ndana@example.org", "dana@example.org"),
        ("Lecturer: Dana Levi\nEmail: dana@example.org", "Email: dana@example.org"),
        ("Lecturer: Dana Levi\n@danalevi", "@danalevi"),
        ("Speaker: Dana Levi\nTwitter: @danalevi", "Twitter: @danalevi"),
    ],
)
def test_an_email_or_a_handle_under_the_lecturer_line_stays_with_the_speaker(details: str, kept: str) -> None:
    person, talk = only_speaker(post(details))
    assert person.name == "Dana Levi"
    assert person.bio is not None and kept in person.bio  # not a URL: kept as the person's text
    assert talk.abstract == ABSTRACT


def test_a_sentence_about_the_speaker_under_the_line_is_their_bio() -> None:
    for details in (
        "Lecturer: Dana Levi\nDana is a kernel engineer at Acme.",
        "Lecturer: Dana Levi  \nDana is a kernel engineer at Acme.",
        f"Lecturer: Dana Levi\n{LINKEDIN}\nDana is a kernel engineer at Acme.",
        "Lecturer: Dana Levi\nShe is a kernel engineer at Acme.",
    ):
        person, talk = only_speaker(post(details))
        assert person.name == "Dana Levi", details
        assert person.bio is not None and person.bio.endswith("is a kernel engineer at Acme."), details
        assert talk.abstract == ABSTRACT, details


def test_a_sentence_about_the_talk_under_the_line_is_its_abstract_not_the_bio() -> None:
    for details in (
        "Lecturer: Ido Ben Shimon  \nIdo will build a container with nothing but unshare.",
        "Lecturer: Ido Ben Shimon\nIdo will build a container with nothing but unshare.",
    ):
        person, talk = only_speaker(post(details, abstract=False))
        assert (person.name, person.bio) == ("Ido Ben Shimon", None), details
        assert talk.abstract == "Ido will build a container with nothing but unshare.", details


def test_the_first_name_again_ends_the_name() -> None:
    """A verb the line rules do not know: the lines are joined, the name still stops."""
    person, _ = only_speaker(post("Lecturer: Dana Levi\nDana loves kernels."))
    assert person.name == "Dana Levi"


def test_a_wrapped_sentence_going_on_in_lower_case_is_not_a_new_line() -> None:
    person, talk = only_speaker(post("Lecturer: Mark Veltzer - CTO of Hinbit, where\ntraining is what they do."))
    assert (person.name, person.affiliation) == ("Mark Veltzer", "CTO of Hinbit, where training is what they do")
    assert talk.abstract == ABSTRACT


def test_lecturer_alone_then_the_name_and_its_link_in_the_next_paragraph() -> None:
    for details in (
        f"Lecturer:\n\nDana Levi  \n<{LINKEDIN}>",
        f"**Lecturer:**\n\nDana Levi\n{LINKEDIN}",
        f"Lecturer:\n\nDana Levi\nLink: {LINKEDIN}",  # soft-wrapped in the paragraph after the label
    ):
        person, talk = only_speaker(post(details))
        assert (person.name, urls(person)) == ("Dana Levi", [LINKEDIN]), details
        assert talk.abstract == ABSTRACT, details


def test_a_link_line_in_the_bio_after_the_lecturer_line_is_a_link_not_bio_text() -> None:
    details = (
        f"Lecturer: Dana Levi\n{LINKEDIN}\n\nDana is a kernel engineer at Acme.  \nHomepage: https://dana.example.org"
    )
    person, _talk = only_speaker(post(details))
    assert person.bio == "Dana is a kernel engineer at Acme."
    assert urls(person) == [LINKEDIN, "https://dana.example.org"]


def test_two_speakers_a_sentence_about_one_is_theirs_about_both_the_talks() -> None:
    talk = talk_of(post("Speakers: Dana Levi and Avi Cohen\nAvi is a kernel engineer at Acme."))
    assert {s.name: s.bio for s in talk.speakers} == {
        "Dana Levi": None,
        "Avi Cohen": "Avi is a kernel engineer at Acme.",
    }
    assert talk.abstract == ABSTRACT
    talk = talk_of(post("Speakers: Dana Levi and Avi Cohen\nThey are both kernel engineers at Acme."))
    assert [s.bio for s in talk.speakers] == [None, None]
    assert talk.abstract == f"{ABSTRACT} They are both kernel engineers at Acme."  # kept, not dropped


def test_a_new_label_under_the_line_starts_the_abstract() -> None:
    talk = talk_of(post("Lecturer: Dana Levi\nAbstract: how the kernel probes devices at boot.", abstract=False))
    assert [s.name for s in talk.speakers] == ["Dana Levi"]
    assert talk.abstract == "how the kernel probes devices at boot."


def test_a_line_that_continues_the_name_or_the_affiliation_is_still_joined() -> None:
    person, _ = only_speaker(post("Lecturer: Dana\nLevi"))
    assert person.name == "Dana Levi"
    wrapped = "**Lecturer**: Mark Veltzer - CTO of Hinbit and a senior\ninstructor at John Bryce."
    person, talk = only_speaker(post(wrapped))
    assert (person.name, person.affiliation) == ("Mark Veltzer", "CTO of Hinbit and a senior instructor at John Bryce")
    assert talk.abstract == ABSTRACT


@pytest.mark.parametrize(
    ("details", "name"),
    [
        (f"Lecturer: דנה לוי\n{LINKEDIN}", "דנה לוי"),
        (f"Lecturer: דנה בן דוד\nLink: {LINKEDIN}", "דנה בן דוד"),
        (f"Lecturer: José Müller\n<{LINKEDIN}>", "José Müller"),
        (f"Speaker: Łukasz Żmuda-Trzebiatowski\n{LINKEDIN}", "Łukasz Żmuda-Trzebiatowski"),
    ],
)
def test_names_in_other_scripts_and_with_accents_are_read_whole_and_alone(details: str, name: str) -> None:
    talk = talk_of(post(details))
    assert [s.name for s in talk.speakers] == [name]
    assert urls(talk.speakers[0]) == [LINKEDIN]
    assert talk.abstract == ABSTRACT


@pytest.mark.parametrize(
    ("details", "names", "links"),
    [
        (
            "Speakers: Dana Levi and Avi Cohen\nhttps://www.linkedin.com/in/avicohen",
            ["Dana Levi", "Avi Cohen"],
            {"Avi Cohen": ["https://www.linkedin.com/in/avicohen"]},
        ),
        (
            "Speakers: Dana Levi and Avi Cohen\nLink: https://dana.example.org\n<https://github.com/avicohen>",
            ["Dana Levi", "Avi Cohen"],
            {"Dana Levi": ["https://dana.example.org"], "Avi Cohen": ["https://github.com/avicohen"]},
        ),
        (
            "Speakers: Dana Levi and Avi Cohen  \n[Dana](https://dana.example.org) · [Avi](https://github.com/avicohen)",
            ["Dana Levi", "Avi Cohen"],
            {"Dana Levi": ["https://dana.example.org"], "Avi Cohen": ["https://github.com/avicohen"]},
        ),
        (
            "Speakers: דנה לוי and אבי כהן\nhttps://example.org/talk",
            ["דנה לוי", "אבי כהן"],
            {},  # names neither: whose it is cannot be told, so it is nobody's
        ),
        (
            "**Speakers**: Dana Levi & Avi Cohen  \n@danalevi",
            ["Dana Levi", "Avi Cohen"],
            {},
        ),
    ],
)
def test_two_speakers_a_and_b_then_links(details: str, names: list[str], links: dict[str, list[str]]) -> None:
    talk = talk_of(post(details))
    assert [s.name for s in talk.speakers] == names
    assert {s.name: urls(s) for s in talk.speakers if s.links} == links
    assert talk.abstract == ABSTRACT


def test_the_link_line_after_a_label_line_is_a_line_of_its_own() -> None:
    """Where the mechanism sits: the logical line of a label ends before a link, a handle, an
    email, a new label or a sentence about the person; anything else is a soft wrap."""
    body = (
        "Lecturer: Dana Levi\nhttps://x.org\nDana is great.\n\n"
        "Speakers: A B and\nC D\n\n"
        "Some text that is\nsoft wrapped https://x.org\n"
    )
    assert [p.lines for p in paragraphs(body)] == [
        ["Lecturer: Dana Levi", "https://x.org", "Dana is great."],
        ["Speakers: A B and C D"],
        ["Some text that is soft wrapped https://x.org"],
    ]


def test_imported_speaker_has_the_name_and_the_links_in_the_events_file() -> None:
    text = post(
        "Lecturer: Dana Levi\nLink: https://dana.example.org\nLinkedIn - <https://www.linkedin.com/in/danalevi>"
    )
    result = import_posts([("2016-09-04-probing.md", text)], community_only())
    assert not result.failed
    (speaker,) = parse_calendar(result.text, "events.yaml").speakers
    assert (speaker.id, speaker.name) == ("dana-levi", "Dana Levi")
    # "Link:" says nothing, so the domain labels it; "LinkedIn" is kept.
    assert [(lk.label, lk.url) for lk in speaker.links] == [
        ("dana.example.org", "https://dana.example.org"),
        ("LinkedIn", "https://www.linkedin.com/in/danalevi"),
    ]


def test_two_speakers_named_in_hebrew_are_two_people_in_the_events_file() -> None:
    # Their names have no Latin letter: both slugified to "unnamed", and the second became the first.
    text = post("Speakers: דנה לוי and אבי כהן")
    result = import_posts([("2016-09-04-probing.md", text)], community_only())
    assert not result.failed
    speakers = parse_calendar(result.text, "events.yaml").speakers
    assert sorted(s.name for s in speakers) == ["אבי כהן", "דנה לוי"]
    assert len({s.id for s in speakers}) == 2 and all(s.id.startswith("speaker-") for s in speakers)
    again = import_posts([("2016-09-04-probing.md", text)], community_only())
    assert again.text == result.text  # the same ids at every import
