"""Databases for the store's schema tests: a SQLite file, or a schema of its own on TEST_DATABASE_URL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.own_database import DATABASES, own_database


@pytest.fixture(params=DATABASES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL as the app reads it: a SQLite file, or a fresh schema (the search path) on PostgreSQL."""
    yield from own_database(request.param, tmp_path, "mig")
