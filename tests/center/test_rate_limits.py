"""Authentication failures are rate limited per client address and per key prefix (429 with
``Retry-After``); successes never count; Redis shares the counts between workers."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from center import create_app, migrate
from center.infra.db import get_database
from tests.common.hub import hub_settings
from tests.conftest import REDIS_URL

RECORDS = "/api/v1/records"


def client_of(app: Flask, address: str = "127.0.0.1") -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def get(client: FlaskClient, key: str, path: str = RECORDS) -> Any:
    return client.get(path, headers={"Authorization": f"Bearer {key}"})


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    apps: list[Flask] = []

    def make(**limits: Any) -> Flask:
        url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
        settings = hub_settings(tmp_path, url, "adm_" + "k" * 30, rate_limits=True, **limits)
        app = create_app(settings)
        migrate.upgrade(get_database(app))
        apps.append(app)
        return app

    yield make
    for app in apps:
        get_database(app).dispose()


def test_failures_per_address_get_429_with_retry_after(make_app: Callable[..., Flask]) -> None:
    app = make_app(auth_failures_per_address="3/minute", auth_failures_per_key="100/minute")
    client = client_of(app)
    statuses = [get(client, f"gsp_wrong-{n}").status_code for n in range(4)]
    assert statuses == [401, 401, 401, 429]
    refused = get(client, "gsp_wrong-5")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert get(client_of(app, "10.0.0.9"), "gsp_wrong-6").status_code == 401  # another client


def test_successes_do_not_count(make_app: Callable[..., Flask]) -> None:
    app = make_app(auth_failures_per_address="2/minute")
    client = client_of(app)
    assert all(client.get("/healthz").status_code == 200 for _ in range(10))
    assert [get(client, f"prv_wrong-{n}").status_code for n in range(3)] == [401, 401, 429]


def test_one_key_is_limited_across_addresses(make_app: Callable[..., Flask]) -> None:
    app = make_app(auth_failures_per_address="100/minute", auth_failures_per_key="2/minute")
    key = "gsp_" + secrets.token_urlsafe(32)
    statuses = [get(client_of(app, f"10.0.0.{n}"), key).status_code for n in range(3)]
    assert statuses == [401, 401, 429]
    assert get(client_of(app, "10.0.0.9"), "gsp_" + secrets.token_urlsafe(32)).status_code == 401


def test_wrong_holder_secrets_count_as_failures(make_app: Callable[..., Flask]) -> None:
    app = make_app(auth_failures_per_address="3/minute")
    client = client_of(app)
    path = "/api/v1/vouchers/ME13-S9JW-J6MS-PK8P-S"
    statuses = [get(client, f"hld_guess-{n}", path).status_code for n in range(4)]
    assert statuses == [404, 404, 404, 429]


def test_redis_shares_the_counts_between_workers(make_app: Callable[..., Flask]) -> None:
    import redis  # a runtime dependency of the hub's scale-out path

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI: {REDIS_URL} does not answer")
        pytest.skip(f"Redis not available at {REDIS_URL}")
    namespace = f"ascc-test-{secrets.token_hex(6)}"
    limits = {"auth_failures_per_address": "2/minute", "rate_limit_namespace": namespace}
    one, two = make_app(redis_url=REDIS_URL, **limits), make_app(redis_url=REDIS_URL, **limits)
    assert get(client_of(one), "gsp_wrong-1").status_code == 401
    assert get(client_of(two), "gsp_wrong-2").status_code == 401
    assert get(client_of(one), "gsp_wrong-3").status_code == 429
    connection = redis.Redis.from_url(REDIS_URL)
    assert connection.keys(f"{namespace}*")  # every key in the test's own namespace
    connection.delete(*connection.keys(f"{namespace}*"))


def test_every_part_of_a_limit_applies(make_app: Callable[..., Flask]) -> None:
    app = make_app(auth_failures_per_address="100/minute;3/hour")
    client = client_of(app)
    assert [get(client, f"gsp_wrong-{n}").status_code for n in range(4)] == [401, 401, 401, 429]


def test_requests_for_no_route_are_neither_counted_nor_refused(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(auth_failures_per_address="2/minute", auth_failures_per_key="2/minute")
    client = client_of(app)
    key = "hld_" + secrets.token_urlsafe(32)
    assert [get(client, key, "/api/v1/nothing-here").status_code for _ in range(4)] == [404] * 4
    assert get(client, key, "/api/v1/vouchers/ME13-S9JW-J6MS-PK8P-S").status_code == 404
