"""Fixtures and helpers of the operations tests (webhooks, worker, metrics, backups): a live
hub that may call loopback subscribers (allow-listed, ``http`` allowed), on SQLite and
PostgreSQL, a subscriber, and workers built from the hub's parts with small retry waits.

The fixtures are imported by ``tests/center/conftest.py``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ascc_plugin.backoff import Backoff
from ascc_plugin.clock import Clock, utcnow
from center import create_app, migrate
from center.infra.db import Database, get_database
from center.parties import keys
from center.settings import HubSettings
from center.webhooks.dispatch import Dispatcher, Options
from center.webhooks.guard import Policy
from center.webhooks.transport import guarded_session
from center.worker.jobs import default_jobs
from center.worker.runner import Worker
from tests.common.hub import LiveHub, Party
from tests.common.servers import Served
from tests.common.subscriber import Subscriber

LOOPBACK = ("127.0.0.0/8",)
QUICK = Options(batch=50, threads=4, timeout=2.0, backoff=Backoff(base=0.05, cap=0.2))


def ops_settings(folder: Path, url: str, admin_key: str) -> HubSettings:
    return HubSettings(
        database_url=url,
        keys_dir=folder / "keys",
        admin_key=admin_key,
        public_url="https://hub.example",
        db_pool_size=10,
        db_max_overflow=50,
        webhook_allow_http=True,
        webhook_allow_networks=LOOPBACK,
    )


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def ops_hub(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveHub]:
    folder: Path = tmp_path_factory.mktemp(f"ops-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'center.sqlite'}"
    else:
        url = request.getfixturevalue("pg_database")
    with served_hub(folder, url, request.param) as hub:
        yield hub


@contextmanager
def served_hub(folder: Path, url: str, backend: str = "sqlite") -> Iterator[LiveHub]:
    """A migrated hub on ``url`` served on loopback (its keys in ``folder``)."""
    admin_key = keys.new_key(keys.ADMIN)
    app = create_app(ops_settings(folder, url, admin_key))
    migrate.upgrade(get_database(app))
    with Served(app) as served:
        yield LiveHub(app, served.url, admin_key, backend)
    get_database(app).dispose()


def make_worker(
    database: Database,
    clock: Clock = utcnow,
    options: Options = QUICK,
    networks: tuple[str, ...] = LOOPBACK,
) -> Worker:
    policy = Policy.of(True, networks)
    dispatcher = Dispatcher(database, lambda: guarded_session(policy), options, clock=clock)
    return Worker(database, dispatcher, default_jobs(HubSettings()), clock=clock)


@pytest.fixture
def worker_for() -> Iterator[Callable[..., Worker]]:
    made: list[Worker] = []

    def make(database: Database, **kwargs: Any) -> Worker:
        made.append(make_worker(database, **kwargs))
        return made[-1]

    yield make
    for worker in made:
        worker.dispatcher.close()


@pytest.fixture
def subscriber() -> Iterator[Subscriber]:
    receiver = Subscriber().up()
    yield receiver
    receiver.down()


def subscribe(
    ops_hub: LiveHub, party: Party, receiver: Subscriber, types: list[str] | None = None
) -> dict[str, Any]:
    """Subscribe ``party``'s endpoint at ``receiver`` over HTTP; the receiver learns the secret."""
    answer = ops_hub.call(
        "POST",
        "/api/v1/webhooks",
        party.key,
        json={"url": receiver.url, "event_types": types or ["*"]},
    )
    assert answer.status_code == 200, answer.text
    created: dict[str, Any] = answer.json()
    receiver.secret = created["secret"]
    return created


def at(moment: datetime) -> Clock:
    return lambda: moment
