"""Fixtures and helpers of the operations tests (webhooks, worker, metrics, backups): a live
hub that may call loopback subscribers (allow-listed, ``http`` allowed), on SQLite and
PostgreSQL, a subscriber, and workers built from the hub's parts with small retry waits.

The fixtures are imported by ``tests/center/conftest.py``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ascc_plugin.backoff import Backoff
from ascc_plugin.clock import Clock, utcnow
from center.infra.db import Database
from center.settings import HubSettings
from center.webhooks.dispatch import Dispatcher, Options
from center.webhooks.guard import Policy
from center.webhooks.transport import guarded_session
from center.worker.jobs import default_jobs
from center.worker.runner import Worker
from tests.common.hub import LiveHub, Party, serve_hub
from tests.common.subscriber import Subscriber

LOOPBACK = ("127.0.0.0/8",)
QUICK = Options(batch=50, threads=4, timeout=2.0, backoff=Backoff(base=0.05, cap=0.2))


OPS = {"webhook_allow_http": True, "webhook_allow_networks": LOOPBACK}
"""A test hub that may call loopback subscribers."""


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


def served_hub(folder: Path, url: str, backend: str = "sqlite") -> Any:
    """A migrated hub on ``url`` served on loopback that may call loopback subscribers."""
    return serve_hub(folder, url, backend, **OPS)


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
