"""The model's canonical orders as storefront orders, and their webhooks, signed.

An order the model places becomes an :class:`~adapters.emulation.OrderSpec` (ids are the
model's order number; line ``i`` of order ``n`` is ``n·1000 + i``; each line names the catalog
product of its product type) and is posted as the platform posts it: Shopify ``orders/paid``,
``orders/cancelled``, ``refunds/create``; WooCommerce ``order.updated`` with the whole state.
Each store's catalog is first announced with product webhooks, because a storefront's order
lines carry no product type: the store service learns it from its catalog, as in production
(WooCommerce has none at all: there the product types become categories, see
:func:`store_programs`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from adapters.emulation import (
    CustomerSpec,
    LineSpec,
    OrderSpec,
    ProductSpec,
    RefundSpec,
    SignedRequest,
)
from adapters.shopify.emulator import ShopifyEmulator
from adapters.woocommerce.emulator import WooCommerceEmulator
from ascc_plugin.models import Order
from simulator.scenario import Scenario
from simulator.scenario_sections import Store

LINES_PER_ORDER = 1000


def line_id(order_id: str, index: int) -> str:
    """The storefront id of the model's line ``index`` of order ``order_id``."""
    return str(int(order_id) * LINES_PER_ORDER + index)


def products_of(store: Store, scenario: Scenario) -> list[ProductSpec]:
    """One catalog product per product type the store sells (id: the type's index + 1)."""
    types = [p.product_type for p in scenario.products]
    made: dict[str, ProductSpec] = {}
    for item in store.catalog:
        if item.product_type not in made:
            made[item.product_type] = ProductSpec(
                id=types.index(item.product_type) + 1,
                title=item.product_type,
                product_type=item.product_type,
                vendor=item.vendor or "",
                tags=tuple(item.tags),
                categories=(item.product_type,) if store.platform == "woocommerce" else (),
            )
    return list(made.values())


def store_programs(store: Store, scenario: Scenario) -> list[dict[str, Any]]:
    """The store's ``[[programs]]``. WooCommerce has no product type: there the scenario's
    product types are the products' categories, and a program matching ``product_type`` matches
    the same values as ``category`` (the vouchers are the same)."""
    programs = [p.model_dump(mode="json", exclude_none=True) for p in scenario.programs]
    if store.platform != "woocommerce":
        return programs
    for program in programs:
        match = program.get("match", {})
        if "product_type" in match:
            match["category"] = match.pop("product_type")
    return programs


def order_spec(
    order: Order, info: list[tuple[int, int]], customer: int, placed_at: datetime
) -> OrderSpec:
    """The storefront's order; ``placed_at`` is the storefront's clock (the model's in virtual
    time, the wall clock in ``--live`` mode)."""
    lines = tuple(
        LineSpec(
            id=int(line_id(order.id, i)),
            title=line.product_type or "item",
            quantity=line.quantity,
            price=str(Decimal(cents).scaleb(-2).quantize(Decimal("0.01"))),
            product_id=product + 1,
            vendor=line.vendor,
        )
        for i, (line, (product, cents)) in enumerate(zip(order.lines, info, strict=True))
    )
    return OrderSpec(
        id=int(order.id),
        number=int(order.id),
        lines=lines,
        currency=order.currency,
        paid=True,
        fulfilled=True,
        customer=CustomerSpec(id=customer + 1, email=f"customer{customer}@customers.sim"),
        created_at=placed_at,
        updated_at=placed_at,
    )


class Storefront:
    """Signs a store's webhooks as its platform does (Shopify or WooCommerce)."""

    def __init__(self, store: Store, secret: str) -> None:
        self.platform = store.platform
        self.shopify = ShopifyEmulator(secret, store.shop)
        self.woo = WooCommerceEmulator(secret, f"https://{store.shop}")
        self.sent = 0

    def _ids(self) -> dict[str, str]:
        self.sent += 1
        return {"webhook_id": f"sim-{self.sent}", "event_id": f"sim-event-{self.sent}"}

    def product(self, spec: ProductSpec) -> SignedRequest:
        if self.platform == "woocommerce":
            return self.woo.product_request("product.created", spec)
        return self.shopify.product_request("products/create", spec, **self._ids())

    def paid(self, spec: OrderSpec) -> SignedRequest:
        if self.platform == "woocommerce":
            return self.woo.order_request("order.created", spec)
        return self.shopify.order_request("orders/paid", spec, **self._ids())

    def cancelled(self, spec: OrderSpec) -> SignedRequest:
        if self.platform == "woocommerce":
            return self.woo.order_request("order.updated", spec)
        return self.shopify.order_request("orders/cancelled", spec, **self._ids())

    def refunded(self, spec: OrderSpec, refund: RefundSpec) -> SignedRequest:
        if self.platform == "woocommerce":
            return self.woo.order_request("order.updated", spec)
        return self.shopify.refund_request(spec, refund, **self._ids())


def changed_spec(
    spec: OrderSpec, changed: Order, cancel: bool, now: datetime
) -> tuple[OrderSpec, RefundSpec | None]:
    """The storefront's order after the model's cancellation or one-unit refund."""
    if cancel:
        return spec.evolve(cancelled=True, updated_at=now), None
    model_refund = changed.refunds[-1]
    lines = {
        int(line_id(changed.id, int(r.line_id.rsplit("-", 1)[1]))): r.quantity
        for r in model_refund.lines
    }
    refund = RefundSpec(id=int(changed.id), lines=lines, created_at=now)
    return spec.evolve(refunds=(*spec.refunds, refund), updated_at=now), refund
