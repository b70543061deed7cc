"""Signed store deliveries as requests: what ``POST /api/v1/events`` and ``/privacy`` share.

A store posts the exact bytes it signed with Standard Webhooks (``webhook-id``,
``webhook-timestamp``, ``webhook-signature``, its ``whsec_`` secret); ``ASCC-Domain`` names the
store. :func:`signed_delivery` authenticates one such request (401 otherwise, through
:func:`center.deliveries.signatures.verified_sender`) and hands back the store, the delivery id
(the idempotency key, per store), the body and its digest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from flask import request

from center.api.hub import Hub
from center.api.spec import Param
from center.deliveries.claims import body_digest
from center.deliveries.signatures import verified_sender
from center.infra.problems import InvalidInput
from center.infra.web import refuse_nul
from center.parties.models import Gsp

MAX_WEBHOOK_ID = 255
SIGNED_HEADERS = tuple(
    Param(name, "header", required=True)
    for name in ("ASCC-Domain", "webhook-id", "webhook-timestamp", "webhook-signature")
)
"""The headers of a signed store delivery, for the API document."""


@dataclass(frozen=True)
class SignedDelivery:
    """One authenticated store delivery."""

    gsp: Gsp
    webhook_id: str
    body: bytes
    digest: str
    now: datetime


def signed_delivery(hub: Hub) -> SignedDelivery:
    """The current request as a delivery signed by a registered store; else a problem."""
    body = request.get_data(cache=False)
    now = hub.clock()
    headers = cast(Mapping[str, str], request.headers)
    gsp, webhook_id = verified_sender(
        hub.gsp_for_shop, headers, body, now.timestamp(), hub.webhook_tolerance
    )
    if len(webhook_id) > MAX_WEBHOOK_ID:
        raise InvalidInput(f"webhook-id: at most {MAX_WEBHOOK_ID} characters")
    refuse_nul(body)
    return SignedDelivery(gsp, webhook_id, body, body_digest(body), now)
