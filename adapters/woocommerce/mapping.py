"""WooCommerce webhook bodies → :mod:`adapters.updates` (pure: no I/O, no clock).

Order state from a WooCommerce order (``order.*`` bodies are the REST v3 order object):

* ``paid``: status ``processing``, ``completed`` or ``refunded``; ``fulfilled``: ``completed``;
  ``cancelled``: ``cancelled`` or ``failed`` (their vouchers are voided);
* ``refunded`` status: every unit was refunded;
* partial refunds: the order's ``refunds`` array carries only an id and a total, never the units,
  so a refund known only from it voids nothing (it may have been shipping or goodwill money). The
  units are taken from refund objects (``/orders/<id>/refunds/<rid>`` shape, delivered as a
  ``order_refund.*`` topic or as an ``order.*`` body): each line item with a negative
  ``quantity`` and a ``_refunded_item_id`` meta entry takes back ``-quantity`` units of that
  order line; the stored order state keeps them, whichever arrives first;
* ``order.deleted`` (body ``{"id": N}``) voids the stored order until ``order.restored``;
* line ``price`` is a JSON number: rounded half up to the currency's minor unit (parsed as a
  ``Decimal``, never a float); when missing, the line ``total`` ÷ quantity, rounded the same way;
  ``quantity`` is floored to whole units (``1.5`` → ``1``);
* times without an offset (``date_created_gmt``) are UTC; ``name`` HTML entities are decoded;
* the customer is the billing contact plus ``customer_id`` (``0`` = guest); none → no customer.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

from adapters.payload import (
    PayloadError,
    exact_amount,
    id_str,
    items,
    map_items,
    minor_step,
    number_amount,
    obj,
    opt_id,
    opt_text,
    rounded,
    whole_units,
)
from adapters.updates import (
    Delivery,
    Ignored,
    OrderUpdate,
    Snapshot,
    build_order,
    full_refund,
    parse_time,
    version_of,
)
from adapters.woocommerce import products
from ascc_plugin.models import EventKind, Order, Refund, RefundLine

ORDER_TOPICS: dict[str, EventKind] = {
    "order.created": "order.created",
    "order.updated": "order.updated",
    "order.restored": "order.updated",
}
REFUND_TOPICS = frozenset({"order_refund.created", "order_refund.updated"})
PAID_STATUSES = frozenset({"processing", "completed", "refunded"})
VOID_STATUSES = frozenset({"cancelled", "failed"})
FULL_REFUND_ID = "status:refunded"
REFUNDED_ITEM_KEYS = ("_refunded_item_id", "refunded_item_id")
ORDER_LINK = re.compile(r"/orders/(\d+)/?$")


def map_delivery(topic: str, payload: Any, digest: str, now: datetime) -> Delivery:
    """What a verified delivery of ``topic`` tells; ``now`` stamps bodies that carry no time.

    The body must fit the topic: ``order.deleted`` is exactly ``{"id": N}`` (so no signed order
    body re-sent under it voids an order), refund topics carry a refund object.
    """
    if topic in products.TOPICS:
        return products.product_update(topic, payload, now)
    if topic == "order.deleted":
        body = obj(payload, "the body")
        if set(body) != {"id"}:
            raise PayloadError('not an order.deleted body (WooCommerce sends {"id": N} only)')
        return OrderUpdate(id_str(body.get("id"), "id"), "order.cancelled", now, deleted=True)
    if topic in REFUND_TOPICS and not is_refund_object(payload):
        raise PayloadError(f"not a {topic} body (a refund object has an amount and no status)")
    if topic in REFUND_TOPICS or (topic in ORDER_TOPICS and is_refund_object(payload)):
        return refund_update(payload)
    if topic in ORDER_TOPICS:
        update = order_update(ORDER_TOPICS[topic], payload, digest)
        if topic == "order.restored":
            return OrderUpdate(
                update.order_id, update.kind, update.occurred_at, update.snapshot, deleted=False
            )
        return update
    return Ignored(topic, "not a topic ASCC acts on")


def is_refund_object(payload: Any) -> bool:
    return isinstance(payload, Mapping) and "amount" in payload and "status" not in payload


def order_update(kind: EventKind, payload: Any, digest: str) -> OrderUpdate:
    order, modified = order_and_time(obj(payload, "the body"))
    return OrderUpdate(
        order.id, kind, modified, Snapshot(order, version_of(order, modified, digest))
    )


def modified_at(body: Mapping[str, Any]) -> datetime:
    for key in ("date_modified_gmt", "date_modified", "date_created_gmt", "date_created"):
        if body.get(key):
            return parse_time(body[key], key, naive_is_utc=True)
    raise PayloadError("date_created_gmt is missing: the body is not an order")


def map_order(body: Mapping[str, Any]) -> Order:
    """The canonical order of a WooCommerce order object."""
    return order_and_time(body)[0]


def order_and_time(body: Mapping[str, Any]) -> tuple[Order, datetime]:
    """The canonical order of a WooCommerce order object, and when it was last modified."""
    currency = body.get("currency")
    status = body.get("status")
    if not isinstance(status, str):
        raise PayloadError("status is missing: the body is not an order")
    step = minor_step(currency if isinstance(currency, str) else "")
    lines = map_items(body.get("line_items"), "line_items", partial(map_line, step))
    modified = modified_at(body)
    refunds = map_items(body.get("refunds"), "refunds", partial(amount_refund, modified))
    if status == "refunded":
        refunds.append(full_refund(FULL_REFUND_ID, lines, modified))
    placed = body.get("date_created_gmt") or body.get("date_created")
    fields = {
        "id": id_str(body.get("id"), "id"),
        "number": opt_text(body.get("number")),
        "currency": currency,
        "total": exact_amount(body.get("total"), "total"),
        "placed_at": parse_time(placed, "date_created_gmt", naive_is_utc=True),
        "paid": status in PAID_STATUSES,
        "fulfilled": status == "completed",
        "cancelled": status in VOID_STATUSES,
        "customer": map_customer(body),
        "lines": lines,
        "refunds": refunds,
    }
    return build_order(fields, "the order"), modified


def amount_refund(when: datetime, item: Mapping[str, Any]) -> dict[str, Any]:
    """An entry of the order's ``refunds`` array: an id and an amount, no units."""
    return {"id": id_str(item.get("id"), "id"), "created_at": when}


def map_line(step: Decimal, item: Mapping[str, Any]) -> dict[str, Any]:
    """A line's fields (validated with the order's, in one pass: :func:`build_order`)."""
    name = opt_text(item.get("name"))
    return {
        "id": id_str(item.get("id"), "id"),
        "sku": opt_text(item.get("sku")),
        "product_id": opt_id(item.get("product_id")),
        "title": html.unescape(name) if name and "&" in name else (name or ""),
        "quantity": whole_units(item.get("quantity"), "quantity"),
        "unit_price": unit_price(item, step),
    }


def unit_price(item: Mapping[str, Any], step: Decimal) -> Decimal:
    """``price`` rounded half up to ``step`` (the minor unit); else ``total`` ÷ quantity."""
    price = item.get("price")
    if price is not None:
        return number_amount(price, step, "price")
    total = exact_amount(item.get("total"), "total")
    count = exact_amount(item.get("quantity"), "quantity")
    return rounded(total / count if count > 0 else Decimal(0), step, "total")


def map_customer(body: Mapping[str, Any]) -> dict[str, Any] | None:
    """The buyer's fields (validated with the order's), ``None`` when none is given."""
    raw = body.get("billing")
    billing = raw if isinstance(raw, Mapping) else {}
    names = [opt_text(billing.get("first_name")), opt_text(billing.get("last_name"))]
    customer = {
        "id": opt_id(body.get("customer_id")),
        "email": opt_text(billing.get("email")),
        "phone": opt_text(billing.get("phone")),
        "name": " ".join(filter(None, names)) or None,
    }
    return customer if any(customer.values()) else None


def refund_update(payload: Any) -> OrderUpdate:
    """A refund object: the units it took back, for the order its ``up`` link names."""
    body = obj(payload, "the refund")
    created = body.get("date_created_gmt") or body.get("date_created")
    refund = Refund(
        id=id_str(body.get("id"), "id"),
        created_at=parse_time(created, "date_created_gmt", naive_is_utc=True),
        lines=tuple(refund_lines(body)),
    )
    return OrderUpdate(
        refund_order_id(body), "order.refunded", refund.created_at, refunds=(refund,)
    )


def refund_lines(body: Mapping[str, Any]) -> list[RefundLine]:
    found = []
    for i, item in enumerate(items(body.get("line_items"), "line_items")):
        line_id = refunded_item_id(item)
        units = whole_units(-exact_amount(item.get("quantity"), f"line_items[{i}].quantity"), "")
        if line_id is not None and units:
            found.append(RefundLine(line_id=line_id, quantity=units))
    return found


def refunded_item_id(item: Mapping[str, Any]) -> str | None:
    for meta in items(item.get("meta_data"), "meta_data"):
        if meta.get("key") in REFUNDED_ITEM_KEYS:
            return opt_id(meta.get("value"))
    return None


def refund_order_id(body: Mapping[str, Any]) -> str:
    """The order a refund belongs to: its ``_links.up`` href, else ``order_id``/``parent_id``."""
    links = body.get("_links")
    ups = items(links.get("up"), "_links.up") if isinstance(links, Mapping) else []
    for link in ups:
        match = ORDER_LINK.search(str(link.get("href", "")))
        if match:
            return match.group(1)
    for key in ("order_id", "parent_id"):
        if opt_id(body.get(key)):
            return id_str(body.get(key), key)
    raise PayloadError("the refund names no order (no _links.up, order_id or parent_id)")
