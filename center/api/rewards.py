"""The reward API: assessments, incentive vouchers, moderation and the operator's flags.

Thin views over :mod:`center.assessments.services` and :mod:`center.incentives.services`: parse
the body with its model, act in one transaction, answer JSON, then — after the commit — call
the plugins' hooks with typed models (:mod:`ascc_plugin.rewards`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

from flask import Blueprint
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from ascc_plugin.host import notify
from center.api.hub import Hub, current_hub
from center.api.reward_schemas import AssessedAnswer, AssessmentAnswer, FlagPage, IncentiveAnswer
from center.api.spec import CURSOR, LIMIT, Operation, Param
from center.api.vouchers import VOUCHER, VOUCHER_ID, Body
from center.assessments import services as assessments
from center.incentives import services as incentives
from center.incentives.models import Flag
from center.incentives.views import as_model, incentive_json
from center.infra.web import NulFree, body_as, decode_cursor, encode_cursor, text_arg
from center.parties.auth import Kind, Principal, require

bp = Blueprint("rewards", __name__)
T = TypeVar("T")
INCENTIVE = "/api/v1/incentives/{incentive_id}"
INCENTIVE_ID = Param("incentive_id", "path", "the incentive id, e.g. 7K3M-9QXD-2B4F-H8TZ-W")
ERRORS = (400, 401, 404, 409, 422)
Score = Annotated[int, Field(strict=True, ge=1, le=5, json_schema_extra={"enum": [1, 2, 3, 4, 5]})]
"""Strict: ``"5"`` and ``5.0`` are refused (JSON Schema cannot tell ``5.0`` from ``5``, so the
document lists the five values)."""
Note = Annotated[NulFree, Field(max_length=2000)]


class AssessmentBody(Body):
    """The holder's score (a whole number 1–5, no string, no fraction) and optional comment
    (plain text, at most 2,000 characters; never rendered as HTML)."""

    score: Score
    comment: Note | None = None


class ModerationBody(Body):
    hidden: Annotated[bool, Field(strict=True)]
    reason: Note | None = None


class ReleaseBody(Body):
    """Whom the holder hands the incentive to: only the provider who served is accepted."""

    provider_id: Annotated[NulFree, Field(min_length=1, max_length=40)]


class IncentiveRedeemBody(Body):
    token: Annotated[NulFree, Field(min_length=1, max_length=4096)]


class CancelBody(Body):
    reason: Note | None = None


def acting(work: Callable[[Session, Principal, datetime], T]) -> tuple[Hub, T]:
    """``work(session, caller, now)`` in one write transaction (retried after a lost race)."""
    hub = current_hub()
    return hub, hub.database.run(lambda s: work(s, hub.principal(s), hub.clock()))


def wanted(hub: Hub, hook: str) -> bool:
    """Whether a plugin implements ``hook`` (its typed argument is built only then)."""
    return hub.pm is not None and bool(getattr(hub.pm.hook, hook).get_hookimpls())


def announce(hub: Hub, hook: str, **arguments: Any) -> None:
    """After commit: the plugins' hook (each failure logged, none stopping the others)."""
    if hub.pm is not None and wanted(hub, hook):
        notify(hub.pm, hook, **arguments)


@bp.post("/api/v1/vouchers/<voucher_id>/assessment")
def assess(voucher_id: str) -> dict[str, Any]:
    body = body_as(AssessmentBody, "assessment")
    hub = current_hub()
    rules = hub.settings.reward_rules()
    minter = incentives.Minter(hub.issuer.ring.id_key, hub.issuer.signer, rules)

    def work(session: Session, caller: Principal, now: datetime) -> tuple[Any, Any]:
        done = assessments.assess(
            session, voucher_id, caller, body.score, body.comment, minter, now
        )
        return assessments.assessed_json(done, caller), done

    _, (answer, done) = acting(work)
    if wanted(hub, "ascc_assessment_submitted"):
        announce(hub, "ascc_assessment_submitted", assessment=assessments.as_model(done.assessment))
    if done.incentive is not None and wanted(hub, "ascc_incentive_issued"):
        announce(hub, "ascc_incentive_issued", incentive=as_model(done.incentive, True))
    return answer  # type: ignore[no-any-return]


@bp.post("/api/v1/vouchers/<voucher_id>/assessment/moderation")
def moderate(voucher_id: str) -> dict[str, Any]:
    body = body_as(ModerationBody, "moderation")
    _, answer = acting(
        lambda s, caller, now: assessments.assessment_json(
            assessments.moderate(s, voucher_id, caller, body.hidden, body.reason, now)
        )
    )
    return answer


@bp.get("/api/v1/incentives/<incentive_id>")
def get_incentive(incentive_id: str) -> dict[str, Any]:
    hub = current_hub()
    with hub.database.transaction(write=False) as session:
        caller = hub.principal(session)
        found = incentives.visible_incentive(session, incentive_id, caller)
        return incentive_json(found, caller)


@bp.post("/api/v1/incentives/<incentive_id>/release")
def release(incentive_id: str) -> dict[str, Any]:
    body = body_as(ReleaseBody, "release")
    _, answer = acting(
        lambda s, caller, now: incentive_json(
            incentives.release(s, incentive_id, caller, body.provider_id, now), caller
        )
    )
    return answer


@bp.post("/api/v1/incentives/<incentive_id>/redeem")
def redeem(incentive_id: str) -> dict[str, Any]:
    body = body_as(IncentiveRedeemBody, "redemption")
    hub = current_hub()

    def work(session: Session, caller: Principal, now: datetime) -> Any:
        return incentives.redeem(session, incentive_id, caller, body.token, hub.verifier, now)

    _, done = acting(work)
    model = as_model(done, False)  # the provider's view: no token (built after the commit)
    announce(hub, "ascc_incentive_redeemed", incentive=model)
    return {**model.model_dump(mode="json", exclude_none=True), "token": None}


@bp.post("/api/v1/incentives/<incentive_id>/cancel")
def cancel(incentive_id: str) -> dict[str, Any]:
    body = body_as(CancelBody, "cancellation", allow_empty=True)
    _, answer = acting(
        lambda s, caller, now: incentive_json(
            incentives.cancel(s, incentive_id, caller, body.reason or "", now), caller
        )
    )
    return answer


@bp.get("/api/v1/flags")
def flags() -> dict[str, Any]:
    hub = current_hub()
    cursor = text_arg("cursor", 100, empty_ok=False)
    limit = hub.page_size()
    with hub.database.transaction(write=False) as session:
        require(hub.principal(session), Kind.ADMIN)
        after = decode_cursor(cursor) if cursor else 0
        query = select(Flag).where(Flag.seq > after).order_by(Flag.seq).limit(limit + 1)
        rows = list(session.scalars(query))
    page = rows[:limit]
    return {
        "items": [flag_json(flag) for flag in page],
        "next_cursor": encode_cursor(page[-1].seq) if len(rows) > limit else None,
    }


def flag_json(flag: Flag) -> dict[str, Any]:
    return {
        "kind": flag.kind,
        "voucher_id": flag.voucher_id,
        "gsp_id": flag.gsp_id,
        "provider_id": flag.provider_id,
        "detail": flag.detail,
        "at": flag.at.isoformat(),
    }


def incentive_action(
    path: str, summary: str, who: str, body: type[Body], required: bool
) -> Operation:
    return Operation(
        "post",
        INCENTIVE + path,
        summary,
        (who,),
        body,
        required,
        IncentiveAnswer,
        ERRORS,
        (INCENTIVE_ID,),
    )


OPERATIONS = (
    Operation(
        "post",
        VOUCHER + "/assessment",
        "The holder assesses the completed service, once: the answer carries the assessment "
        "and the incentive voucher, or null and the reason none is due",
        ("holder",),
        AssessmentBody,
        answer=AssessedAnswer,
        errors=ERRORS,
        params=(VOUCHER_ID,),
    ),
    Operation(
        "post",
        VOUCHER + "/assessment/moderation",
        "The operator hides (or shows again) an assessment's comment; the score stays",
        ("adminKey",),
        ModerationBody,
        answer=AssessmentAnswer,
        errors=ERRORS,
        params=(VOUCHER_ID,),
    ),
    Operation(
        "get",
        INCENTIVE,
        "One incentive voucher (its holder — who alone sees the token —, its store, the "
        "provider who served, the operator)",
        ("holder", "gspKey", "providerKey", "adminKey"),
        answer=IncentiveAnswer,
        errors=(401, 404),
        params=(INCENTIVE_ID,),
    ),
    incentive_action(
        "/release",
        "The holder hands the incentive to the provider who served",
        "holder",
        ReleaseBody,
        True,
    ),
    incentive_action(
        "/redeem",
        "The provider who served redeems the incentive with its signed token, once, after the "
        "hold; the service voucher becomes rewarded",
        "providerKey",
        IncentiveRedeemBody,
        True,
    ),
    incentive_action(
        "/cancel",
        "The operator stops an incentive before redemption (chargeback, dispute)",
        "adminKey",
        CancelBody,
        False,
    ),
    Operation(
        "get",
        "/api/v1/flags",
        "What the operator should look at (a provider and a customer sharing an e-mail …)",
        ("adminKey",),
        answer=FlagPage,
        errors=(401, 422),
        params=(CURSOR, LIMIT),
    ),
)
