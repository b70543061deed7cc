"""The voucher API: store events in, lifecycle operations by holders and providers.

Thin views: parse, authenticate, call :mod:`center.vouchers.services` / :mod:`.ingest` inside a
transaction, answer JSON. Mountable in any app that installed a :class:`center.hub.Hub`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from flask import Blueprint, request
from pydantic import BaseModel, ConfigDict, ValidationError

from ascc_plugin.models import OrderEvent
from ascc_plugin.programs import Program
from ascc_plugin.signatures import SignatureError, verify_standard
from center.hub import Hub, current_hub
from center.parties.models import Gsp
from center.problems import InvalidInput, Unauthorized
from center.vouchers import services
from center.vouchers.ingest import body_digest, ingest
from center.web import MalformedJson, json_object, refuse_nul

bp = Blueprint("vouchers", __name__)
MAX_WEBHOOK_ID = 255


class EventsBody(BaseModel):
    """``POST /api/v1/events``: the canonical event and the store's matching programs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event: OrderEvent
    programs: tuple[Program, ...] = ()


@bp.post("/api/v1/events")
def post_event() -> dict[str, Any]:
    hub = current_hub()
    body = request.get_data(cache=False)
    now = hub.clock()
    gsp, webhook_id = signed_by(hub, body, now)
    if len(webhook_id) > MAX_WEBHOOK_ID:
        raise InvalidInput(f"webhook-id: at most {MAX_WEBHOOK_ID} characters")
    refuse_nul(body)
    payload = parse_events_body(body)
    digest = body_digest(body)
    result = hub.database.run(
        lambda session: ingest(
            session, gsp, payload.event, payload.programs, hub.issuer, now, webhook_id, digest
        )
    )
    hub.notify_issued(result)
    return {"vouchers": result.vouchers}


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


def parse_events_body(body: bytes) -> EventsBody:
    try:
        return EventsBody.model_validate_json(body)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        if any(error["type"] == "json_invalid" for error in errors):
            raise MalformedJson("the body is not valid JSON") from None
        problems = [{"field": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in errors]
        raise InvalidInput("the body is not a valid event", errors=problems[:50]) from None


@bp.get("/api/v1/vouchers/<voucher_id>")
def get_voucher(voucher_id: str) -> dict[str, Any]:
    hub = current_hub()
    with hub.database.transaction(write=False) as session:
        voucher = services.visible_voucher(session, voucher_id, hub.principal(session))
        return services.voucher_json(voucher)


@bp.post("/api/v1/vouchers/<voucher_id>/activate")
def activate(voucher_id: str) -> dict[str, Any]:
    hub = current_hub()
    json_object(allow_empty=True)
    with hub.database.transaction() as session:
        voucher = services.activate(session, voucher_id, hub.principal(session), hub.clock())
        return services.voucher_json(voucher)


@bp.post("/api/v1/vouchers/<voucher_id>/assign")
def assign(voucher_id: str) -> dict[str, Any]:
    hub = current_hub()
    provider_id = json_object().get("provider_id")
    with hub.database.transaction() as session:
        voucher = services.assign(
            session, voucher_id, hub.principal(session), provider_id, hub.clock()
        )
        return services.voucher_json(voucher)


@bp.post("/api/v1/vouchers/<voucher_id>/redeem")
def redeem(voucher_id: str) -> dict[str, Any]:
    hub = current_hub()
    token = json_object().get("token")
    with hub.database.transaction() as session:
        voucher = services.redeem(
            session, voucher_id, hub.principal(session), token, hub.verifier, hub.clock()
        )
        return services.voucher_json(voucher)


@bp.post("/api/v1/vouchers/<voucher_id>/complete")
def complete(voucher_id: str) -> dict[str, Any]:
    hub = current_hub()
    notes = json_object(allow_empty=True).get("notes")
    with hub.database.transaction() as session:
        voucher = services.complete(session, voucher_id, hub.principal(session), notes, hub.clock())
        return services.voucher_json(voucher)
