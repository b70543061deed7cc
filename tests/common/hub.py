"""A live hub for tests: its app served on loopback, parties made through the service layer,
and signed store events (the canonical event and the programs, as a store posts them)."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from ascc_plugin.signatures import standard_headers
from center import create_app, migrate
from center.api.hub import current_hub
from center.infra.db import Database, get_database
from center.parties import keys
from center.parties import services as parties
from center.settings import HubSettings
from tests.common.servers import Served

PROGRAMS = [
    {"id": "repair-12m", "kind": "repair", "term_months": 12, "match": {"min_unit_price": "50.00"}},
    {"id": "support-24m", "kind": "support", "term_months": 24},
]


@dataclass
class Party:
    id: str
    key: str
    secret: str = ""
    shop: str = ""
    platform: str = "shopify"


def hub_settings(folder: Path, url: str, admin_key: str, **more: Any) -> HubSettings:
    """The settings of a test hub in ``folder`` (rate limits off unless ``more`` says)."""
    values: dict[str, Any] = {
        "database_url": url,
        "keys_dir": folder / "keys",
        "admin_key": admin_key,
        "public_url": "https://hub.example",
        "db_pool_size": 10,
        "db_max_overflow": 50,
        "rate_limits": False,
    }
    return HubSettings(**(values | more))


@contextmanager
def serve_hub(folder: Path, url: str, backend: str, **settings: Any) -> Iterator[LiveHub]:
    """A migrated hub on ``url`` served on loopback for the duration (its engine disposed)."""
    admin_key = keys.new_key(keys.ADMIN)
    app = create_app(hub_settings(folder, url, admin_key, **settings))
    migrate.upgrade(get_database(app))
    with Served(app) as served:
        yield LiveHub(app, served.url, admin_key, backend)
    get_database(app).dispose()


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

    def new_gsp(self, shop: str | None = None) -> Party:
        shop = shop or f"shop-{secrets.token_hex(4)}.example"
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
            "placed_at": (datetime.now(UTC) - timedelta(days=1)).isoformat(timespec="seconds"),
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
