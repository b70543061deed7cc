"""Products, platform-neutral: what the catalog knows of one product, and how it completes lines.

Storefront order lines carry no product type, tags, collections or categories (NOTES.md), so
the store keeps a catalog fed by product webhooks and ``ascc store sync-products``. A product
mapping (``adapters/<platform>/products.py``) turns a product body into a :class:`ProductUpdate`;
:func:`enrich_order` completes an order's lines from the products it names (pure functions).

Facts a line already carries win (a canonical event may carry them); ``vendor`` is filled only
when missing; ``tags`` are the union. A line whose product is unknown is left as the order has
it, with ``catalog`` false.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from ascc_plugin.models import Line, Order

MAX_NAMES = 250  # tags, collections or categories kept per product (Shopify allows 250 tags)
MAX_NAME_LENGTH = 255


@dataclass(frozen=True)
class Product:
    """One product's facts. ``collections`` is ``None`` when the payload did not say (Shopify's
    product webhooks carry none: the stored ones are kept)."""

    id: str
    title: str = ""
    product_type: str | None = None
    vendor: str | None = None
    tags: tuple[str, ...] = ()
    collections: tuple[str, ...] | None = ()
    categories: tuple[str, ...] = ()
    price: str | None = None


@dataclass(frozen=True)
class ProductUpdate:
    """News about one product: its facts as of ``modified``, or its deletion (``product`` None)."""

    product_id: str
    modified: datetime
    product: Product | None = None
    restored: bool = False  # WooCommerce product.restored: undeletes whatever the times say

    @property
    def deleted(self) -> bool:
        return self.product is None


def names(values: object) -> tuple[str, ...]:
    """Distinct non-empty names in their first order, bounded (over-long ones are cut)."""
    if not isinstance(values, (list, tuple)):
        return ()
    seen: dict[str, None] = {}
    for value in values:
        if isinstance(value, str) and value.strip():
            seen.setdefault(value.strip()[:MAX_NAME_LENGTH], None)
    return tuple(seen)[:MAX_NAMES]


def stamp(moment: datetime) -> str:
    """A product version: UTC time with microseconds, so text order is time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def enrich_line(line: Line, product: Product) -> Line:
    """``line`` completed from ``product``; what the line already says is kept."""
    tags = line.tags + tuple(tag for tag in product.tags if tag not in line.tags)
    return line.model_copy(
        update={
            "product_type": line.product_type or product.product_type,
            "vendor": line.vendor or product.vendor,
            "tags": tags,
            "collections": line.collections or (product.collections or ()),
            "categories": line.categories or product.categories,
            "catalog": True,
        }
    )


def enrich_order(order: Order, products: Mapping[str, Product]) -> Order:
    """``order`` with every line whose product is in ``products`` (by line id) completed."""
    lines = tuple(
        enrich_line(line, products[line.id]) if line.id in products else line
        for line in order.lines
    )
    return order.model_copy(update={"lines": lines})
