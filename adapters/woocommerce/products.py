"""WooCommerce products → :class:`adapters.products.ProductUpdate` (pure: no I/O, no clock).

``product.created`` / ``product.updated`` / ``product.restored`` bodies are the REST v3 product
object — the very items ``GET /wp-json/wc/v3/products`` lists, so webhooks and
``ascc store sync-products`` share one mapping: ``name``, ``price`` (a string),
``categories[].name``, ``tags[].name``, ``brands[].name`` (WooCommerce 9.6 and later; taken as
the vendor) and ``date_modified_gmt`` (naive UTC). ``product.deleted`` is ``{"id": N}``.
WooCommerce has no product type (its ``type`` is simple/variable/grouped, not a kind of goods):
match WooCommerce products on ``category`` or ``tag``.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from adapters.payload import PayloadError, id_str, items, obj, opt_text
from adapters.products import Product, ProductUpdate, names
from adapters.updates import parse_time

TOPICS = frozenset({"product.created", "product.updated", "product.deleted", "product.restored"})


def product_update(topic: str, payload: Any, now: datetime) -> ProductUpdate:
    """A verified ``product.*`` delivery; ``now`` stamps a deletion (its body has no time)."""
    body = obj(payload, "the body")
    if topic == "product.deleted":
        return ProductUpdate(id_str(body.get("id"), "id"), now)
    update = rest_update(body, "the body")
    if topic == "product.restored":
        return ProductUpdate(update.product_id, update.modified, update.product, restored=True)
    return update


def rest_update(payload: Any, where: str) -> ProductUpdate:
    """One REST v3 product object (a webhook body or an item of the products list)."""
    body = obj(payload, where)
    if "line_items" in body or not isinstance(body.get("name"), str):
        raise PayloadError(f"{where}: name is missing: not a product")
    product_id = id_str(body.get("id"), f"{where}.id")
    product = Product(
        id=product_id,
        title=html.unescape(body["name"]),
        vendor=first_name(body.get("brands"), f"{where}.brands"),
        tags=term_names(body.get("tags"), f"{where}.tags"),
        categories=term_names(body.get("categories"), f"{where}.categories"),
        price=opt_text(body.get("price")),
    )
    return ProductUpdate(product_id, modified_at(body, where), product)


def modified_at(body: Mapping[str, Any], where: str) -> datetime:
    for key in ("date_modified_gmt", "date_modified", "date_created_gmt", "date_created"):
        if body.get(key):
            return parse_time(body[key], f"{where}.{key}", naive_is_utc=True)
    raise PayloadError(f"{where}: date_modified_gmt is missing: not a product")


def term_names(value: Any, where: str) -> tuple[str, ...]:
    """The ``name`` of each term (category, tag, brand): ``[{"id", "name", "slug"}, …]``."""
    found = [item.get("name") for item in items(value, where)]
    return names([html.unescape(name) for name in found if isinstance(name, str)])


def first_name(value: Any, where: str) -> str | None:
    found = term_names(value, where)
    return found[0] if found else None
