"""What one storefront delivery tells the store service: the platform-neutral result of mapping.

A mapping function (``adapters/<platform>/mapping.py``) turns a verified body into one of:

* :class:`OrderUpdate` — news about one order: a full state snapshot (an order payload), refund
  objects (a Shopify refund, a WooCommerce refund object), or a deletion / restoration;
* :class:`PrivacyRequest` — a customer data request or a redaction;
* :class:`~adapters.products.ProductUpdate` — a product's facts or deletion, for the catalog;
* :class:`Ignored` — a topic ASCC does not act on (acknowledged, logged).

The store service merges updates into the stored order state (``adapters/store/state.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import ValidationError

from adapters.payload import PayloadError
from adapters.products import ProductUpdate
from ascc_plugin.models import Customer, EventKind, Order, Refund


@dataclass(frozen=True)
class Snapshot:
    """An order's whole state as one payload showed it; ``version`` orders snapshots in time."""

    order: Order
    version: str


@dataclass(frozen=True)
class OrderUpdate:
    """News about the order ``order_id``."""

    order_id: str
    kind: EventKind
    occurred_at: datetime
    snapshot: Snapshot | None = None
    refunds: tuple[Refund, ...] = ()
    deleted: bool | None = None  # True: the order was deleted; False: it was restored


PrivacyKind = Literal["data_request", "customer_redact", "shop_redact"]


@dataclass(frozen=True)
class PrivacyRequest:
    """A data request (``data_request``) or an erasure (``customer_redact``, ``shop_redact``)."""

    kind: PrivacyKind
    customer: Customer | None = None
    order_ids: tuple[str, ...] = ()
    request_id: str | None = None


@dataclass(frozen=True)
class Ignored:
    """A topic the store service acknowledges without acting on it."""

    topic: str
    reason: str


Delivery = OrderUpdate | PrivacyRequest | ProductUpdate | Ignored


def version_of(order: Order, modified: datetime, digest: str) -> str:
    """A sort key for snapshots of one order: newest first by time, then by progress, then body.

    Two snapshots with the same modification time (storefronts stamp whole seconds) are ordered
    by how far the order has gone (cancelled, fulfilled, paid, units refunded), then by the body
    digest, so the newest state wins whatever order the deliveries arrive in.
    """
    stamp = modified.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
    progress = f"{order.cancelled:d}{order.fulfilled:d}{order.paid:d}"
    units = any(refund.lines for refund in order.refunds)  # amounts-only refunds take back none
    refunded = sum(order.refunded_units().values()) if units else 0
    return f"{stamp}|{progress}|{refunded:09d}|{digest}"


def full_refund(refund_id: str, lines: list[dict[str, Any]], when: datetime) -> dict[str, Any]:
    """A refund's fields taking back every unit of every mapped line (a fully refunded order)."""
    units = [{"line_id": line["id"], "quantity": line["quantity"]} for line in lines]
    return {"id": refund_id, "created_at": when, "lines": units}


def parse_time(value: Any, where: str, *, naive_is_utc: bool = False) -> datetime:
    """An ISO 8601 time with an offset (or, with ``naive_is_utc``, a naive UTC time)."""
    if not isinstance(value, str) or not value.strip():
        raise PayloadError(f"{where} is missing or not a time")
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise PayloadError(f"{where} is not an ISO 8601 time: {value!r}") from None
    if moment.tzinfo is None:
        if not naive_is_utc:
            raise PayloadError(f"{where} has no UTC offset: {value!r}")
        moment = moment.replace(tzinfo=UTC)
    return moment


def build_order(fields: Mapping[str, Any], where: str) -> Order:
    """A canonical :class:`Order` from mapped fields; a validation failure names the field."""
    try:
        return Order.model_validate(fields)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        field = ".".join(str(part) for part in error["loc"])
        raise PayloadError(f"{where}: {field}: {error['msg']}") from None
