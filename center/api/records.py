"""``GET /api/v1/records``: the database manager, scoped by who asks."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from ascc_plugin.vouchers import VoucherState
from center.api.hub import current_hub
from center.api.schemas import RecordPage
from center.api.spec import CURSOR, LIMIT, Operation, query
from center.infra.problems import InvalidInput
from center.infra.web import since_arg, text_arg
from center.parties.auth import Kind, Principal, require
from center.records.services import RecordFilter, list_records

bp = Blueprint("records", __name__)
NOBODY = "-"  # a filter value no party id can equal: a scope that matches nothing


@bp.get("/api/v1/records")
def records() -> dict[str, Any]:
    hub = current_hub()
    wanted = filter_from_args()
    with hub.database.transaction(write=False) as session:
        principal = require(hub.principal(session), Kind.GSP, Kind.PROVIDER, Kind.ADMIN)
        return list_records(
            session,
            scoped(wanted, principal),
            text_arg("cursor", 100, empty_ok=False),
            hub.page_size(),
        )


def filter_from_args() -> RecordFilter:
    state = text_arg("state", 20, empty_ok=False)
    if state is not None and state not in {s.value for s in VoucherState}:
        raise InvalidInput(
            f"state: one of {', '.join(s.value for s in VoucherState)}", field="state"
        )
    return RecordFilter(
        gsp=text_arg("gsp", 40),
        customer=text_arg("customer"),
        provider=text_arg("provider", 40),
        state=state,
        since=since_arg(),
    )


def scoped(wanted: RecordFilter, principal: Principal) -> RecordFilter:
    """A store sees its own records, a provider its cases; asking for others' matches nothing."""
    if principal.kind == Kind.GSP:
        gsp = principal.id if wanted.gsp in (None, principal.id) else NOBODY
        return RecordFilter(gsp, wanted.customer, wanted.provider, wanted.state, wanted.since)
    if principal.kind == Kind.PROVIDER:
        provider = principal.id if wanted.provider in (None, principal.id) else NOBODY
        return RecordFilter(wanted.gsp, wanted.customer, provider, wanted.state, wanted.since)
    return wanted


OPERATIONS = (
    Operation(
        "get",
        "/api/v1/records",
        "Records (vouchers with history): a store its own, a provider its cases, the operator all",
        ("gspKey", "providerKey", "adminKey"),
        answer=RecordPage,
        errors=(401, 422),
        params=(
            query("gsp", "store id", 40),
            query("customer", "customer e-mail", 320),
            query("provider", "provider id", 40),
            query("state", "voucher state (empty: 422)", 20, enum=[s.value for s in VoucherState]),
            query("since", "changed at or after (RFC 3339)", 64, format="date-time"),
            CURSOR,
            LIMIT,
        ),
    ),
)
