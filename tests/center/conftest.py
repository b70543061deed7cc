"""Fixtures of the center tests: a live hub over real loopback HTTP, on SQLite and PostgreSQL.

``live`` is parametrized over both databases; each run gets its own database (a SQLite file, or
a uniquely named PostgreSQL database dropped at the end), migrated with Alembic, and a werkzeug
threaded server in a thread. Tests make their own parties with the factories below, so they
never see one another's data.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug.serving import make_server

from ascc_plugin.signatures import standard_headers
from center import create_app, migrate
from center.api.hub import current_hub
from center.infra.db import Database, get_database
from center.parties import keys
from center.parties import services as parties

PG_ADMIN_URL = os.environ.get(
    "ASCC_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
PROGRAMS = [
    {"id": "repair-12m", "kind": "repair", "term_months": 12, "match": {"min_unit_price": "50.00"}},
    {"id": "support-24m", "kind": "support", "term_months": 24},
]


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this session, dropped afterwards."""
    if not postgres_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI: {PG_ADMIN_URL} does not answer")
        pytest.skip("PostgreSQL not available")
    import psycopg

    name = f"ascc_center_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Party:
    id: str
    key: str
    secret: str = ""
    shop: str = ""
    platform: str = "shopify"


class LiveHub:
    """A running hub: base URL, its app, and factories for parties and signed events."""

    def __init__(self, app: Any, base_url: str, admin_key: str, backend: str) -> None:
        self.app, self.base_url, self.admin_key, self.backend = app, base_url, admin_key, backend
        self._local = threading.local()

    @property
    def http(self) -> requests.Session:
        """A keep-alive session per thread (``requests.Session`` is not thread-safe)."""
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        session: requests.Session = self._local.session
        return session

    @property
    def database(self) -> Database:
        return get_database(self.app)

    def url(self, path: str) -> str:
        return self.base_url + path

    def new_gsp(self) -> Party:
        shop = f"shop-{secrets.token_hex(4)}.example"
        with self.app.app_context():
            now = current_hub().clock()
            with self.database.transaction() as session:
                made = parties.add_gsp(
                    session, name="Test store", platform="shopify", shop=shop, now=now
                )
        return Party(made["gsp_id"], made["api_key"], made["signing_secret"], shop)

    def new_provider(
        self, categories: tuple[str, ...] = ("repair", "support"), capacity: int = 100
    ) -> Party:
        with self.app.app_context():
            now = current_hub().clock()
            with self.database.transaction() as session:
                made = parties.add_provider(
                    session,
                    name="Fixit",
                    categories=categories,
                    region="Berlin",
                    capacity=capacity,
                    now=now,
                )
        return Party(made["provider_id"], made["api_key"])

    def post_event(
        self,
        gsp: Party,
        body: bytes,
        webhook_id: str | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
        path: str = "/api/v1/events",
        **headers: str,
    ) -> requests.Response:
        msg_id = webhook_id or f"msg_{secrets.token_hex(8)}"
        signed = standard_headers(secret or gsp.secret, msg_id, timestamp or int(time.time()), body)
        all_headers = {
            "ASCC-Domain": gsp.shop,
            "ASCC-Event": "order.paid",
            "Content-Type": "application/json",
            **signed,
            **headers,
        }
        return self.http.post(self.url(path), data=body, headers=all_headers, timeout=30)

    def issue(self, gsp: Party, quantity: int = 1, **order: Any) -> list[dict[str, Any]]:
        """Send a paid order event; the issued vouchers (with holder secrets)."""
        response = self.post_event(gsp, event_body(gsp, quantity=quantity, **order))
        assert response.status_code == 200, response.text
        vouchers: list[dict[str, Any]] = response.json()["vouchers"]
        return vouchers

    def call(
        self, method: str, path: str, key: str | None = None, **kwargs: Any
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return self.http.request(method, self.url(path), headers=headers, timeout=30, **kwargs)


def order_event(
    gsp: Party,
    *,
    order_id: str | None = None,
    quantity: int = 1,
    price: str = "99.00",
    paid: bool = True,
    cancelled: bool = False,
    refunded: int = 0,
    email: str = "ada@example.com",
) -> dict[str, Any]:
    order_id = order_id or f"o-{secrets.token_hex(6)}"
    refunds = (
        [
            {
                "id": "r1",
                "created_at": "2026-11-03T10:00:00+00:00",
                "lines": [{"line_id": "L1", "quantity": refunded}],
            }
        ]
        if refunded
        else []
    )
    return {
        "event_id": f"evt-{secrets.token_hex(6)}",
        "kind": "order.paid",
        "occurred_at": "2026-11-02T10:15:00+00:00",
        "gsp": {"platform": gsp.platform, "shop": gsp.shop},
        "order": {
            "id": order_id,
            "number": "1001",
            "currency": "EUR",
            "total": "99.00",
            "placed_at": "2026-11-02T10:12:44+00:00",
            "paid": paid,
            "fulfilled": False,
            "cancelled": cancelled,
            "customer": {"id": None, "email": email, "phone": None, "name": "Ada"},
            "lines": [
                {
                    "id": "L1",
                    "sku": "TV",
                    "title": "TV",
                    "quantity": quantity,
                    "unit_price": price,
                    "product_type": "Electronics",
                    "tags": [],
                }
            ],
            "refunds": refunds,
        },
    }


def event_body(gsp: Party, programs: list[dict[str, Any]] | None = None, **order: Any) -> bytes:
    return json.dumps(
        {"event": order_event(gsp, **order), "programs": PROGRAMS if programs is None else programs}
    ).encode()


def start_server(app: Any) -> tuple[Any, threading.Thread]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveHub]:
    folder: Path = tmp_path_factory.mktemp(f"hub-{request.param}")
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'center.sqlite'}"
    else:
        url = request.getfixturevalue("pg_database")
    admin_key = keys.new_key(keys.ADMIN_PREFIX)
    app = create_app(
        {
            "DATABASE_URL": url,
            "KEYS_DIR": str(folder / "keys"),
            "ADMIN_KEY": admin_key,
            "PUBLIC_URL": "https://hub.example",
            "DB_POOL_SIZE": 10,
            "DB_MAX_OVERFLOW": 50,
        }
    )
    migrate.upgrade(get_database(app))
    server, thread = start_server(app)
    yield LiveHub(app, f"http://127.0.0.1:{server.server_port}", admin_key, request.param)
    server.shutdown()
    thread.join(timeout=10)
    get_database(app).dispose()
