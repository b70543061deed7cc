"""Fixtures of the center tests: a live hub over real loopback HTTP, on SQLite and PostgreSQL.

``live`` is parametrized over both databases; each run gets its own database (a SQLite file, or
a uniquely named PostgreSQL database dropped at the end), migrated with Alembic, and a werkzeug
threaded server in a thread. Tests make their own parties with the factories of
:mod:`tests.common.hub`, so they never see one another's data.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from center import create_app, migrate
from center.infra.db import get_database
from center.parties import keys
from center.settings import HubSettings
from tests.common.hub import LiveHub
from tests.common.ops import ops_hub, subscriber, worker_for  # noqa: F401 (fixtures)
from tests.common.servers import Served


def hub_settings(folder: Path, url: str, admin_key: str) -> HubSettings:
    return HubSettings(
        database_url=url,
        keys_dir=folder / "keys",
        admin_key=admin_key,
        public_url="https://hub.example",
        db_pool_size=10,
        db_max_overflow=50,
    )


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveHub]:
    folder: Path = tmp_path_factory.mktemp(f"hub-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'center.sqlite'}"
    else:
        url = request.getfixturevalue("pg_database")
    admin_key = keys.new_key(keys.ADMIN)
    app = create_app(hub_settings(folder, url, admin_key))
    migrate.upgrade(get_database(app))
    with Served(app) as served:
        yield LiveHub(app, served.url, admin_key, request.param)
    get_database(app).dispose()
