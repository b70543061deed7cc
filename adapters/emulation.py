"""Order and product descriptions and signed requests shared by the storefront emulators.

An emulator (``adapters/<platform>/emulator.py``) renders an :class:`OrderSpec` or a
:class:`ProductSpec` in its platform's own webhook format and signs the exact bytes, as the
storefront would. Tests,
``ascc demo`` and the simulator use them to drive a store service over real HTTP.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import requests


@dataclass(frozen=True)
class LineSpec:
    id: int
    title: str
    quantity: int
    price: str  # decimal string, e.g. "199.00"
    sku: str | None = None
    product_id: int | None = None
    vendor: str | None = None

    def total(self) -> Decimal:
        return Decimal(self.price) * self.quantity


@dataclass(frozen=True)
class RefundSpec:
    id: int
    lines: Mapping[int, int]  # line id → units taken back
    created_at: datetime


@dataclass(frozen=True)
class CustomerSpec:
    id: int | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class OrderSpec:
    """An order's state, platform-neutral; :meth:`evolve` gives the next state."""

    id: int
    lines: tuple[LineSpec, ...]
    currency: str = "USD"
    number: int = 1001
    paid: bool = False
    fulfilled: bool = False
    cancelled: bool = False
    refunds: tuple[RefundSpec, ...] = ()
    customer: CustomerSpec | None = None
    created_at: datetime = datetime(2025, 4, 2, 16, 0, tzinfo=UTC)
    updated_at: datetime = datetime(2025, 4, 2, 16, 0, tzinfo=UTC)

    def evolve(self, **changes: Any) -> OrderSpec:
        return dataclasses.replace(self, **changes)

    def total(self) -> Decimal:
        return sum((line.total() for line in self.lines), Decimal("0.00"))

    def refunded(self) -> dict[int, int]:
        units: dict[int, int] = {}
        for refund in self.refunds:
            for line_id, quantity in refund.lines.items():
                units[line_id] = units.get(line_id, 0) + quantity
        return units

    def fully_refunded(self) -> bool:
        refunded = self.refunded()
        return bool(self.lines) and all(
            refunded.get(line.id, 0) >= line.quantity for line in self.lines
        )


@dataclass(frozen=True)
class ProductSpec:
    """A product, platform-neutral: what its webhooks and its API listing show."""

    id: int
    title: str
    price: str = "10.00"
    product_type: str = ""
    vendor: str = ""
    tags: tuple[str, ...] = ()
    collections: tuple[str, ...] = ()  # Shopify only (API listing; webhooks carry none)
    categories: tuple[str, ...] = ()  # Shopify: its taxonomy category (one); WooCommerce: many
    sku: str = ""
    updated_at: datetime = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)

    def evolve(self, **changes: Any) -> ProductSpec:
        return dataclasses.replace(self, **changes)


def php_number(value: Any) -> float:
    """JSON ``default=`` hook: a ``Decimal`` written as the storefront's PHP/JS float would be.

    Emulators only: storefronts hold such numbers as binary floats, so this is their wire text.
    The receiving side never turns a number into a float (``adapters.payload``).
    """
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


@dataclass(frozen=True)
class SignedRequest:
    """One webhook request as the storefront sends it: path, headers and the exact body."""

    path: str
    headers: dict[str, str]
    body: bytes = field(repr=False)

    def send(
        self, base_url: str, session: requests.Session | None = None, timeout: float = 5.0
    ) -> requests.Response:
        """POST the exact bytes to ``base_url`` + path (no redirects)."""
        poster = session or requests
        return poster.post(
            base_url.rstrip("/") + self.path,
            data=self.body,
            headers=self.headers,
            timeout=timeout,
            allow_redirects=False,
        )
