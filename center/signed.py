"""Signed store deliveries: what ``POST /api/v1/events`` and ``POST /api/v1/privacy`` share.

A store posts the exact bytes it signed with Standard Webhooks (``webhook-id``,
``webhook-timestamp``, ``webhook-signature``, its ``whsec_`` secret); ``ASCC-Domain`` names the
store. :func:`signed_delivery` authenticates one such request (401 otherwise) and hands back the
store, the delivery id (the idempotency key, per store), the body and its digest;
:func:`parse_body` reads the body into a pydantic model with RFC 9457 answers (400, 422).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar, cast

from flask import request
from pydantic import BaseModel, ValidationError

from ascc_plugin.signatures import SignatureError, verify_standard
from center.hub import Hub
from center.parties.models import Gsp
from center.problems import InvalidInput, Unauthorized
from center.vouchers.ingest import body_digest
from center.web import MalformedJson, refuse_nul

MAX_WEBHOOK_ID = 255
M = TypeVar("M", bound=BaseModel)


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
    gsp, webhook_id = signed_by(hub, body, now)
    if len(webhook_id) > MAX_WEBHOOK_ID:
        raise InvalidInput(f"webhook-id: at most {MAX_WEBHOOK_ID} characters")
    refuse_nul(body)
    return SignedDelivery(gsp, webhook_id, body, body_digest(body), now)


def signed_by(hub: Hub, body: bytes, now: datetime) -> tuple[Gsp, str]:
    """The store named by ``ASCC-Domain`` and the delivery id, if it signed ``body``; else 401.

    The store comes from the hub's short cache; before a signature is refused, the store is
    read again, so a secret changed in the database is honoured at once.
    """
    shop = domain_header()
    gsp = hub.gsp_for_shop(shop)
    if gsp is None:
        raise Unauthorized("ASCC-Domain names no registered store")
    try:
        return gsp, verify(gsp, body, now)
    except SignatureError as exc:
        fresh = hub.gsp_for_shop(shop, fresh=True)
        if fresh is None or fresh.signing_secret == gsp.signing_secret:
            raise Unauthorized(str(exc)) from None
    try:
        return fresh, verify(fresh, body, now)
    except SignatureError as exc:
        raise Unauthorized(str(exc)) from None


def verify(gsp: Gsp, body: bytes, now: datetime) -> str:
    headers = cast(Mapping[str, str], request.headers)
    return verify_standard([gsp.signing_secret], headers, body, now.timestamp())


def domain_header() -> str:
    domain = request.headers.get("ASCC-Domain", "").strip()
    return domain if domain.isprintable() and len(domain) <= 255 else ""


def parse_body(model: type[M], body: bytes, what: str) -> M:
    """``body`` as ``model``: 400 for bad JSON, 422 listing each invalid field."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        if any(error["type"] == "json_invalid" for error in errors):
            raise MalformedJson("the body is not valid JSON") from None
        problems = [{"field": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in errors]
        raise InvalidInput(f"the body is not a valid {what}", errors=problems[:50]) from None
