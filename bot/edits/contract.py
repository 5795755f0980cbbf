"""What an edit of the calendar is, for the code that asks for one and the code that applies it.

An edit is semantic ("add this talk to this meetup's first open slot"), not a text patch: the
writer may apply it more than once, each time to the newest content it read (another process, a
human or a push changed the file meanwhile), and writes only a result computed from the content
the file still holds. `apply` is therefore pure: text in, text out, no I/O, and it raises
`EditFailed` when the edit no longer applies to that content (the meetup was removed, the slot
was filled), in which case nothing is decided and the organiser is told why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class EditFailed(Exception):
    """The edit was not made; the message says why, in words for the organiser."""


@dataclass(frozen=True, slots=True)
class EditResult:
    text: str  # the whole new file
    what: str  # one line for the organiser: "added the talk “…” by … in the 19:15 slot"


@dataclass(frozen=True, slots=True)
class Author:
    """Who asked for an edit, as a commit message names them: `(by Dana, telegram:42)`."""

    name: str
    key: str  # platform:id, or "cli" for a command line

    def __str__(self) -> str:
        return f"{self.name}, {self.key}" if self.name and self.name != self.key else self.key


class CalendarEdit(Protocol):
    """One semantic change of the calendar file."""

    @property
    def subject(self) -> str:
        """The commit subject without who asked: `Accept talk T3 "XDP for beginners" into 2027-01-19-fast-packets`."""
        ...

    def apply(self, text: str, filename: str) -> EditResult:
        """The edited file for this content; raises EditFailed. Pure: may be called again on newer text."""
        ...


@dataclass(frozen=True, slots=True)
class Committed:
    """An edit that is in the file (and, with a repository, committed and pushed)."""

    what: str
    diff: str  # unified diff of the file
    commit: str | None = None  # the commit id; None for a plain file outside any git work tree
