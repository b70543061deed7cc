"""The voucher API: store events in, lifecycle operations by holders and providers.

Thin views: authenticate, parse the body with its model, call :mod:`center.vouchers.services`
or :mod:`center.vouchers.ingest` inside a transaction, answer JSON. :data:`OPERATIONS` describes
them for the API document. Mountable in any app that installed a :class:`center.api.hub.Hub`.
"""

from __future__ import annotations

from typing import Annotated, Any

from flask import Blueprint
from pydantic import BaseModel, ConfigDict, Field

from ascc_plugin.models import OrderEvent
from ascc_plugin.programs import Program
from center.api.hub import current_hub
from center.api.schemas import EventsAnswer, VoucherAnswer
from center.api.signed import SIGNED_HEADERS, signed_delivery
from center.api.spec import Operation, Param
from center.infra.web import NulFree, body_as, parse_body
from center.vouchers import services
from center.vouchers.ingest import ingest

bp = Blueprint("vouchers", __name__)
VOUCHER = "/api/v1/vouchers/{voucher_id}"
VOUCHER_ID = Param("voucher_id", "path", "the voucher id, e.g. ME13-S9JW-J6MS-PK8P-S")
ACTION_ERRORS = (400, 401, 404, 409, 422)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EventsBody(Body):
    """``POST /api/v1/events``: the canonical event and the store's matching programs."""

    event: OrderEvent
    programs: tuple[Program, ...] = ()


class ActivateBody(Body):
    """Nothing to say: the holder's key says who activates."""


class AssignBody(Body):
    provider_id: Annotated[NulFree, Field(min_length=1, max_length=40)]


class RedeemBody(Body):
    token: Annotated[NulFree, Field(min_length=1, max_length=4096)]


class CompleteBody(Body):
    notes: Annotated[NulFree, Field(max_length=10_000)] | None = None


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
    body_as(ActivateBody, "activation", allow_empty=True)
    with hub.database.transaction() as session:
        voucher = services.activate(session, voucher_id, hub.principal(session), hub.clock())
        return services.voucher_json(voucher)


@bp.post("/api/v1/vouchers/<voucher_id>/assign")
def assign(voucher_id: str) -> dict[str, Any]:
    hub = current_hub()
    body = body_as(AssignBody, "assignment")
    with hub.database.transaction() as session:
        principal, now = hub.principal(session), hub.clock()
        voucher = services.assign(session, voucher_id, principal, body.provider_id, now)
        return services.voucher_json(voucher)


@bp.post("/api/v1/vouchers/<voucher_id>/redeem")
def redeem(voucher_id: str) -> dict[str, Any]:
    hub = current_hub()
    body = body_as(RedeemBody, "redemption")
    with hub.database.transaction() as session:
        voucher = services.redeem(
            session, voucher_id, hub.principal(session), body.token, hub.verifier, hub.clock()
        )
        return services.voucher_json(voucher)


@bp.post("/api/v1/vouchers/<voucher_id>/complete")
def complete(voucher_id: str) -> dict[str, Any]:
    hub = current_hub()
    body = body_as(CompleteBody, "completion", allow_empty=True)
    with hub.database.transaction() as session:
        voucher = services.complete(
            session, voucher_id, hub.principal(session), body.notes, hub.clock()
        )
        return services.voucher_json(voucher)


def action(path: str, summary: str, who: str, body: type[Body], required: bool) -> Operation:
    return Operation(
        "post",
        VOUCHER + path,
        summary,
        (who,),
        body,
        required,
        VoucherAnswer,
        ACTION_ERRORS,
        (VOUCHER_ID,),
    )


OPERATIONS = (
    Operation(
        "post",
        "/api/v1/events",
        "A store's order event: reconcile the order's vouchers (idempotent per webhook-id; a "
        "replay gets the first answer again, holder secrets included for 30 days)",
        ("standardWebhooks",),
        EventsBody,
        answer=EventsAnswer,
        errors=(400, 401, 409, 413, 422),
        params=(*SIGNED_HEADERS, Param("ASCC-Event", "header", "the event kind")),
    ),
    Operation(
        "get",
        VOUCHER,
        "One voucher (its holder, its store, its assigned provider, the operator)",
        ("holder", "gspKey", "providerKey", "adminKey"),
        answer=VoucherAnswer,
        errors=(401, 404),
        params=(VOUCHER_ID,),
    ),
    action("/activate", "The holder activates the voucher", "holder", ActivateBody, False),
    action(
        "/assign",
        "The holder chooses a provider serving the voucher's kind",
        "holder",
        AssignBody,
        True,
    ),
    action(
        "/redeem",
        "The assigned provider redeems the voucher with its signed token (single use)",
        "providerKey",
        RedeemBody,
        True,
    ),
    action(
        "/complete",
        "The assigned provider reports the service completed",
        "providerKey",
        CompleteBody,
        False,
    ),
)
