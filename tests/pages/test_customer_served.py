"""The customer's journey in chromium against real server processes: ``ascc center serve``
(gunicorn) and a store in gsp mode (``ascc store serve``, the same pages served by a store that
issues itself). Each process writes its log to a file; the holder secret is in no line of it."""

from __future__ import annotations

import json
import secrets
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
from tests.common.hub import Party, event_body
from tests.common.settings import store_config
from tests.pages.browser import Shots
from tests.pages.journey import STEPS, Site, walk
from tests.pages.live import PROGRAMS

pytestmark = pytest.mark.slow
SHOP = "pages.myshopify.com"
WEBHOOK_SECRET = "shpss_pages_secret"
PROVIDER = ["--name", "Fixit", "--categories", "repair,support", "--region", "Berlin"]


@pytest.fixture
def stopping() -> Iterator[list[Service]]:
    started: list[Service] = []
    yield started
    for service in started:
        service.stop()


def assert_secret_not_logged(log: Path, voucher: dict[str, Any], access: bool = True) -> None:
    """``access``: the process logs one line per request (the hub does; a store logs its
    start and its errors only)."""
    text = log.read_text(errors="replace")
    if access:
        assert "GET /v/<voucher_id>/state 200" in text and "/ws/cases/" in text
    secret = voucher["holder_secret"]
    assert secret not in text and secret.removeprefix("hld_") not in text


def signed_order(url: str, gsp: dict[str, Any]) -> dict[str, Any]:
    """A paid order posted to the hub as its store would; the repair voucher it issued."""
    party = Party(str(gsp["gsp_id"]), str(gsp["api_key"]), str(gsp["signing_secret"]), SHOP)
    body = event_body(party, programs=PROGRAMS, price="129.00")
    headers = standard_headers(party.secret, f"msg_{secrets.token_hex(8)}", int(time.time()), body)
    headers |= {"ASCC-Domain": SHOP, "ASCC-Event": "order.paid"}
    headers["Content-Type"] = "application/json"
    answer = requests.post(f"{url}/api/v1/events", data=body, headers=headers, timeout=15)
    assert answer.status_code == 200, answer.text
    return next(v for v in answer.json()["vouchers"] if v["program"] == "repair-12m")


def test_the_journey_against_ascc_center_serve(
    tmp_path: Path, phone: BrowserContext, shots: Shots, stopping: list[Service]
) -> None:
    center = center_service(tmp_path / "center", workers=1)
    center.env = {**center.env, "ASCC_HUB_INCENTIVE_HOLD_HOURS": "0"}  # redeem at once
    run_ascc(["center", "init-db"], center.env)
    gsp = ascc_json(
        ["center", "add-gsp", "--name", "Shop", "--platform", "shopify", "--shop", SHOP],
        center.env,
    )
    provider = ascc_json(["center", "add-provider", *PROVIDER], center.env)
    stopping.append(center.start())
    voucher = signed_order(center.url, gsp)
    assert voucher["holder_url"] == f"{center.url}/v/{voucher['id']}#{voucher['holder_secret']}"
    site = Site(center.url, str(provider["provider_id"]), str(provider["api_key"]))
    walk(phone.new_page(), site, voucher, shots)
    assert len(shots.taken) == STEPS
    assert_secret_not_logged(center.log, voucher)


def test_the_journey_against_a_store_in_gsp_mode(
    tmp_path: Path, phone: BrowserContext, shots: Shots, stopping: list[Service]
) -> None:
    keys = tmp_path / "keys"
    generate_key(keys)
    config = store_config(
        tmp_path / "store",
        store={"shop": SHOP, "mode": "gsp", "webhook_secret": WEBHOOK_SECRET},
        delivery={"channels": ["log"]},
        programs=PROGRAMS,
        keys={"dir": str(keys)},
        gsp={"incentive_hold_hours": 0},
    )
    store = store_service(config, workers=1)
    stopping.append(store.start())
    env = {
        "ASCC_DATABASE_URL": f"sqlite:///{config.parent / 'ascc-gsp.sqlite'}",
        "ASCC_KEYS_DIR": str(keys),
    }
    provider = ascc_json(["center", "add-provider", *PROVIDER], env)
    now = datetime.now(UTC)
    spec = OrderSpec(
        id=990001,
        lines=(LineSpec(id=11, title="Washer", quantity=1, price="129.00", sku="WASH"),),
        customer=CustomerSpec(id=3, email="grace@example.com", first_name="Grace"),
        created_at=now,
        updated_at=now,
        paid=True,
    )
    shop = ShopifyEmulator(WEBHOOK_SECRET, shop=SHOP)
    assert shop.order_request("orders/paid", spec).send(store.url).status_code == 200
    voucher = delivered_repair(config.parent / "ascc-deliveries.jsonl")
    assert voucher["holder_url"].startswith(f"{store.url}/v/")
    site = Site(store.url, str(provider["provider_id"]), str(provider["api_key"]))
    walk(phone.new_page(), site, voucher, shots)
    assert len(shots.taken) == STEPS
    assert_secret_not_logged(store.log, voucher, access=False)


def delivered_repair(log: Path) -> dict[str, Any]:
    """The repair voucher the store's ``log`` delivery channel handed over."""

    def found() -> dict[str, Any] | None:
        lines = log.read_text().splitlines() if log.exists() else []
        vouchers = [json.loads(line)["voucher"] for line in lines]
        return next((v for v in vouchers if v["program"] == "repair-12m"), None)

    return poll_until(found, str(log), 20)
