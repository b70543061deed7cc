"""Privacy requests on their way to the center (``mode = "center"``).

Shopify's mandatory ``customers/redact``, ``shop/redact`` and ``customers/data_request`` must
reach the center's records of the store's customers too. The ``center`` handler queues each one
in the same durable outbox as order events, as an entry of kind ``privacy.<request>``; the
sender posts such entries to ``POST {center}/api/v1/privacy`` (:func:`path_for`) with the same
signing, retries and parking. Its ``webhook-id`` is derived from the storefront delivery id, so a
storefront retry queues nothing new and the center applies the request once.

A privacy entry goes out only once every entry queued before it has been sent or parked (see
:data:`ascc_plugin.client.outbox_schema.CLAIM`): an erasure never overtakes the order events
that carry the personal data it erases.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Literal

from ascc_plugin.models import Customer, GspRef

EVENTS_PATH = "/api/v1/events"
PRIVACY_PATH = "/api/v1/privacy"
PRIVACY_PREFIX = "privacy."
DATA_REQUEST_KIND = PRIVACY_PREFIX + "customer_data_request"

Request = Literal["customer_redact", "shop_redact", "customer_data_request"]


def is_privacy(kind: str) -> bool:
    return kind.startswith(PRIVACY_PREFIX)


def path_for(kind: str) -> str:
    """Where the center takes an outbox entry of ``kind``."""
    return PRIVACY_PATH if is_privacy(kind) else EVENTS_PATH


def privacy_webhook_id(gsp: GspRef, request: Request, delivery_id: str) -> str:
    """The Standard Webhooks id of a privacy request: stable for one storefront delivery."""
    material = json.dumps([gsp.platform, gsp.shop, PRIVACY_PREFIX + request, delivery_id])
    return "msg_" + hashlib.sha256(material.encode()).hexdigest()[:32]


def privacy_body(request: Request, customer: Customer | None, order_ids: Sequence[str]) -> bytes:
    """The exact bytes posted to the center: ``{"request", "customer", "order_ids"}``."""
    person = None if customer is None else customer.model_dump(mode="json")
    return json.dumps(
        {"request": request, "customer": person, "order_ids": list(order_ids)},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
