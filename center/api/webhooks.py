"""Outbound webhook subscriptions: ``/api/v1/webhooks`` for stores and providers.

Thin views over :mod:`center.webhooks.subscriptions`: the caller's key says whose endpoints
these are, an endpoint of another party is 404. The ``whsec_`` secret is in the creation
answer only.
"""

from __future__ import annotations

from typing import Annotated, Any

from flask import Blueprint
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from center.api.hub import Hub, current_hub
from center.api.spec import CURSOR, LIMIT, Operation, Param
from center.infra.web import NulFree, body_as, text_arg
from center.parties.auth import Kind, require
from center.webhooks import subscriptions as subs
from center.webhooks.guard import Policy

bp = Blueprint("webhooks", __name__)
BASE = "/api/v1/webhooks"
ENDPOINT = BASE + "/{endpoint_id}"
ENDPOINT_ID = Param("endpoint_id", "path", "the endpoint id, e.g. whk-3f9a1c2b7d4e6a80")
WHO = ("gspKey", "providerKey")
EventName = Annotated[NulFree, Field(min_length=1, max_length=64)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EndpointBody(Body):
    """A new subscription: where to send, which event types (``*`` for all)."""

    url: Annotated[NulFree, Field(min_length=1, max_length=2000)]
    event_types: tuple[EventName, ...] = Field(min_length=1, max_length=50)
    description: Annotated[NulFree, Field(max_length=200)] = ""


class ReplayBody(Body):
    """Queue again one message (``message_id``) or those made in ``[since, until)``."""

    message_id: Annotated[NulFree, Field(min_length=1, max_length=40)] | None = None
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None


class EndpointAnswer(BaseModel):
    """A subscription as its owner sees it (``secret`` only when it was just made)."""

    id: str
    url: str
    event_types: list[str]
    description: str
    status: str
    disabled_reason: str | None
    created_at: str
    disabled_at: str | None
    secret: str | None = None


class EndpointPage(BaseModel):
    items: list[EndpointAnswer]
    next_cursor: str | None


class AttemptAnswer(BaseModel):
    """One delivery attempt: its message (``webhook-id``), when, and what came back."""

    message_id: str
    event_type: str
    at: str
    outcome: str
    status: int | None
    reason: str
    duration_ms: int


class AttemptPage(BaseModel):
    items: list[AttemptAnswer]
    next_cursor: str | None


class Deleted(BaseModel):
    id: str
    deleted: bool


class Replayed(BaseModel):
    replayed: int


def policy(hub: Hub) -> Policy:
    settings = hub.settings
    return Policy.of(settings.webhook_allow_http, settings.webhook_allow_networks)


def owner(hub: Hub, session: Any) -> subs.Owner:
    principal = require(hub.principal(session), Kind.GSP, Kind.PROVIDER)
    assert principal.id is not None
    return subs.Owner(principal.kind.value, principal.id)


@bp.post(BASE)
def create() -> dict[str, Any]:
    hub = current_hub()
    body = body_as(EndpointBody, "webhook endpoint")
    with hub.database.transaction() as session:
        return subs.create(
            session,
            owner(hub, session),
            body.url,
            list(body.event_types),
            body.description,
            policy(hub),
            hub.clock(),
        )


@bp.get(BASE)
def listing() -> dict[str, Any]:
    hub = current_hub()
    with hub.database.transaction(write=False) as session:
        return subs.listing(session, owner(hub, session))


@bp.get(BASE + "/<endpoint_id>")
def read(endpoint_id: str) -> dict[str, Any]:
    hub = current_hub()
    with hub.database.transaction(write=False) as session:
        return subs.endpoint_json(subs.owned(session, owner(hub, session), endpoint_id))


@bp.delete(BASE + "/<endpoint_id>")
def remove(endpoint_id: str) -> dict[str, Any]:
    hub = current_hub()
    with hub.database.transaction() as session:
        return subs.remove(session, owner(hub, session), endpoint_id)


@bp.post(BASE + "/<endpoint_id>/enable")
def enable(endpoint_id: str) -> dict[str, Any]:
    hub = current_hub()
    with hub.database.transaction() as session:
        return subs.enable(session, owner(hub, session), endpoint_id, policy(hub))


@bp.get(BASE + "/<endpoint_id>/attempts")
def attempts(endpoint_id: str) -> dict[str, Any]:
    hub = current_hub()
    cursor, limit = text_arg("cursor", 100, empty_ok=False), hub.page_size()
    with hub.database.transaction(write=False) as session:
        return subs.attempts(session, owner(hub, session), endpoint_id, cursor, limit)


@bp.post(BASE + "/<endpoint_id>/replay")
def replay(endpoint_id: str) -> dict[str, Any]:
    hub = current_hub()
    body = body_as(ReplayBody, "replay")
    with hub.database.transaction() as session:
        return subs.replay(
            session,
            owner(hub, session),
            endpoint_id,
            hub.clock(),
            body.message_id,
            body.since,
            body.until,
        )


OPERATIONS = (
    Operation(
        "post",
        BASE,
        "Subscribe an endpoint (https URL, checked against the SSRF guard) to event types; "
        "the answer holds its whsec_ signing secret, shown once",
        WHO,
        EndpointBody,
        answer=EndpointAnswer,
        errors=(400, 401, 409, 422),
    ),
    Operation("get", BASE, "Your endpoints", WHO, answer=EndpointPage, errors=(401,)),
    Operation(
        "get",
        ENDPOINT,
        "One of your endpoints",
        WHO,
        answer=EndpointAnswer,
        errors=(401, 404),
        params=(ENDPOINT_ID,),
    ),
    Operation(
        "delete",
        ENDPOINT,
        "Delete an endpoint and its queued messages",
        WHO,
        answer=Deleted,
        errors=(401, 404),
        params=(ENDPOINT_ID,),
    ),
    Operation(
        "post",
        ENDPOINT + "/enable",
        "Enable a disabled endpoint again (pending messages resume)",
        WHO,
        answer=EndpointAnswer,
        errors=(401, 404, 422),
        params=(ENDPOINT_ID,),
    ),
    Operation(
        "get",
        ENDPOINT + "/attempts",
        "Delivery attempts of an endpoint, newest first",
        WHO,
        answer=AttemptPage,
        errors=(401, 404, 422),
        params=(ENDPOINT_ID, CURSOR, LIMIT),
    ),
    Operation(
        "post",
        ENDPOINT + "/replay",
        "Send again one message (same webhook-id) or every message made in a time range",
        WHO,
        ReplayBody,
        answer=Replayed,
        errors=(400, 401, 404, 409, 422),
        params=(ENDPOINT_ID,),
    ),
)
