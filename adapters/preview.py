"""What the adapters give ``ascc vouchers preview``: storefront payloads → canonical events, and
the store's catalog to complete them (the ``ascc_register_payload_mappers`` and
``ascc_enrich_event`` hooks, implemented in :mod:`adapters.plugin`).

A payload is mapped exactly as the store service maps a webhook body, so the preview shows what
the live store would do. A Shopify Admin API answer ``{"order": {…}}`` is unwrapped too. Without
a topic the event kind follows the order's state. The catalog is read from ``[store] state_db``
when the file exists, read-only: a preview never creates or changes anything.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import create_engine, inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from adapters.payload import PayloadError, parse_json
from adapters.shopify import mapping as shopify
from adapters.store.catalog import CatalogRecords
from adapters.updates import OrderUpdate
from adapters.woocommerce import mapping as woocommerce
from ascc_plugin.models import EventKind, GspRef, Order, OrderEvent
from ascc_plugin.settings import Settings

log = logging.getLogger(__name__)


def shopify_event(body: bytes, topic: str | None, shop: str) -> OrderEvent:
    """A Shopify order body (or ``{"order": …}``) as the event its webhook would give."""
    payload = one_object(parse_json(body))
    if "order" in payload and "line_items" not in payload:
        payload = one_object(payload["order"])
    if "refund_line_items" in payload or "refund" in payload:
        raise PayloadError("a refund object (the refunds/create body), not an order")
    kind = shopify.ORDER_TOPICS.get(topic or "")
    if topic and kind is None:
        raise PayloadError(f"{topic} is not an order topic ({', '.join(shopify.ORDER_TOPICS)})")
    return event_of(body, shop, "shopify", lambda k, d: shopify.order_update(k, payload, d), kind)


def woocommerce_event(body: bytes, topic: str | None, shop: str) -> OrderEvent:
    """A WooCommerce order body (REST v3) as the event its webhook would give."""
    payload = one_object(parse_json(body))
    if woocommerce.is_refund_object(payload):
        raise PayloadError("a refund object (order_refund.*), not an order")
    kind = woocommerce.ORDER_TOPICS.get(topic or "")
    if topic and kind is None:
        raise PayloadError(f"{topic} is not an order topic ({', '.join(woocommerce.ORDER_TOPICS)})")
    mapper = woocommerce.order_update
    return event_of(body, shop, "woocommerce", lambda k, d: mapper(k, payload, d), kind)


def one_object(payload: Any) -> Mapping[str, Any]:
    if isinstance(payload, list):
        raise PayloadError(f"a JSON array of {len(payload)} items: give one order object")
    if not isinstance(payload, Mapping):
        raise PayloadError("the body is not a JSON object")
    return payload


def event_of(
    body: bytes,
    shop: str,
    platform: str,
    update: Callable[[EventKind, str], OrderUpdate],
    kind: EventKind | None,
) -> OrderEvent:
    digest = hashlib.sha256(body).hexdigest()
    mapped = update(kind or "order.updated", digest)
    assert mapped.snapshot is not None  # an order body always gives a snapshot
    order = mapped.snapshot.order
    return OrderEvent(
        event_id=f"preview-{digest[:16]}",
        kind=kind or kind_of(order),
        occurred_at=mapped.occurred_at,
        gsp=GspRef(platform=platform, shop=shop),
        order=order,
    )


def kind_of(order: Order) -> EventKind:
    """The event kind an order's state suggests, when no topic was given."""
    if order.cancelled:
        return "order.cancelled"
    if order.refunds:
        return "order.refunded"
    if order.fulfilled:
        return "order.fulfilled"
    return "order.paid" if order.paid else "order.created"


def enrich_from_state(config: Settings, event: OrderEvent) -> OrderEvent | None:
    """``event`` completed from the catalog in ``[store] state_db`` (``None``: no catalog)."""
    path = config.store.state_db
    if not path.is_file():
        return None
    engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        if not inspect(engine).has_table("products"):
            return None
        with Session(engine) as session:
            order = CatalogRecords(session, event.gsp).enrich(event.order, freeze=False)
    except SQLAlchemyError as exc:
        log.warning("cannot read the catalog in %s (%s): previewing without it", path, exc)
        return None
    finally:
        engine.dispose()
    return event.model_copy(update={"order": order})
