"""Text people sent, made safe to print in a terminal or to open in a spreadsheet.

Titles, names and notes come from chat users. Printed raw, an ANSI escape sequence in them can
move the cursor, recolour or hide lines, or set the terminal's title; a CSV cell starting with
`=`, `+`, `-`, `@` (or tab / CR) is run as a formula by spreadsheet programs (OWASP "CSV
injection"). `for_terminal` strips escapes and control characters; `for_csv` does that and then
quotes a formula-looking cell with a leading `'`. JSON and YAML output stay exact: they are
data for programs, and their encoders escape control characters themselves.
"""

from __future__ import annotations

import re
import unicodedata

# CSI (ESC [ ... final byte), OSC (ESC ] ... BEL or ESC \), other two-byte ESC sequences, and
# the 8-bit C1 forms of CSI and OSC.
_ANSI = re.compile(
    r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]                    # CSI: colours, cursor moves, erases
    | (?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?  # OSC: window title, hyperlinks
    | \x1b[PX^_][^\x1b\x9c]*(?:\x1b\\|\x9c)?              # DCS, SOS, PM, APC strings
    | \x1b[ -/]*[0-~]?                                  # any other escape
    """,
    re.VERBOSE,
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def for_terminal(text: str, *, keep_newlines: bool = False) -> str:
    """`text` without escape sequences and control characters (Unicode category Cc, plus the
    bidirectional overrides that reorder what a terminal shows). Tabs and, if kept, newlines
    become spaces / stay; everything else printable is kept as it is."""
    text = _ANSI.sub("", text)
    out: list[str] = []
    for char in text:
        if char == "\n" and keep_newlines:
            out.append(char)
        elif char in "\t\n\r":
            out.append(" ")
        elif unicodedata.category(char) == "Cc" or char in _BIDI:
            continue
        else:
            out.append(char)
    return "".join(out)


_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def for_csv(value: object) -> str:
    """One CSV cell: control characters out (newlines kept: the csv module quotes them), then a
    `'` before a cell a spreadsheet would read as a formula."""
    text = "" if value is None else str(value)
    cleaned = for_terminal(text, keep_newlines=True)
    return "'" + cleaned if text.startswith(FORMULA_START) or cleaned.startswith(FORMULA_START) else cleaned
