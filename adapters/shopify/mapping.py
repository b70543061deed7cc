"""Shopify webhook bodies → :mod:`adapters.updates` (pure: no I/O, no clock).

Order state from a Shopify order (``orders/*`` bodies are the REST order resource):

* ``paid``: ``financial_status`` is ``paid``, ``partially_refunded`` or ``refunded`` (``pending``,
  ``authorized``, ``partially_paid`` and ``voided`` are not paid);
* ``fulfilled``: ``fulfillment_status`` is ``fulfilled``; ``cancelled``: ``cancelled_at`` is set;
* refunded units: the ``refund_line_items`` of every refund (the ``refunds/create`` body is one
  refund object, applied to the stored order it names); ``financial_status`` ``refunded`` means
  every unit was refunded;
* prices are Shopify's decimal strings, kept exactly; quantities are whole units;
* the customer is the ``customer`` object, else the order's own ``email``/``phone`` (a guest);
  nothing at all → no customer.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

from adapters.payload import (
    PayloadError,
    exact_amount,
    id_str,
    map_items,
    minor_step,
    number_amount,
    obj,
    opt_id,
    opt_text,
    whole_units,
)
from adapters.shopify import products
from adapters.updates import (
    Delivery,
    Ignored,
    OrderUpdate,
    PrivacyKind,
    PrivacyRequest,
    Snapshot,
    build_order,
    full_refund,
    parse_time,
    version_of,
)
from ascc_plugin.models import Customer, EventKind, Order, Refund

ORDER_TOPICS: dict[str, EventKind] = {
    "orders/create": "order.created",
    "orders/updated": "order.updated",
    "orders/paid": "order.paid",
    "orders/fulfilled": "order.fulfilled",
    "orders/cancelled": "order.cancelled",
}
PRIVACY_TOPICS: dict[str, PrivacyKind] = {
    "customers/data_request": "data_request",
    "customers/redact": "customer_redact",
    "shop/redact": "shop_redact",
}
PRIVACY_SHAPES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "customers/redact": (
        frozenset({"shop_id", "shop_domain", "customer", "orders_to_redact"}),
        frozenset(),
    ),
    "shop/redact": (frozenset({"shop_id", "shop_domain"}), frozenset()),
    "customers/data_request": (
        frozenset({"shop_id", "shop_domain", "customer", "orders_requested"}),
        frozenset({"data_request"}),
    ),
}
"""Required and optional keys of each privacy topic's body (Shopify's documented payloads)."""
PAID_STATUSES = frozenset({"paid", "partially_refunded", "refunded"})
FULL_REFUND_ID = "financial_status:refunded"


def map_delivery(
    topic: str,
    payload: Any,
    digest: str,
    now: datetime | None = None,
    shop: str | None = None,
) -> Delivery:
    """What a verified delivery of ``topic`` tells; ``digest`` is the body's SHA-256 (hex).

    ``now`` (the delivery time) stamps product deletions, whose body carries no time. ``shop``:
    the configured shop; a privacy request must name it in ``shop_domain``.
    """
    if topic in products.TOPICS:
        return products.product_update(topic, payload, now)
    if topic in ORDER_TOPICS:
        return order_update(ORDER_TOPICS[topic], payload, digest)
    if topic == "refunds/create":
        return refund_update(payload)
    if topic in PRIVACY_TOPICS:
        return privacy_request(topic, check_privacy_shape(topic, payload, shop))
    if topic == "app/uninstalled":
        return Ignored(topic, "the app was uninstalled; shop/redact follows within 48 hours")
    return Ignored(topic, "not a topic ASCC acts on")


def order_update(kind: EventKind, payload: Any, digest: str) -> OrderUpdate:
    """An order body: a whole snapshot of the order's state."""
    body = obj(payload, "the body")
    order = map_order(body)
    modified = parse_time(body.get("updated_at") or body.get("created_at"), "updated_at")
    return OrderUpdate(
        order.id, kind, modified, Snapshot(order, version_of(order, modified, digest))
    )


def map_order(body: Mapping[str, Any]) -> Order:
    """The canonical order of a Shopify order resource (validated in one pydantic call)."""
    currency = body.get("currency")
    step = minor_step(currency if isinstance(currency, str) else "")
    lines = map_items(body.get("line_items"), "line_items", partial(map_line, step))
    refunds = map_items(body.get("refunds"), "refunds", map_refund)
    status = body.get("financial_status")
    if status == "refunded":
        modified = parse_time(body.get("updated_at") or body.get("created_at"), "updated_at")
        refunds.append(full_refund(FULL_REFUND_ID, lines, modified))
    fields = {
        "id": id_str(body.get("id"), "id"),
        "number": opt_text(body.get("name")) or opt_id(body.get("order_number")),
        "currency": currency,
        "total": exact_amount(body.get("total_price"), "total_price"),
        "placed_at": parse_time(body.get("created_at"), "created_at"),
        "paid": isinstance(status, str) and status in PAID_STATUSES,
        "fulfilled": body.get("fulfillment_status") == "fulfilled",
        "cancelled": body.get("cancelled_at") is not None,
        "customer": map_customer(body),
        "lines": lines,
        "refunds": refunds,
    }
    return build_order(fields, "the order")


def map_line(step: Decimal, item: Mapping[str, Any]) -> dict[str, Any]:
    """A line's fields (validated with the order's: :func:`build_order`)."""
    return {
        "id": id_str(item.get("id"), "id"),
        "sku": opt_text(item.get("sku")),
        "product_id": opt_id(item.get("product_id")),
        "title": opt_text(item.get("title")) or opt_text(item.get("name")) or "",
        "quantity": whole_units(item.get("quantity"), "quantity"),
        "unit_price": number_amount(item.get("price"), step, "price"),
        "vendor": opt_text(item.get("vendor")),
    }


def map_refund(item: Mapping[str, Any]) -> dict[str, Any]:
    """A Shopify refund object's fields: which units of which line items it took back."""
    return {
        "id": id_str(item.get("id"), "id"),
        "created_at": parse_time(item.get("created_at"), "created_at"),
        "lines": map_items(item.get("refund_line_items"), "refund_line_items", refund_line),
    }


def refund_line(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "line_id": id_str(entry.get("line_item_id"), "line_item_id"),
        "quantity": whole_units(entry.get("quantity"), "quantity"),
    }


def map_customer(body: Mapping[str, Any]) -> dict[str, Any] | None:
    """The buyer's fields (validated with the order's), ``None`` when none is given."""
    raw = body.get("customer")
    person = raw if isinstance(raw, Mapping) else {}
    names = [opt_text(person.get("first_name")), opt_text(person.get("last_name"))]
    customer = {
        "id": opt_id(person.get("id")),
        "email": opt_text(person.get("email")) or opt_text(body.get("email")),
        "phone": opt_text(person.get("phone")) or opt_text(body.get("phone")),
        "name": " ".join(filter(None, names)) or None,
    }
    return customer if any(customer.values()) else None


def refund_update(payload: Any) -> OrderUpdate:
    """A ``refunds/create`` body: one refund object, for the order ``order_id`` names."""
    body = obj(payload, "the body")
    refund = Refund.model_validate(map_refund(body))
    order_id = id_str(body.get("order_id"), "order_id")
    return OrderUpdate(order_id, "order.refunded", refund.created_at, refunds=(refund,))


def check_privacy_shape(topic: str, payload: Any, shop: str | None) -> Mapping[str, Any]:
    """The body if it has the documented shape of ``topic`` and names ``shop``; else 400.

    Shopify signs the body only, not the topic header: a captured ``orders/paid`` body re-sent
    as ``customers/redact`` or ``shop/redact`` must not erase anyone. Each privacy topic's body
    has exactly its documented keys (:data:`PRIVACY_SHAPES`), so an order body never passes.
    """
    body = obj(payload, "the body")
    required, optional = PRIVACY_SHAPES[topic]
    missing = sorted(required - body.keys())
    extra = sorted(body.keys() - required - optional)
    if missing or extra:
        wrong = f"missing {', '.join(missing)}" if missing else f"unexpected {', '.join(extra)}"
        raise PayloadError(f"not a {topic} body ({wrong})")
    domain = body.get("shop_domain")
    if not isinstance(domain, str) or (shop is not None and domain.lower() != shop.lower()):
        raise PayloadError(f"shop_domain: the {topic} request names another shop")
    return body


def privacy_request(topic: str, payload: Any) -> PrivacyRequest:
    """``customers/data_request``, ``customers/redact`` or ``shop/redact``."""
    body = obj(payload, "the body")
    kind = PRIVACY_TOPICS[topic]
    if kind == "shop_redact":
        return PrivacyRequest("shop_redact")
    person = obj(body.get("customer"), "customer")
    customer = Customer(
        id=opt_id(person.get("id")),
        email=opt_text(person.get("email")),
        phone=opt_text(person.get("phone")),
    )
    orders = body.get("orders_to_redact") or body.get("orders_requested") or []
    if not isinstance(orders, list):
        raise PayloadError("orders_to_redact / orders_requested is not a JSON array")
    order_ids = tuple(id_str(value, "order id") for value in orders)
    request = body.get("data_request")
    request_id = opt_id(request.get("id")) if isinstance(request, Mapping) else None
    return PrivacyRequest(kind, customer, order_ids, request_id)
