"""The voucher API: store events in, lifecycle operations by holders and providers.

Thin views: authenticate (the caller must be the voucher's acting party before its body is
parsed), parse the body with its model, call :mod:`center.vouchers.services`
or :mod:`center.vouchers.ingest` inside a transaction (an event's vouchers are prepared — minted
and sealed — before it), answer JSON. :data:`OPERATIONS` describes
them for the API document. Mountable in any app that installed a :class:`center.api.hub.Hub`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from flask import Blueprint
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.orm import Session

from ascc_plugin.models import OrderEvent
from ascc_plugin.programs import Program
from center.api.hub import current_hub
from center.api.schemas import EventsAnswer, VoucherAnswer
from center.api.signed import SIGNED_HEADERS, signed_delivery
from center.api.spec import Operation, Param
from center.infra.web import NulFree, body_as, parse_body
from center.parties.auth import Kind, Principal
from center.vouchers import services
from center.vouchers.ingest import ingest, prepare
from center.vouchers.models import Voucher

bp = Blueprint("vouchers", __name__)
VOUCHER = "/api/v1/vouchers/{voucher_id}"
VOUCHER_ID = Param("voucher_id", "path", "the voucher id, e.g. ME13-S9JW-J6MS-PK8P-S")
ACTION_ERRORS = (400, 401, 404, 409, 422, 429)  # 429: too many failed authentications
MAX_PROGRAMS = 100


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EventsBody(Body):
    """``POST /api/v1/events``: the canonical event and the store's matching programs (each
    program id once)."""

    event: OrderEvent
    programs: tuple[Program, ...] = Field(default=(), max_length=MAX_PROGRAMS)

    @field_validator("programs")
    @classmethod
    def _one_program_per_id(cls, programs: tuple[Program, ...]) -> tuple[Program, ...]:
        ids = [program.id for program in programs]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"program ids must be unique: {', '.join(twice)} given twice")
        return programs


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
    prepared = prepare(  # outside the transaction: on SQLite, the writer's lock waits on SQL only
        delivery.gsp,
        payload.event,
        payload.programs,
        hub.issuer,
        delivery.now,
        delivery.webhook_id,
        delivery.digest,
    )
    result = hub.database.run(lambda session: ingest(session, prepared))
    hub.notify_issued(result)
    return {"vouchers": result.vouchers}


@bp.get("/api/v1/vouchers/<voucher_id>")
def get_voucher(voucher_id: str) -> dict[str, Any]:
    hub = current_hub()
    with hub.database.transaction(write=False) as session:
        principal = hub.principal(session)
        voucher = services.visible_voucher(session, voucher_id, principal)
        return services.voucher_json(voucher, viewer=principal)


@contextmanager
def acting(voucher_id: str, kind: Kind) -> Iterator[tuple[Session, Voucher, Principal]]:
    """A write transaction with the voucher, once the caller is known to be its party of
    ``kind`` (401/404 otherwise): bodies are parsed only after that."""
    hub = current_hub()
    with hub.database.transaction() as session:
        principal = hub.principal(session)
        yield session, services.acting_voucher(session, voucher_id, principal, kind), principal


@bp.post("/api/v1/vouchers/<voucher_id>/activate")
def activate(voucher_id: str) -> dict[str, Any]:
    with acting(voucher_id, Kind.HOLDER) as (session, voucher, principal):
        body_as(ActivateBody, "activation", allow_empty=True)
        services.activate_voucher(session, voucher, principal, current_hub().clock())
        return services.voucher_json(voucher, viewer=principal)


@bp.post("/api/v1/vouchers/<voucher_id>/assign")
def assign(voucher_id: str) -> dict[str, Any]:
    with acting(voucher_id, Kind.HOLDER) as (session, voucher, principal):
        body = body_as(AssignBody, "assignment")
        now = current_hub().clock()
        services.assign_voucher(session, voucher, principal, body.provider_id, now)
        return services.voucher_json(voucher, viewer=principal)


@bp.post("/api/v1/vouchers/<voucher_id>/redeem")
def redeem(voucher_id: str) -> dict[str, Any]:
    hub = current_hub()
    with acting(voucher_id, Kind.PROVIDER) as (session, voucher, principal):
        body = body_as(RedeemBody, "redemption")
        services.redeem_voucher(session, voucher, principal, body.token, hub.verifier, hub.clock())
        return services.voucher_json(voucher, viewer=principal)


@bp.post("/api/v1/vouchers/<voucher_id>/complete")
def complete(voucher_id: str) -> dict[str, Any]:
    with acting(voucher_id, Kind.PROVIDER) as (session, voucher, principal):
        body = body_as(CompleteBody, "completion", allow_empty=True)
        now = current_hub().clock()
        services.complete_voucher(session, voucher, principal, body.notes, now)
        return services.voucher_json(voucher, viewer=principal)


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
        "One voucher (its holder, its store, its assigned provider, the operator); the "
        "provider's view has no token: the holder presents it",
        ("holder", "gspKey", "providerKey", "adminKey"),
        answer=VoucherAnswer,
        errors=(401, 404, 429),
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
