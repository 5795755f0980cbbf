"""Share images: the 1200×630 PNG a link preview shows (Open Graph `og:image`, Twitter cards).

One per meetup (the community's name, the meetup's title, its date and venue) and one for the
site (the community's name and description), drawn with Pillow in DejaVu Sans, which ships in
`adapters/web/static/` with its licence: no network, no system fonts. Hebrew and Arabic are laid
out right to left (Pillow's Raqm layout when the wheel has it, else each right-to-left line is
reversed, which is right for a line in one script). The same input gives the same bytes.
"""

from __future__ import annotations

import io
import unicodedata
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, features

from bot.calendar.model import Community, Event
from bot.chat import views

WIDTH, HEIGHT = 1200, 630
MARGIN = 72
BACKGROUND, FOREGROUND, ACCENT = (17, 24, 39), (249, 250, 251), (96, 165, 250)
# Drawn as levels of one grey image, then coloured by a palette: a ramp from the background to
# the foreground (antialiased text blends along it) and the accent at the top. A palette PNG
# is a third of the bytes to compress: a meetup's image takes ~10 ms instead of ~30.
TEXT, MUTED, KICKER, BAR = 254, 205, 230, 255
STATIC = Path(__file__).resolve().parent.parent / "static"  # the fonts and their licence
REGULAR, BOLD = STATIC / "DejaVuSans.ttf", STATIC / "DejaVuSans-Bold.ttf"
ALT_MAX = 300


@lru_cache(maxsize=16)
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    engine = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
    return ImageFont.truetype(str(BOLD if bold else REGULAR), size, layout_engine=engine)


def _rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)


def _shown(text: str) -> str:
    """What to hand Pillow: without Raqm, a right-to-left line reversed into visual order."""
    if _rtl(text) and not features.check("raqm"):
        return text[::-1]
    return text


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(_shown(f"{lines[-1]} {word}"), font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _fit(draw: ImageDraw.ImageDraw, text: str, width: int, max_lines: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest title size at which `text` takes at most `max_lines` lines (cut with … else)."""
    for size in (72, 64, 56, 48, 42):
        font = _font(True, size)
        lines = _wrap(draw, text, font, width)
        if len(lines) <= max_lines:
            return font, lines
    lines = lines[:max_lines]
    while lines[-1] and draw.textlength(_shown(lines[-1] + "…"), font=font) > width:
        lines[-1] = lines[-1][:-1]
    lines[-1] = lines[-1].rstrip() + "…"
    return font, lines


def _line(draw: ImageDraw.ImageDraw, y: int, text: str, font: ImageFont.FreeTypeFont, fill: int) -> int:
    """Draw one line (right-aligned when right to left); returns the y below it."""
    shown = _shown(text)
    x = MARGIN
    if _rtl(text):
        x = WIDTH - MARGIN - int(draw.textlength(shown, font=font))
    draw.text((x, y), shown, font=font, fill=fill)
    ascent, descent = font.getmetrics()
    return y + ascent + descent


def _clip(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont) -> str:
    width = WIDTH - 2 * MARGIN
    while text and draw.textlength(_shown(text), font=font) > width:
        text = text[:-2].rstrip() + "…"
    return text


def draw_card(kicker: str, title: str, lines: list[str]) -> bytes:
    """A 1200×630 PNG: a small kicker, a large title of up to three lines, then a few lines."""
    image = Image.new("L", (WIDTH, HEIGHT), 0)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 12), fill=BAR)
    small, body = _font(True, 34), _font(False, 36)
    y = _line(draw, MARGIN, _clip(draw, kicker, small), small, KICKER) + 28
    font, title_lines = _fit(draw, title, WIDTH - 2 * MARGIN, 3)
    for text in title_lines:
        y = _line(draw, y, text, font, TEXT) + 4
    y = max(y + 28, HEIGHT - MARGIN - len(lines) * 48)
    for text in lines:
        y = _line(draw, y, _clip(draw, text, body), body, MUTED) + 6
    coloured = Image.frombytes("P", image.size, image.tobytes())
    coloured.putpalette(_PALETTE)
    out = io.BytesIO()
    coloured.save(out, "PNG", optimize=False, compress_level=6)
    return out.getvalue()


def _ramp(level: int) -> tuple[int, int, int]:
    if level == BAR:
        return ACCENT
    share = level / TEXT
    r, g, b = (round(bg + (fg - bg) * share) for bg, fg in zip(BACKGROUND, FOREGROUND, strict=True))
    return r, g, b


_PALETTE = [channel for level in range(256) for channel in _ramp(level)]


def event_lines(event: Event, community: Community) -> list[str]:
    where = (
        event.venue.name
        if event.venue
        else (f"Venue to be announced, {community.city}" if community.city else "Venue to be announced")
    )
    when = views.when_line(event, community.timezone)
    return [f"Cancelled · {when}" if event.is_cancelled else when, where]


def event_image(event: Event, community: Community) -> bytes:
    return draw_card(community.name, event.title, event_lines(event, community))


def event_alt(event: Event, community: Community) -> str:
    parts = [
        community.name,
        ("Cancelled: " if event.is_cancelled else "") + event.title,
        *event_lines(event, community),
    ]
    return " · ".join(parts)[:ALT_MAX]


def site_image(community: Community) -> bytes:
    lines = [community.description] if community.description else []
    return draw_card(community.display_name, community.name, lines)


def site_alt(community: Community) -> str:
    return " · ".join(p for p in (community.name, community.description) if p)[:ALT_MAX]
