"""Outbound webhooks in ``gsp`` mode behave as at the hub: real processes on loopback — a hub
(``ascc center serve``) and a store issuing itself (``ascc store serve``, mode ``gsp``) — each
with a subscriber; the same lifecycle on both gives the same events, delivered by
``ascc center worker --once`` run against each one's database."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import requests

from adapters.emulation import CustomerSpec, LineSpec, OrderSpec
from adapters.shopify.emulator import ShopifyEmulator
from ascc_plugin.keys import generate_key
from ascc_plugin.signatures import standard_headers
from simulator.services import ascc_json, center_service, poll_until, run_ascc, store_service
from tests.common.settings import store_config
from tests.common.subscriber import Subscriber

SHOP = "hooks.myshopify.com"
SECRET = "shpss_hooks"
PROGRAMS = [{"id": "support-24m", "kind": "support", "term_months": 24}]
LOOPBACK = {"ASCC_HUB_WEBHOOK_ALLOW_HTTP": "true", "ASCC_HUB_WEBHOOK_ALLOW_NETWORKS": "127.0.0.0/8"}
EXPECTED = ["voucher.issued", "voucher.activated", "voucher.assigned", "voucher.redeemed"]


def subscribe(base: str, key: str, receiver: Subscriber) -> None:
    body = {"url": receiver.url, "event_types": ["*"]}
    answer = requests.post(
        f"{base}/api/v1/webhooks", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    receiver.secret = answer.json()["secret"]


def walk(base: str, voucher: dict[str, Any], provider: dict[str, Any]) -> None:
    holder = {"Authorization": f"Bearer {voucher['holder_secret']}"}
    own = {"Authorization": f"Bearer {provider['api_key']}"}
    url = f"{base}/api/v1/vouchers/{voucher['id']}"
    for path, headers, body in (
        ("/activate", holder, None),
        ("/assign", holder, {"provider_id": provider["provider_id"]}),
        ("/redeem", own, {"token": voucher["token"]}),
    ):
        assert requests.post(url + path, json=body, headers=headers, timeout=10).status_code == 200


def hub_event(gsp: dict[str, Any]) -> bytes:
    event = {
        "event_id": "evt-1",
        "kind": "order.paid",
        "occurred_at": "2026-11-02T10:15:00+00:00",
        "gsp": {"platform": "shopify", "shop": SHOP},
        "order": {
            "id": "1",
            "number": "1",
            "currency": "EUR",
            "total": "10.00",
            "placed_at": "2026-11-02T10:12:44+00:00",
            "paid": True,
            "customer": {"email": "a@example.com"},
            "lines": [{"id": "L1", "title": "Hose", "quantity": 1, "unit_price": "10.00"}],
        },
    }
    return json.dumps({"event": event, "programs": PROGRAMS}).encode()


def center_side(root: Path, keys: Path, receiver: Subscriber) -> str:
    center = center_service(root / "center")
    center.env = {**center.env, "ASCC_KEYS_DIR": str(keys), **LOOPBACK}
    run_ascc(["center", "init-db"], center.env)
    gsp = ascc_json(
        ["center", "add-gsp", "--name", "H", "--platform", "shopify", "--shop", SHOP], center.env
    )
    provider = ascc_json(
        ["center", "add-provider", "--name", "P", "--categories", "support"], center.env
    )
    center.start()
    try:
        subscribe(center.url, str(gsp["api_key"]), receiver)
        body = hub_event(gsp)
        signed = standard_headers(str(gsp["signing_secret"]), "msg_1", int(time.time()), body)
        answer = requests.post(
            f"{center.url}/api/v1/events",
            data=body,
            headers={"ASCC-Domain": SHOP, **signed},
            timeout=10,
        )
        (voucher,) = answer.json()["vouchers"]
        walk(center.url, voucher, provider)
    finally:
        center.stop()
    run_ascc(["center", "worker", "--once"], center.env)
    return str(voucher["id"])


def gsp_side(root: Path, keys: Path, receiver: Subscriber) -> str:
    config = store_config(
        root / "store",
        store={"shop": SHOP, "mode": "gsp", "webhook_secret": SECRET},
        keys={"dir": str(keys)},
        gsp={"webhook_allow_http": True, "webhook_allow_networks": ["127.0.0.0/8"]},
        delivery={"channels": ["log"]},
        programs=PROGRAMS,
    )
    env = {
        "ASCC_DATABASE_URL": f"sqlite:///{config.parent / 'ascc-gsp.sqlite'}",
        "ASCC_KEYS_DIR": str(keys),
        **LOOPBACK,
    }
    store = store_service(config).start()
    try:
        provider = ascc_json(
            ["center", "add-provider", "--name", "P", "--categories", "support"], env
        )
        owner = json.loads((keys / "gsp-credentials.json").read_text())
        subscribe(store.url, owner["api_key"], receiver)
        spec = OrderSpec(
            id=1,
            lines=(LineSpec(id=1, title="Hose", quantity=1, price="10.00"),),
            customer=CustomerSpec(id=1, email="a@example.com"),
            paid=True,
        )
        assert (
            ShopifyEmulator(SECRET, shop=SHOP)
            .order_request("orders/paid", spec)
            .send(store.url)
            .status_code
            == 200
        )
        log = config.parent / "ascc-deliveries.jsonl"
        line = poll_until(
            lambda: log.read_text().splitlines() if log.exists() else None, "delivery", 20
        )
        voucher = json.loads(line[0])["voucher"]
        walk(store.url, voucher, provider)
    finally:
        store.stop()
    run_ascc(["center", "worker", "--once"], env)
    return str(voucher["id"])


def test_gsp_mode_sends_the_same_webhooks_as_the_hub(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    generate_key(keys)
    at_hub, at_store = Subscriber().up(), Subscriber().up()
    try:
        hub_voucher = center_side(tmp_path, keys, at_hub)
        store_voucher = gsp_side(tmp_path, keys, at_store)
        assert at_hub.types_of(hub_voucher) == at_store.types_of(store_voucher) == EXPECTED
        assert all(d.verified for d in at_hub.got + at_store.got)
    finally:
        at_hub.down()
        at_store.down()
