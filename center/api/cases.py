"""The channel over HTTP: handshake tickets, a case's frames from a seq, the case itself.

``POST /api/v1/cases/{id}/tickets`` gives the single-use ticket a browser puts in the socket URL
(it cannot set headers on ``new WebSocket()``); ``GET …/frames?since=&limit=`` gives the same
log the socket replays, for clients that cannot hold a socket and for a page's first paint;
``GET /api/v1/cases/{id}`` the case's head seq and its arrangement. The socket itself is
:mod:`center.api.ws`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any, Literal

from flask import Blueprint, request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from center.api.hub import Hub, current_hub
from center.api.schemas import Answer
from center.api.spec import LIMIT, Operation, Param
from center.channel import services, tickets
from center.channel.access import case_party
from center.channel.frames import frame_json
from center.infra.problems import InvalidInput
from center.infra.web import body_as, limit_arg
from center.parties.auth import Principal

bp = Blueprint("cases", __name__)
CASE = "/api/v1/cases/{voucher_id}"
VOUCHER_ID = Param("voucher_id", "path", "the voucher id of the case")
LARGEST_SEQ = 2**31 - 1
SINCE = Param(
    "since",
    description="the last seq the caller has seen (0: from the start)",
    schema={"type": "integer", "minimum": 0, "maximum": LARGEST_SEQ},
)
WHO = ("holder", "providerKey", "adminKey")


class TicketBody(BaseModel):
    """Nothing to say: the key or holder secret says who connects."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TicketAnswer(Answer):
    ticket: str
    expires_at: str
    url: str = Field(description="the socket URL to open, ticket included; add &since=N")


class FrameOut(Answer):
    """A stored frame, as the socket sends it."""

    type: Literal["message", "proposal", "accept", "decline", "voucher", "system"]
    seq: Annotated[int, Field(ge=1)]
    from_: Literal["holder", "provider", "system"] = Field(alias="from")
    at: str
    body: dict[str, Any]
    client_msg_id: str | None = None


class FramesAnswer(Answer):
    items: list[FrameOut]
    head: Annotated[int, Field(ge=0)]
    next_cursor: str | None = Field(description="pass as since for the next page; null: done")


class CaseAnswer(Answer):
    voucher_id: str
    state: str
    provider_id: str | None
    role: Literal["holder", "provider", "operator"]
    head: Annotated[int, Field(ge=0)]
    arrangement: dict[str, Any] | None


def seq_arg(name: str) -> int:
    value = request.args.get(name, "0") or "0"
    if not value.isascii() or not value.isdigit() or int(value) > LARGEST_SEQ:
        raise InvalidInput(f"{name}: a whole number from 0", field=name)
    return int(value)


@bp.post("/api/v1/cases/<voucher_id>/tickets")
def ticket(voucher_id: str) -> dict[str, Any]:
    hub = current_hub()
    body_as(TicketBody, "ticket request", allow_empty=True)
    return case_ticket(hub, voucher_id, hub.principal)


def case_ticket(
    hub: Hub, voucher_id: str, principal_of: Callable[[Session], Principal]
) -> dict[str, Any]:
    """A single-use socket ticket for the caller's part in the case (opened if need be): the
    tickets endpoint's answer, and the provider console's (its caller signed in)."""
    lifetime = hub.settings.channel_ticket_seconds
    with hub.database.transaction() as session:
        voucher, party = case_party(session, voucher_id, principal_of(session))
        now = hub.clock()
        services.open_case(session, voucher.id, now)
        made = tickets.issue(session, voucher.id, party, now, lifetime)
    expires = now + timedelta(seconds=lifetime)
    return tickets.ticket_json(made, voucher.id, expires, hub.settings.public_url)


@bp.get("/api/v1/cases/<voucher_id>/frames")
def frames(voucher_id: str) -> dict[str, Any]:
    hub = current_hub()
    since, limit = seq_arg("since"), limit_arg(hub.settings.page_size, hub.settings.max_page_size)
    with hub.database.transaction(write=False) as session:
        voucher, _ = case_party(session, voucher_id, hub.principal(session))
        found = services.frames_after(session, voucher.id, since, limit)
        head = services.head(session, voucher.id)
    items = [frame_json(frame) for frame in found]
    more = len(items) == limit and items[-1]["seq"] < head
    return {"items": items, "head": head, "next_cursor": str(items[-1]["seq"]) if more else None}


@bp.get("/api/v1/cases/<voucher_id>")
def case(voucher_id: str) -> dict[str, Any]:
    hub = current_hub()
    with hub.database.transaction(write=False) as session:
        voucher, party = case_party(session, voucher_id, hub.principal(session))
        return {
            "voucher_id": voucher.id,
            "state": voucher.state.value,
            "provider_id": voucher.provider_id,
            "role": party.role.value,
            "head": services.head(session, voucher.id),
            "arrangement": services.arrangement_of(session, voucher.id),
        }


OPERATIONS = (
    Operation(
        "post",
        CASE + "/tickets",
        "A single-use WebSocket ticket for the case (the holder or the assigned provider; the "
        "operator reads)",
        WHO,
        TicketBody,
        False,
        TicketAnswer,
        (400, 401, 404, 409, 422),
        (VOUCHER_ID,),
    ),
    Operation(
        "get",
        CASE + "/frames",
        "The case's stored frames after a seq, in seq order (what the socket replays)",
        WHO,
        answer=FramesAnswer,
        errors=(401, 404, 409, 422),
        params=(VOUCHER_ID, SINCE, LIMIT),
    ),
    Operation(
        "get",
        CASE,
        "The case: its voucher's state, its head seq and the accepted appointment",
        WHO,
        answer=CaseAnswer,
        errors=(401, 404, 409),
        params=(VOUCHER_ID,),
    ),
)
