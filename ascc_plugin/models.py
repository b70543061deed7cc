"""Canonical order events (DESIGN §3): what every adapter produces and every handler reads.

JSON field names are the contract. Storefront ids are strings (64-bit ids never pass through a
float); money is :data:`~ascc_plugin.money.Amount`; quantities are whole units.
"""

from __future__ import annotations

from collections import Counter
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ascc_plugin.money import Amount

EventKind = Literal[
    "order.created",
    "order.paid",
    "order.fulfilled",
    "order.cancelled",
    "order.refunded",
    "order.updated",
]

Id = Field(min_length=1, max_length=200)


class Canonical(BaseModel):
    """Base of the canonical models: immutable, and unknown fields are an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class GspRef(Canonical):
    """The store (goods-and-services provider) an event comes from."""

    platform: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$", examples=["shopify"])
    shop: str = Field(min_length=1, max_length=255, examples=["demo.myshopify.com"])


class Customer(Canonical):
    """The buyer; every field may be missing (guest checkouts, redacted records)."""

    id: str | None = None
    email: str | None = None
    phone: str | None = None
    name: str | None = None


class Line(Canonical):
    """One order line: ``quantity`` whole units at ``unit_price`` each.

    Storefront order lines carry no product type, tags, collections or categories: the store
    service fills them (and ``vendor`` when missing) from its product catalog before programs
    match, and sets ``catalog`` on the lines it completed (README "Product catalog").
    """

    id: str = Id
    sku: str | None = None
    product_id: str | None = None
    title: str = ""
    quantity: int = Field(ge=0)
    unit_price: Amount
    product_type: str | None = None
    vendor: str | None = None
    tags: tuple[str, ...] = ()
    collections: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    catalog: bool = False


class RefundLine(Canonical):
    """How many units of one line a refund took back."""

    line_id: str = Id
    quantity: int = Field(ge=0)


class Refund(Canonical):
    id: str = Id
    created_at: AwareDatetime
    lines: tuple[RefundLine, ...] = ()


class Order(Canonical):
    """An order's current state: entitlement is computed from this, never from an event kind."""

    id: str = Id
    number: str | None = None
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    total: Amount
    placed_at: AwareDatetime
    paid: bool = False
    fulfilled: bool = False
    cancelled: bool = False
    customer: Customer | None = None
    lines: tuple[Line, ...] = ()
    refunds: tuple[Refund, ...] = ()

    def refunded_units(self) -> Counter[str]:
        """Units refunded per line id, capped at the line's quantity; unknown lines are ignored."""
        quantities = {line.id: line.quantity for line in self.lines}
        refunded: Counter[str] = Counter()
        for refund in self.refunds:
            for item in refund.lines:
                if item.line_id in quantities:
                    refunded[item.line_id] += item.quantity
        return Counter({k: min(v, quantities[k]) for k, v in refunded.items() if v})


class OrderEvent(Canonical):
    """One storefront delivery, mapped: what happened, to which store, and the order's state."""

    event_id: str = Id
    kind: EventKind
    occurred_at: AwareDatetime
    gsp: GspRef
    order: Order
