"""Fixtures for the archive tests: the community's three 2016 posts (copies of the website's
Jekyll posts) and the shipped events.yaml cut down to its community block."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHIPPED_EVENTS

POSTS_DIR = Path(__file__).parent / "data" / "posts"
SEED_IDS = ("2016-01-12-locking-mechanisms", "2016-07-12-breaking-the-wall", "2016-09-04-delving-deep")


def seed_posts() -> list[tuple[str, str]]:
    return [(p.name, p.read_text(encoding="utf-8")) for p in sorted(POSTS_DIR.glob("*.md"))]


def community_only() -> str:
    """The shipped file up to its speakers: the same community block, no speakers, no meetups."""
    text = SHIPPED_EVENTS.read_text(encoding="utf-8")
    return text[: text.index("\nspeakers:")] + "\n"


@pytest.fixture
def posts_dir() -> Path:
    return POSTS_DIR
