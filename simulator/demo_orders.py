"""The demo's orders, sent as the storefronts would, and the vouchers they must yield.

The expected vouchers are computed the way the store service computes them: the adapter's own
parsing and mapping of the exact bytes sent, then :func:`ascc_plugin.issuing.entitled_units` with
the store's programs. The store holds none of the center's keys, so vouchers are compared by what
they cover — (order, line, unit, program) — and the demo checks that the center issued exactly
those, each once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from adapters.emulation import CustomerSpec, LineSpec, OrderSpec, RefundSpec, SignedRequest
from adapters.payload import parse_json
from adapters.shopify import mapping as shopify_mapping
from adapters.shopify.emulator import ShopifyEmulator
from adapters.woocommerce import mapping as woo_mapping
from adapters.woocommerce.emulator import WooCommerceEmulator
from ascc_plugin.issuing import UnitKey, entitled_keys
from ascc_plugin.models import Order
from ascc_plugin.settings import load_settings
from simulator.demo_world import Store

WOO_SITE = "https://shop.example.com"
TV_LINE = 13_901


def shopify_order(now: datetime) -> OrderSpec:
    """A paid Shopify order, placed an hour before ``now``: a TV, two soundbars, two cables."""
    return OrderSpec(
        id=5_840_117_301_422,
        number=1042,
        lines=(
            LineSpec(
                id=TV_LINE, title="OLED TV 55/4K", quantity=1, price="899.00", sku="TV-55-OLED"
            ),
            LineSpec(id=13_902, title="Soundbar", quantity=2, price="249.00", sku="SB-200"),
            LineSpec(id=13_903, title="HDMI cable", quantity=2, price="19.90", sku="HDMI-2M"),
        ),
        customer=CustomerSpec(
            id=7001, email="ana@example.com", first_name="Ana", last_name="Silva"
        ),
        created_at=now - timedelta(hours=1),
        updated_at=now - timedelta(minutes=55),
        paid=True,
    )


def shopify_refund(now: datetime) -> RefundSpec:
    """One of the two soundbars taken back."""
    return RefundSpec(id=88_001, lines={13_902: 1}, created_at=now - timedelta(minutes=5))


def woo_order(now: datetime) -> OrderSpec:
    """A pending WooCommerce order (a laptop and a mouse); ``.evolve(paid=True, …)`` pays it."""
    return OrderSpec(
        id=731,
        lines=(
            LineSpec(id=51, title="Laptop 14″", quantity=1, price="1299.00", sku="LT-14"),
            LineSpec(id=52, title="Mouse", quantity=1, price="25.00", sku="MS-1"),
        ),
        customer=CustomerSpec(id=12, email="ben@example.com", first_name="Ben", last_name="Okafor"),
        created_at=now - timedelta(hours=1),
        updated_at=now - timedelta(hours=1),
    )


def shopify_emulator(store: Store) -> ShopifyEmulator:
    return ShopifyEmulator(store.webhook_secret, store.shop)


def woo_emulator(store: Store) -> WooCommerceEmulator:
    return WooCommerceEmulator(store.webhook_secret, WOO_SITE)


def post(request: SignedRequest, store: Store) -> dict[str, Any]:
    """Send one signed delivery; the store's JSON answer with the HTTP status added."""
    response = request.send(store.url, timeout=10)
    answer: dict[str, Any] = {"http": response.status_code}
    if response.headers.get("Content-Type", "").endswith("json"):
        answer.update(response.json())
    return answer


def order_of(request: SignedRequest) -> Order:
    """The canonical order in an order delivery's exact bytes, mapped by the adapter's own code."""
    payload = parse_json(request.body)
    if request.path.endswith("/shopify"):
        return shopify_mapping.map_order(payload)
    return woo_mapping.map_order(payload)


def expected_units(store: Store, request: SignedRequest) -> list[UnitKey]:
    """The units the store's rules entitle the order in ``request`` (the store's own code)."""
    settings = load_settings(store.config, env={})
    return entitled_keys(order_of(request), settings.programs, settings.store.issue_on)
