"""PostgreSQL for tests: a fresh database per session, dropped afterwards.

``ASCC_TEST_POSTGRES_URL`` names the server (default: the local one, user ``postgres``). On a
developer machine without it the PostgreSQL tests skip; under ``CI=true`` they fail instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

PG_ADMIN_URL = os.environ.get(
    "ASCC_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:
        return False


def require_postgres() -> None:
    """Skip (developer machine) or fail (CI) when the server does not answer."""
    if postgres_available():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"PostgreSQL is required in CI: {PG_ADMIN_URL} does not answer")
    pytest.skip("PostgreSQL not available")


@contextmanager
def fresh_database(prefix: str = "ascc_test") -> Iterator[str]:
    """The URL of a new, empty database, dropped on exit."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
