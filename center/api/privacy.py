"""``POST /api/v1/privacy``: a store's privacy request over the hub's records of its customers.

Signed like ``POST /api/v1/events`` (:func:`center.api.signed.signed_delivery`: Standard Webhooks
over the exact bytes, ``ASCC-Domain`` names the store, ``webhook-id`` is the idempotency key).
The request only ever reaches the signing store's customers (:mod:`center.privacy.services`).
"""

from __future__ import annotations

from typing import Annotated, Any, Self

from flask import Blueprint
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from ascc_plugin.models import Customer
from center.api.hub import current_hub
from center.api.schemas import PrivacyCount, PrivacyData
from center.api.signed import SIGNED_HEADERS, signed_delivery
from center.api.spec import Operation
from center.infra.web import NulFree, parse_body
from center.privacy import services as privacy

bp = Blueprint("parties", __name__)

MAX_ORDER_IDS = 1000
OrderId = Annotated[NulFree, StringConstraints(min_length=1, max_length=200)]


class PrivacyBody(BaseModel):
    """What the store asks: erase one customer, erase all, or tell what the hub holds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    request: privacy.RequestKind
    customer: Customer | None = None
    order_ids: tuple[OrderId, ...] = Field(default=(), max_length=MAX_ORDER_IDS)

    @model_validator(mode="after")
    def _shop_redact_names_nobody(self) -> Self:
        if self.request == "shop_redact" and (self.customer is not None or self.order_ids):
            raise ValueError("shop_redact erases every customer: give no customer or order_ids")
        return self


@bp.post("/api/v1/privacy")
def post_privacy() -> dict[str, Any]:
    hub = current_hub()
    delivery = signed_delivery(hub)
    payload = parse_body(PrivacyBody, delivery.body, "privacy request")
    return hub.database.run(
        lambda session: privacy.answer_request(
            session,
            delivery.gsp.id,
            payload.request,
            payload.customer,
            payload.order_ids,
            (delivery.webhook_id, delivery.digest, delivery.now),
        )
    )


OPERATIONS = (
    Operation(
        "post",
        "/api/v1/privacy",
        "A store's privacy request (Shopify customers/redact, shop/redact, "
        "customers/data_request) over the hub's records of that store's customers only: erase "
        "name, e-mail and phone, or tell what the hub holds. Idempotent per webhook-id (a "
        "replayed erasure gets the first answer; a replayed data request what is held now)",
        ("standardWebhooks",),
        PrivacyBody,
        answer=PrivacyCount | PrivacyData,
        errors=(400, 401, 409, 413, 422),
        params=SIGNED_HEADERS,
    ),
)
