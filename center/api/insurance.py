"""The insurance API: providers' cost claims on a voucher's coverage, the operator's decisions.

Filing is idempotent per ``Idempotency-Key`` header (per provider): a replay answers the first
claim and changes no balance; the same key for another claim is 409.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from flask import Blueprint, request
from pydantic import BeforeValidator, Field, WithJsonSchema
from sqlalchemy.orm import Session

from ascc_plugin.money import Amount
from center.api.hub import current_hub
from center.api.reward_schemas import ClaimAnswer
from center.api.rewards import acting, announce
from center.api.spec import Operation, Param
from center.api.vouchers import VOUCHER, VOUCHER_ID, Body
from center.infra.problems import InvalidInput
from center.infra.web import NulFree, body_as
from center.insurance import services as insurance
from center.parties.auth import Principal

bp = Blueprint("insurance", __name__)
CLAIM = "/api/v1/claims/{claim_id}"
CLAIM_ID = Param("claim_id", "path", "the claim id, e.g. clm-3f9a1c2b7d4e6a80")
IDEMPOTENCY = Param(
    "Idempotency-Key",
    "header",
    "a replay with the same key answers the first claim",
    {"type": "string", "pattern": "^[!-~][ -~]{0,198}[!-~]$|^[!-~]$"},
)
ERRORS = (400, 401, 404, 409, 422)


def decimal_string(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError("an amount is a decimal string such as '19.99'")
    return value


POSITIVE = r"^(?:[1-9][0-9]{0,11}(?:\.[0-9]{1,3})?|0\.(?:[1-9][0-9]{0,2}|0[1-9][0-9]?|00[1-9]))$"
PositiveAmount = Annotated[
    Amount,
    BeforeValidator(decimal_string),
    Field(gt=0, lt=10**12),
    WithJsonSchema({"type": "string", "pattern": POSITIVE, "examples": ["120.00"]}),
]
"""A positive decimal string (the policy's currency says how many decimals it may have)."""


class ClaimBody(Body):
    """A cost claim: a positive decimal string in the policy's currency (no float)."""

    amount: PositiveAmount
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    description: Annotated[NulFree, Field(min_length=1, max_length=2000)]


class DecisionBody(Body):
    approve: Annotated[bool, Field(strict=True)]
    note: Annotated[NulFree, Field(max_length=2000)] | None = None


def idempotency_key() -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not 1 <= len(key) <= 200 or not key.isprintable():
        raise InvalidInput("Idempotency-Key: 1 to 200 printable characters")
    return key


@bp.post("/api/v1/vouchers/<voucher_id>/claims")
def file_claim(voucher_id: str) -> dict[str, Any]:
    body = body_as(ClaimBody, "claim")
    key = idempotency_key()

    def work(session: Session, caller: Principal, now: datetime) -> tuple[Any, Any]:
        claim = insurance.file_claim(
            session, voucher_id, caller, body.amount, body.currency, body.description, key, now
        )
        return insurance.claim_json(claim), insurance.as_model(claim)

    hub, (answer, model) = acting(work)
    announce(hub, "ascc_claim_decided", claim=model)
    return answer  # type: ignore[no-any-return]


@bp.get("/api/v1/claims/<claim_id>")
def get_claim(claim_id: str) -> dict[str, Any]:
    hub = current_hub()
    with hub.database.transaction(write=False) as session:
        claim = insurance.visible_claim(session, claim_id, hub.principal(session))
        return insurance.claim_json(claim)


@bp.post("/api/v1/claims/<claim_id>/decision")
def decide(claim_id: str) -> dict[str, Any]:
    body = body_as(DecisionBody, "decision")

    def work(session: Session, caller: Principal, now: datetime) -> tuple[Any, Any]:
        claim = insurance.decide(session, claim_id, caller, body.approve, body.note, now)
        return insurance.claim_json(claim), insurance.as_model(claim)

    hub, (answer, model) = acting(work)
    announce(hub, "ascc_claim_decided", claim=model)
    return answer  # type: ignore[no-any-return]


OPERATIONS = (
    Operation(
        "post",
        VOUCHER + "/claims",
        "The assigned provider files a cost claim on the voucher's insurance coverage: approved "
        "at once when amount − deductible fits the remaining coverage, else pending",
        ("providerKey",),
        ClaimBody,
        answer=ClaimAnswer,
        errors=ERRORS,
        params=(VOUCHER_ID, IDEMPOTENCY),
    ),
    Operation(
        "get",
        CLAIM,
        "One claim (the provider who filed it, the voucher's store, the operator)",
        ("providerKey", "gspKey", "adminKey"),
        answer=ClaimAnswer,
        errors=(401, 404),
        params=(CLAIM_ID,),
    ),
    Operation(
        "post",
        CLAIM + "/decision",
        "The operator approves (paying min(amount − deductible, remaining coverage)) or "
        "rejects a pending claim, once",
        ("adminKey",),
        DecisionBody,
        answer=ClaimAnswer,
        errors=ERRORS,
        params=(CLAIM_ID,),
    ),
)
