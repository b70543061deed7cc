"""Fixtures of the center tests: a live hub over real loopback HTTP, on SQLite and PostgreSQL.

``live`` is parametrized over both databases; each run gets its own database (a SQLite file, or
a uniquely named PostgreSQL database dropped at the end), migrated with Alembic, and a werkzeug
threaded server in a thread (:func:`tests.common.hub.serve_hub`; rate limits off). Tests make
their own parties with the factories of :mod:`tests.common.hub`, so they never see one
another's data.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.common.hub import LiveHub, serve_hub
from tests.common.ops import ops_hub, subscriber, worker_for  # noqa: F401 (fixtures)


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveHub]:
    folder: Path = tmp_path_factory.mktemp(f"hub-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'center.sqlite'}"
    else:
        url = request.getfixturevalue("pg_database")
    with serve_hub(folder, url, request.param) as hub:
        yield hub
