"""Shopify's ``customers/redact`` in ``center`` mode reaches the hub (real processes).

A real ``ascc center serve`` and ``ascc store serve`` (mode ``center``): two customers buy; the
storefront sends ``customers/redact`` for the first one's order; the store forwards it through
its outbox to ``POST /api/v1/privacy``, and the hub's records of that order lose the name,
e-mail and phone, while the other customer's records stay as they were.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from adapters.emulation import CustomerSpec
from adapters.shopify.emulator import ShopifyEmulator
from simulator.stack import outbox_status

pytestmark = pytest.mark.slow

DRAIN_SECONDS = 15


def customers_by_order(view: Any) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for item in view.records():
        found.setdefault(item["order_id"], []).append(item["customer"])
    return found


def test_customers_redact_erases_the_hubs_records_of_that_customer_only(
    stack: Any, kit: Any
) -> None:
    pair = stack()
    pair.center.start()
    shop = pair.registration.shop
    emulator = ShopifyEmulator(kit.WEBHOOK_SECRET, shop)
    ada = replace(
        kit.order_spec(1),
        customer=CustomerSpec(id=901, email="ada@example.com", first_name="Ada", phone="+4930111"),
    )
    bob = replace(
        kit.order_spec(2),
        customer=CustomerSpec(id=902, email="bob@example.com", first_name="Bob", phone="+4930222"),
    )
    paid = [emulator.order_request("orders/paid", spec) for spec in (ada, bob)]
    assert pair.send(paid) == [200, 200]
    view = pair.view()
    kit.wait_for(lambda: len(customers_by_order(view)) == 2, DRAIN_SECONDS, "both orders")
    before = customers_by_order(view)
    assert before[str(ada.id)][0]["email"] == "ada@example.com"

    redact = emulator.request(
        "customers/redact",
        {
            "shop_id": 1,
            "shop_domain": shop,
            "customer": {"id": 901, "email": "ada@example.com", "phone": "+4930111"},
            "orders_to_redact": [ada.id],
        },
    )
    assert pair.send([redact, redact]) == [200, 200]  # a storefront repeat changes nothing

    blank = {"email": None, "name": None, "phone": None}
    kit.wait_for(
        lambda: all(c == blank for c in customers_by_order(view)[str(ada.id)]),
        DRAIN_SECONDS,
        "ada's records erased at the hub",
    )
    after = customers_by_order(view)
    assert after[str(bob.id)] == before[str(bob.id)]
    assert after[str(bob.id)][0]["email"] == "bob@example.com"
    status = outbox_status(pair.config)
    assert status["counts"] == {"pending": 0, "sent": 3, "parked": 0}  # 2 orders, 1 erasure
    view.close()
