"""``GET /api/v1/ledger/accounts/{name}`` (own accounts; the operator all) and
``GET /api/v1/reports?from=&to=`` (scoped to the caller)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint

from center.api.hub import current_hub
from center.api.reward_schemas import AccountAnswer, ReportAnswer
from center.api.spec import CURSOR, LIMIT, Operation, Param
from center.infra.problems import InvalidInput, NotFound
from center.infra.web import text_arg
from center.ledger.accounts import may_read
from center.ledger.services import account_json
from center.parties.auth import Kind, require
from center.reports.services import Scope, build

bp = Blueprint("ledger", __name__)
NO_ACCOUNT = "no account of this name is visible to you"
DEFAULT_DAYS = 30
DATE = {"type": "string", "format": "date-time"}


@bp.get("/api/v1/ledger/accounts/<name>")
def account(name: str) -> dict[str, Any]:
    hub = current_hub()
    cursor = text_arg("cursor", 100, empty_ok=False)
    limit = hub.page_size()
    with hub.database.transaction(write=False) as session:
        caller = require(hub.principal(session), Kind.GSP, Kind.PROVIDER, Kind.ADMIN)
        if len(name) > 160 or not name.isprintable() or not may_read(name, caller):
            raise NotFound(NO_ACCOUNT)
        return account_json(session, name, cursor, limit)


def when(name: str, default: datetime) -> datetime:
    text = text_arg(name, 64, empty_ok=False)
    if text is None:
        return default
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{name}: an ISO 8601 date-time with offset", field=name) from None
    if value.tzinfo is None:
        raise InvalidInput(f"{name}: give a UTC offset", field=name)
    return value.astimezone(UTC)


@bp.get("/api/v1/reports")
def report() -> dict[str, Any]:
    hub = current_hub()
    end = when("to", hub.clock())
    start = when("from", end - timedelta(days=DEFAULT_DAYS))  # from ≥ to: an empty period
    with hub.database.transaction(write=False) as session:
        caller = require(hub.principal(session), Kind.GSP, Kind.PROVIDER, Kind.ADMIN)
        return build(session, Scope.of(caller), start, end)


OPERATIONS = (
    Operation(
        "get",
        "/api/v1/ledger/accounts/{name}",
        "A ledger account's balances and entries (a store or provider its own accounts, "
        "gsp:<id>:… / provider:<id>:…; the operator every account)",
        ("gspKey", "providerKey", "adminKey"),
        answer=AccountAnswer,
        errors=(401, 404, 422),
        params=(
            Param("name", "path", "e.g. provider:prv-3f9a1c2b7d4e6a80:receivable"),
            CURSOR,
            LIMIT,
        ),
    ),
    Operation(
        "get",
        "/api/v1/reports",
        "Satisfaction, incentives, insurance (from the ledger) and service times for a period, "
        "scoped to the caller (the operator: all)",
        ("gspKey", "providerKey", "adminKey"),
        answer=ReportAnswer,
        errors=(401, 422),
        params=(
            Param(
                "from",
                description="start (ISO 8601 with offset; default: to − 30 days)",
                schema=DATE,
            ),
            Param("to", description="end, exclusive (default: now)", schema=DATE),
        ),
    ),
)
