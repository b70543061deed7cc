"""A poison event never holds a store's pipeline up (real processes, ``center`` mode).

The store itself now refuses an over-long customer name at intake (400), so the poison entry is
queued as an older store version would have queued it: written straight into the outbox through
``Outbox.enqueue`` with a body the hub refuses (a 241-character name, over the hub's bound).
Queued while the hub is down, before a customers/redact for another customer and before more
orders; then the hub starts. The poison entry is parked with the hub's reason, the erasure
still goes out and is applied, and every other event's vouchers exist.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from adapters.emulation import CustomerSpec
from adapters.shopify.emulator import ShopifyEmulator
from ascc_plugin.client.outbox import Outbox
from ascc_plugin.client.settings import CenterSection
from ascc_plugin.settings import load_settings
from simulator.stack import outbox_status

pytestmark = pytest.mark.slow

DRAIN_SECONDS = 30
POISON_ORDER = "7999999999"


def poison_body(shop: str, programs: Any) -> bytes:
    """An event's bytes as a store posts them, the customer's name longer than the hub stores."""
    event = {
        "event_id": "poison-1",
        "kind": "order.paid",
        "occurred_at": "2025-04-02T16:00:00+00:00",
        "gsp": {"platform": "shopify", "shop": shop},
        "order": {
            "id": POISON_ORDER,
            "currency": "USD",
            "total": "129.00",
            "placed_at": "2025-04-02T16:00:00+00:00",
            "paid": True,
            "customer": {"id": "77", "email": None, "phone": None, "name": "N" * 241},
            "lines": [{"id": "1", "title": "TV", "quantity": 1, "unit_price": "129.00"}],
        },
    }
    listed = [program.model_dump(mode="json") for program in programs]
    return json.dumps({"event": event, "programs": listed}).encode()


def orders_at_hub(view: Any) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for item in view.records():
        found.setdefault(item["order_id"], []).append(item)
    return found


def test_a_poison_event_is_parked_and_holds_back_no_erasure(stack: Any, kit: Any) -> None:
    pair = stack()  # the hub is prepared but down: everything below is queued first
    shop = pair.registration.shop
    emulator = ShopifyEmulator(kit.WEBHOOK_SECRET, shop)
    ada = replace(kit.order_spec(1), customer=CustomerSpec(id=901, email="ada@example.com"))
    bob = replace(kit.order_spec(2), customer=CustomerSpec(id=902, email="bob@example.com"))
    eve = replace(kit.order_spec(3), customer=CustomerSpec(id=903, email="eve@example.com"))
    assert pair.send([emulator.order_request("orders/paid", s) for s in (ada, bob)]) == [200, 200]

    settings = load_settings(pair.config, env={})
    outbox = Outbox(settings.section(CenterSection).outbox)
    body = poison_body(shop, settings.programs)
    assert outbox.enqueue("msg_poison", "order.paid", shop, f"shopify:{shop}:{POISON_ORDER}", body)
    outbox.close()

    redact = emulator.request(
        "customers/redact",
        {
            "shop_id": 1,
            "shop_domain": shop,
            "customer": {"id": 902, "email": "bob@example.com", "phone": None},
            "orders_to_redact": [bob.id],
        },
    )
    assert pair.send([redact, emulator.order_request("orders/paid", eve)]) == [200, 200]
    pair.center.start()

    view = pair.view()
    kit.wait_for(
        lambda: outbox_status(pair.config)["counts"]["pending"] == 0, DRAIN_SECONDS, "drained"
    )
    status = outbox_status(pair.config)
    assert status["counts"] == {"pending": 0, "sent": 4, "parked": 1}
    (parked,) = status["entries"]
    assert parked["webhook_id"] == "msg_poison" and parked["state"] == "parked"
    assert parked["last_error"].startswith("HTTP 422: ") and "name" in parked["last_error"]

    orders = orders_at_hub(view)
    assert POISON_ORDER not in orders
    for spec in (ada, bob, eve):
        assert orders[str(spec.id)], f"order {spec.id} has no vouchers at the hub"
    blank = {"email": None, "name": None, "phone": None}
    assert all(item["customer"] == blank for item in orders[str(bob.id)])  # the erasure landed
    assert orders[str(ada.id)][0]["customer"]["email"] == "ada@example.com"
    view.close()
