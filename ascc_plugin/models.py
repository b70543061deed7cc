"""Canonical order events (DESIGN §3): what every adapter produces and every handler reads.

JSON field names are the contract. Storefront ids are strings (64-bit ids never pass through a
float); money is :data:`~ascc_plugin.money.Price`; quantities are whole units, strictly
integers (``true`` is not a quantity).

Every field is bounded here, and only here: the hub's columns are at least as wide as these
bounds (``tests/center/test_bounds.py`` compares them), so an event the models accept is an
event every database stores, and the store refuses at intake what the hub would refuse. Times
lie between :data:`EARLIEST` and :data:`LATEST` (a year-9999 order would overflow the end of
its vouchers' term).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StrictInt

from ascc_plugin.money import Price

EventKind = Literal[
    "order.created",
    "order.paid",
    "order.fulfilled",
    "order.cancelled",
    "order.refunded",
    "order.updated",
]

MAX_ID = 200  # order, line, refund, customer and event ids
MAX_SHOP = 255
MAX_NAME = 200
MAX_EMAIL = 254  # RFC 5321's longest usable address
MAX_PHONE = 50
MAX_TEXT = 255  # sku, product type, vendor, tag, order number
MAX_TITLE = 1000
MAX_UNITS = 100_000  # per line: one voucher per unit must stay bounded
MAX_LINES = 1000
MAX_REFUNDS = 1000
MAX_TAGS = 100
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)

Id = Field(min_length=1, max_length=MAX_ID)
Text = Annotated[str, Field(max_length=MAX_TEXT)]


def in_range(moment: datetime) -> datetime:
    if not EARLIEST <= moment < LATEST:
        raise ValueError(f"a time between {EARLIEST.year} and {LATEST.year - 1}")
    return moment


Moment = Annotated[AwareDatetime, AfterValidator(in_range)]
"""An ISO 8601 time with an offset, within :data:`EARLIEST` … :data:`LATEST`."""
Units = Annotated[StrictInt, Field(ge=0, le=MAX_UNITS)]


class Canonical(BaseModel):
    """Base of the canonical models: immutable, and unknown fields are an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class GspRef(Canonical):
    """The store (goods-and-services provider) an event comes from."""

    platform: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,31}$", examples=["shopify"])
    shop: str = Field(min_length=1, max_length=MAX_SHOP, examples=["demo.myshopify.com"])


class Customer(Canonical):
    """The buyer; every field may be missing (guest checkouts, redacted records)."""

    id: str | None = Field(default=None, max_length=MAX_ID)
    email: str | None = Field(default=None, max_length=MAX_EMAIL)
    phone: str | None = Field(default=None, max_length=MAX_PHONE)
    name: str | None = Field(default=None, max_length=MAX_NAME)


class Line(Canonical):
    """One order line: ``quantity`` whole units at ``unit_price`` each.

    Storefront order lines carry no product type, tags, collections or categories: the store
    service fills them (and ``vendor`` when missing) from its product catalog before programs
    match, and sets ``catalog`` on the lines it completed (README "Product catalog").
    """

    id: str = Id
    sku: Text | None = None
    product_id: str | None = Field(default=None, max_length=MAX_ID)
    title: str = Field(default="", max_length=MAX_TITLE)
    quantity: Units
    unit_price: Price
    product_type: Text | None = None
    vendor: Text | None = None
    tags: tuple[Text, ...] = Field(default=(), max_length=MAX_TAGS)
    collections: tuple[Text, ...] = Field(default=(), max_length=MAX_TAGS)
    categories: tuple[Text, ...] = Field(default=(), max_length=MAX_TAGS)
    catalog: bool = False


class RefundLine(Canonical):
    """How many units of one line a refund took back."""

    line_id: str = Id
    quantity: Units


class Refund(Canonical):
    id: str = Id
    created_at: Moment
    lines: tuple[RefundLine, ...] = Field(default=(), max_length=MAX_LINES)


class Order(Canonical):
    """An order's current state: entitlement is computed from this, never from an event kind."""

    id: str = Id
    number: Text | None = None
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    total: Price
    placed_at: Moment
    paid: bool = False
    fulfilled: bool = False
    cancelled: bool = False
    customer: Customer | None = None
    lines: tuple[Line, ...] = Field(default=(), max_length=MAX_LINES)
    refunds: tuple[Refund, ...] = Field(default=(), max_length=MAX_REFUNDS)

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
    occurred_at: Moment
    gsp: GspRef
    order: Order
