"""The voucher API: store events in, lifecycle operations by holders and providers.

Thin views: parse, authenticate, call :mod:`center.vouchers.services` / :mod:`.ingest` inside a
transaction, answer JSON. Mountable in any app that installed a :class:`center.api.hub.Hub`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from pydantic import BaseModel, ConfigDict

from ascc_plugin.models import OrderEvent
from ascc_plugin.programs import Program
from center.api.hub import current_hub
from center.api.signed import signed_delivery
from center.infra.web import json_object, parse_body
from center.vouchers import services
from center.vouchers.ingest import ingest

bp = Blueprint("vouchers", __name__)


class EventsBody(BaseModel):
    """``POST /api/v1/events``: the canonical event and the store's matching programs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event: OrderEvent
    programs: tuple[Program, ...] = ()


@bp.post("/api/v1/events")
def post_event() -> dict[str, Any]:
    hub = current_hub()
    delivery = signed_delivery(hub)
    payload = parse_body(EventsBody, delivery.body, "event")
    result = hub.database.run(
        lambda session: ingest(
            session,
            delivery.gsp,
            payload.event,
            payload.programs,
            hub.issuer,
            delivery.now,
            delivery.webhook_id,
            delivery.digest,
        )
    )
    hub.notify_issued(result)
    return {"vouchers": result.vouchers}


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
