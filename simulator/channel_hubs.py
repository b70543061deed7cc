"""Hub processes sharing one database and one Redis: the channel across processes, for real.

:func:`start_hubs` starts ``count`` ``ascc center serve`` processes on one database (PostgreSQL
by URL) with the channel's doorbell on Redis, registers a store and a provider, and
:func:`open_case` makes a case on them (a signed order event, activation, assignment) over HTTP.
Used by the channel's end-to-end tests and ``benchmarks/bench_channel.py``.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from ascc_plugin.keys import generate_key
from ascc_plugin.signatures import standard_headers
from simulator.services import Service, ascc_json, center_env, center_service, free_port, run_ascc

SHOP = "channel.myshopify.com"


@dataclass
class Hubs:
    """Running hubs, the store registered on them and one provider."""

    services: list[Service]
    gsp: dict[str, Any]
    provider: dict[str, Any]
    env: dict[str, str] = field(default_factory=dict)

    @property
    def urls(self) -> list[str]:
        return [service.url for service in self.services]

    def stop(self, kill: bool = False) -> None:
        for service in self.services:
            service.stop(kill=kill)


def start_hubs(
    folder: Path,
    database_url: str,
    redis_url: str | None,
    *,
    count: int = 2,
    workers: int = 1,
    settings: Mapping[str, str] | None = None,
) -> Hubs:
    """``count`` hubs on ``database_url`` and ``redis_url`` (every one started and ready)."""
    keys = folder / "keys"
    generate_key(keys)
    shared = {"ASCC_KEYS_DIR": str(keys), **(settings or {})}
    if redis_url:
        shared["ASCC_REDIS_URL"] = redis_url
    services = []
    for n in range(count):
        service = center_service(
            folder / f"hub{n}", free_port(), workers=workers, database_url=database_url
        )
        service.env = {**center_env(folder, service.port, database_url), **shared}
        services.append(service)
    env = dict(services[0].env)
    run_ascc(["center", "init-db"], env)
    gsp = ascc_json(
        ["center", "add-gsp", "--name", "Shop", "--platform", "shopify", "--shop", SHOP], env
    )
    provider = ascc_json(
        [
            "center",
            "add-provider",
            "--name",
            "Fixit",
            "--categories",
            "repair",
            "--capacity",
            "100000",
        ],
        env,
    )
    for service in services:
        service.launch()
    for service in services:
        service.wait_ready(60)
    return Hubs(services, gsp, provider, env)


def order_body(quantity: int = 1) -> bytes:
    """A paid order of ``quantity`` units, with the repair program."""
    line = {"id": "L1", "sku": "TV", "title": "TV", "quantity": quantity, "unit_price": "99.00"}
    order = {
        "id": f"o-{secrets.token_hex(6)}",
        "number": "1",
        "currency": "EUR",
        "total": "99.00",
        "placed_at": "2026-11-02T10:12:44+00:00",
        "paid": True,
        "fulfilled": False,
        "cancelled": False,
        "customer": None,
        "lines": [line],
        "refunds": [],
    }
    event = {
        "event_id": f"evt-{secrets.token_hex(6)}",
        "kind": "order.paid",
        "occurred_at": "2026-11-02T10:15:00+00:00",
        "gsp": {"platform": "shopify", "shop": SHOP},
        "order": order,
    }
    programs = [{"id": "repair-12m", "kind": "repair", "term_months": 12}]
    return json.dumps({"event": event, "programs": programs}).encode()


def open_cases(
    hubs: Hubs, count: int = 1, http: requests.Session | None = None
) -> list[dict[str, Any]]:
    """``count`` vouchers (one order), each activated and assigned to the hubs' provider."""
    http = http or requests.Session()
    body, msg_id = order_body(count), f"msg_{secrets.token_hex(8)}"
    headers = {
        "ASCC-Domain": SHOP,
        "ASCC-Event": "order.paid",
        "Content-Type": "application/json",
        **standard_headers(str(hubs.gsp["signing_secret"]), msg_id, int(time.time()), body),
    }
    answer = http.post(f"{hubs.urls[0]}/api/v1/events", data=body, headers=headers, timeout=30)
    answer.raise_for_status()
    vouchers: list[dict[str, Any]] = answer.json()["vouchers"]
    for voucher in vouchers:
        auth = {"Authorization": f"Bearer {voucher['holder_secret']}"}
        path = f"{hubs.urls[0]}/api/v1/vouchers/{voucher['id']}"
        http.post(path + "/activate", headers=auth, timeout=30).raise_for_status()
        assign = {"provider_id": hubs.provider["provider_id"]}
        http.post(path + "/assign", json=assign, headers=auth, timeout=30).raise_for_status()
    return vouchers
