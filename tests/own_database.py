"""A database of a test's own, for fixtures parametrised over DATABASES: a SQLite file in the
test's folder, or a fresh schema on TEST_DATABASE_URL (the search path), dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.config import database_url

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
DATABASES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def own_database(kind: str, tmp_path: Path, schema_prefix: str) -> Iterator[str]:
    """The URL as the app reads it; a PostgreSQL schema is named `<schema_prefix>_<random>`
    (a leftover says which tests made it). Skips without TEST_DATABASE_URL."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'bot.sqlite3'}"
        return
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set")
    schema = f"{schema_prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(database_url({"DATABASE_URL": PG_URL}, Path("unused")))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}"
    try:
        yield database_url({"DATABASE_URL": url}, Path("unused"))
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
