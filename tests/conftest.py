"""Fixtures every test package may use: PostgreSQL for the session, a key folder, the sample
event, a stand-in center on loopback, a clock that moves only when told to."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ascc_plugin.keys import KeyRing, generate_key
from ascc_plugin.models import OrderEvent
from ascc_plugin.signatures import new_secret
from tests.common.clock import FakeClock
from tests.common.fixtures import SAMPLES
from tests.common.postgres import fresh_database, require_postgres
from tests.common.receiver import Receiver
from tests.common.servers import Served

pytest_plugins = ("pytester",)  # tests of the ascc pytest plugin (simulator.pytest_plugin)

REDIS_URL = os.environ.get("ASCC_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this session (skipped off CI without a server)."""
    require_postgres()
    with fresh_database() as url:
        yield url


@pytest.fixture
def key_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "keys"
    generate_key(folder)
    return folder


@pytest.fixture
def sample_event_json() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / "order-paid.json").read_text())
    return data


@pytest.fixture
def sample_event(sample_event_json: dict[str, Any]) -> OrderEvent:
    return OrderEvent.model_validate(sample_event_json)


@pytest.fixture
def secret() -> str:
    """A store's Standard Webhooks signing secret (``whsec_…``)."""
    return new_secret()


@pytest.fixture
def receiver(secret: str, key_dir: Path) -> Iterator[Receiver]:
    """A stand-in center on loopback, verifying signatures made with ``secret``."""
    center = Receiver(secret=secret, id_key=KeyRing.load(key_dir).id_key)
    with Served(center) as served:
        center.url = served.url
        yield center
        center.release.set()


@pytest.fixture
def dead_url() -> str:
    """A loopback URL where nothing listens (the center is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
