"""Shopify products → :class:`adapters.products.ProductUpdate` (pure: no I/O, no clock).

Two shapes carry the same facts:

* the ``products/create`` / ``products/update`` webhook body is the REST product resource:
  ``product_type``, ``vendor``, ``tags`` as one comma-separated string, ``variants[].price``,
  ``updated_at``, and (API 2024-10 and later) ``category`` ``{name, full_name, …}``. It has no
  collections: those the catalog keeps from the last sync. ``products/delete`` is ``{"id": N}``;
* a node of the GraphQL Admin ``products`` query (:data:`PRODUCTS_QUERY`, which
  ``ascc store sync-products`` pages through): ``legacyResourceId``, ``productType``, ``tags`` as
  a list, ``collections.nodes[].title``, ``category.name``, ``updatedAt``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from adapters.payload import PayloadError, id_str, items, obj, opt_text
from adapters.products import Product, ProductUpdate, names
from adapters.updates import parse_time

TOPICS = frozenset({"products/create", "products/update", "products/delete"})
COLLECTIONS_PER_PRODUCT = 25

PRODUCTS_QUERY = f"""
query Products($first: Int!, $after: String) {{
  products(first: $first, after: $after, sortKey: ID) {{
    nodes {{
      legacyResourceId
      title
      productType
      vendor
      tags
      updatedAt
      category {{ name }}
      collections(first: {COLLECTIONS_PER_PRODUCT}) {{ nodes {{ title }} }}
      priceRangeV2 {{ minVariantPrice {{ amount currencyCode }} }}
    }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
""".strip()


def product_update(topic: str, payload: Any, now: datetime | None) -> ProductUpdate:
    """A verified ``products/*`` delivery; ``now`` stamps a deletion (its body has no time)."""
    body = obj(payload, "the body")
    product_id = id_str(body.get("id"), "id")
    if topic == "products/delete":
        if now is None:
            raise PayloadError("a product deletion needs the delivery time")
        return ProductUpdate(product_id, now)
    return ProductUpdate(product_id, modified_at(body), webhook_product(body))


def modified_at(body: Mapping[str, Any]) -> datetime:
    return parse_time(body.get("updated_at") or body.get("created_at"), "updated_at")


def webhook_product(body: Mapping[str, Any]) -> Product:
    """The REST product resource of a webhook (an order body under a product topic is refused)."""
    if "line_items" in body or not isinstance(body.get("title"), str):
        raise PayloadError("title is missing: the body is not a product")
    variants = items(body.get("variants"), "variants")
    category = body.get("category")
    return Product(
        id=id_str(body.get("id"), "id"),
        title=body["title"],
        product_type=opt_text(body.get("product_type")),
        vendor=opt_text(body.get("vendor")),
        tags=split_tags(body.get("tags")),
        collections=None,
        categories=category_names(category),
        price=opt_text(variants[0].get("price")) if variants else None,
    )


def split_tags(value: Any) -> tuple[str, ...]:
    """Shopify's REST ``tags``: ``"a, b"`` (a list is taken as it is)."""
    if isinstance(value, str):
        return names(value.split(","))
    return names(value)


def category_names(category: Any) -> tuple[str, ...]:
    """The standard taxonomy category's name (``{"name": "Laptops", "full_name": …}``)."""
    if isinstance(category, Mapping):
        return names([category.get("name")])
    return ()


def graphql_update(node: Any, where: str) -> ProductUpdate:
    """One node of the ``products`` connection."""
    body = obj(node, where)
    product_id = id_str(body.get("legacyResourceId"), f"{where}.legacyResourceId")
    collections = dig(body, "collections", "nodes")
    titles = [item.get("title") for item in items(collections, f"{where}.collections.nodes")]
    product = Product(
        id=product_id,
        title=opt_text(body.get("title")) or "",
        product_type=opt_text(body.get("productType")),
        vendor=opt_text(body.get("vendor")),
        tags=names(body.get("tags")),
        collections=names(titles),
        categories=category_names(body.get("category")),
        price=opt_text(dig(body, "priceRangeV2", "minVariantPrice", "amount")),
    )
    modified = parse_time(body.get("updatedAt"), f"{where}.updatedAt")
    return ProductUpdate(product_id, modified, product)


def dig(value: Any, *keys: str) -> Any:
    """``value[k1][k2]…``, or ``None`` where an object is missing."""
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value
