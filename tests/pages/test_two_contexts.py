"""The two-context flow (customer on a 360 px phone, provider in the console on a desktop)
against a live ``ascc center serve`` (gunicorn, its own process) and against a store in ``gsp``
mode (``ascc store serve``): every step in chromium, and afterwards the holder secret in no
line of either server's log (request lines, access lines, everything the process wrote)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import BrowserContext

from adapters.emulation import CustomerSpec, LineSpec, OrderSpec
from adapters.shopify.emulator import ShopifyEmulator
from ascc_plugin.keys import generate_key
from ascc_plugin.signatures import standard_headers
from simulator.services import (
    Service,
    ascc_json,
    center_service,
    poll_until,
    run_ascc,
    store_service,
)
from tests.common.settings import store_config
from tests.pages.browser import Shots
from tests.pages.flow import walk
from tests.pages.journey import Site
from tests.pages.live import PROGRAMS

pytestmark = pytest.mark.slow
SHOP = "flow.myshopify.com"
WEBHOOK_SECRET = "shpss_flow_secret"
PROVIDER = ["--name", "Fixit", "--categories", "repair,support", "--region", "Berlin"]


class Live:
    """A running site: where to go, its provider, how to get a voucher, its log."""

    def __init__(self, site: Site, log: Path, issue: Any) -> None:
        self.site, self.log, self.issue = site, log, issue


@pytest.fixture(scope="module")
def center(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("flow-center")
    service = center_service(folder)
    service.env["ASCC_HUB_INCENTIVE_HOLD_HOURS"] = "0"
    run_ascc(["center", "init-db"], service.env)
    gsp = ascc_json(["center", "add-gsp", "--name", "Flow", "--platform", "shopify",
                     "--shop", SHOP], service.env)  # fmt: skip
    provider = ascc_json(["center", "add-provider", *PROVIDER], service.env)
    service.start()
    try:
        site = Site(service.url, str(provider["provider_id"]), str(provider["api_key"]))
        yield Live(site, service.log, lambda n: posted_voucher(service.url, gsp, n))
    finally:
        service.stop()


@pytest.fixture(scope="module")
def gsp_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    root = tmp_path_factory.mktemp("flow-gsp")
    keys = root / "keys"
    generate_key(keys)
    config = store_config(
        root / "store",
        store={"shop": SHOP, "mode": "gsp", "webhook_secret": WEBHOOK_SECRET},
        delivery={"channels": ["log"]},
        programs=PROGRAMS,
        keys={"dir": str(keys)},
        gsp={"incentive_hold_hours": 0},
    )
    service = store_service(config)
    service.start()
    env = {
        "ASCC_DATABASE_URL": f"sqlite:///{config.parent / 'ascc-gsp.sqlite'}",
        "ASCC_KEYS_DIR": str(keys),
    }
    try:
        provider = ascc_json(["center", "add-provider", *PROVIDER], env)
        site = Site(service.url, str(provider["provider_id"]), str(provider["api_key"]))
        deliveries = config.parent / "ascc-deliveries.jsonl"
        yield Live(site, service.log, lambda n: shopify_voucher(service, deliveries, n))
    finally:
        service.stop()


def posted_voucher(url: str, gsp: dict[str, Any], n: int) -> dict[str, Any]:
    """A repair voucher of a paid order, posted to the hub as a store would."""
    event = {
        "event_id": f"flow-{n}-{time.time_ns()}",
        "kind": "order.paid",
        "occurred_at": datetime.now(UTC).isoformat(),
        "gsp": {"platform": "shopify", "shop": SHOP},
        "order": {
            "id": f"flow-{n}", "number": str(n), "currency": "EUR", "total": "129.00",
            "placed_at": datetime.now(UTC).isoformat(), "paid": True, "fulfilled": False,
            "cancelled": False, "refunds": [],
            "customer": {"id": None, "email": "ada@example.com", "phone": None, "name": "Ada"},
            "lines": [{"id": "L1", "sku": "TV", "title": "TV", "quantity": 1,
                       "unit_price": "129.00", "product_type": "Electronics", "tags": []}],
        },
    }  # fmt: skip
    body = json.dumps({"event": event, "programs": PROGRAMS}).encode()
    headers = {"ASCC-Domain": SHOP, "ASCC-Event": "order.paid", "Content-Type": "application/json"}
    headers |= standard_headers(str(gsp["signing_secret"]), f"msg_{n}", int(time.time()), body)
    answer = requests.post(url + "/api/v1/events", data=body, headers=headers, timeout=30)
    assert answer.status_code == 200, answer.text
    return next(v for v in answer.json()["vouchers"] if v["program"] == "repair-12m")


def shopify_voucher(store: Service, deliveries: Path, n: int) -> dict[str, Any]:
    """A repair voucher of a paid Shopify order, as the gsp store delivered it (its log)."""
    now = datetime.now(UTC)
    spec = OrderSpec(
        id=770000 + n,
        lines=(LineSpec(id=11, title="TV", quantity=1, price="129.00", sku="TV"),),
        customer=CustomerSpec(
            id=3, email="grace@example.com", first_name="Grace", last_name="Hopper"
        ),
        created_at=now,
        updated_at=now,
        paid=True,
    )
    shop = ShopifyEmulator(WEBHOOK_SECRET, shop=SHOP)
    assert shop.order_request("orders/paid", spec).send(store.url).status_code == 200

    def found() -> dict[str, Any] | None:
        lines = deliveries.read_text().splitlines() if deliveries.exists() else []
        mine = [json.loads(line)["voucher"] for line in lines]
        mine = [v for v in mine if v["order_id"] == str(770000 + n)]
        return next((v for v in mine if v["program"] == "repair-12m"), None)

    voucher: dict[str, Any] = poll_until(found, f"the voucher of order {770000 + n}", 20)
    return voucher


@pytest.mark.parametrize("where", ["center", "gsp_store"])
def test_customer_and_provider_in_two_browsers(
    where: str,
    request: pytest.FixtureRequest,
    phone: BrowserContext,
    desktop: BrowserContext,
    shots: Shots,
) -> None:
    live: Live = request.getfixturevalue(where)
    voucher = live.issue(1)
    assert voucher["holder_url"].startswith(live.site.url + "/v/")
    walk(phone, desktop, live.site, voucher, shots)
    assert len(shots.taken) == 11 and all(shot.stat().st_size for shot in shots.taken)
    log = live.log.read_text()
    logged = ("GET /v/<voucher_id>", "POST /provider/cases/<voucher_id>/redeem",
              "POST /provider/cases/<voucher_id>/complete", "GET /provider/")  # fmt: skip
    for line in logged if where == "center" else ():  # the store writes no access lines
        assert line in log, line  # the hub logged every request of the flow
    assert voucher["holder_secret"] not in log
    assert live.site.provider_key not in log
