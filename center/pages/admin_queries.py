"""What the operator dashboard shows: the marketplace at a glance, in few statements.

The operator's scope is the whole marketplace (as in the API: ``GET /api/v1/records`` and
``/api/v1/reports`` with the operator key); the figures of the period come from the report
service (:func:`center.reports.services.build`), which reads insurance from the ledger itself.
The lists (claims waiting, flags, providers, stores) are row tuples of the columns the page
shows, one statement each; the counts are one statement (a ``UNION ALL`` of three groupings).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CompoundSelect, func, literal, null, select, union_all
from sqlalchemy.orm import Session

from ascc_plugin.money import from_minor
from ascc_plugin.vouchers import VoucherState
from center.incentives.models import Flag
from center.insurance.models import Claim
from center.insurance.states import ClaimState
from center.parties.models import Gsp, Provider, ProviderCategory
from center.parties.services import mean_rating
from center.reports import services as reports
from center.vouchers.models import Voucher

PERIOD = timedelta(days=30)
SHOWN = 100
OPERATOR_SCOPE = reports.Scope("all")


def report(session: Session, now: datetime) -> dict[str, Any]:
    """The report of the last :data:`PERIOD` for the whole marketplace."""
    return reports.build(session, OPERATOR_SCOPE, now - PERIOD, now)


COUNTS: CompoundSelect[Any] = union_all(
    select(literal("voucher"), Voucher.state, func.count()).group_by(Voucher.state),
    select(literal("stores"), null(), func.count()).select_from(Gsp),
    select(literal("providers"), null(), func.count()).select_from(Provider),
)
"""Vouchers per state, stores, providers: ``(what, state, count)`` rows, one statement."""


def counts(session: Session) -> dict[str, Any]:
    """Vouchers per state (every state listed, zeros included), stores and providers."""
    found: dict[str, int] = {}
    totals = {"stores": 0, "providers": 0}
    for what, state, n in rows(session, COUNTS):
        if what == "voucher":
            found[VoucherState(state).value] = int(n)
        else:
            totals[what] = int(n)
    states = {state.value: found.get(state.value, 0) for state in VoucherState}
    return {"vouchers": states, "total": sum(states.values()), **totals}


def fresh(session: Session) -> dict[str, Any]:
    """What the dashboard reads on every request: the lists an operator acts on or checks."""
    return {
        "pending_claims": pending_claims(session),
        "flags": flags(session),
        "providers": providers(session),
        "stores": stores(session),
    }


PENDING_CLAIMS = (
    select(
        Claim.id,
        Claim.voucher_id,
        Claim.provider_id,
        Claim.amount,
        Claim.reserved,
        Claim.currency,
        Claim.description,
    )
    .where(Claim.status == ClaimState.PENDING.value)
    .order_by(Claim.seq)
    .limit(SHOWN)
)
FLAGS = (
    select(Flag.kind, Flag.voucher_id, Flag.gsp_id, Flag.provider_id, Flag.detail, Flag.at)
    .order_by(Flag.seq.desc())
    .limit(SHOWN)
)
FIRST_PROVIDERS = (
    select(
        Provider.id,
        Provider.name,
        Provider.region,
        Provider.rating_total,
        Provider.reviews_count,
        Provider.completed_services,
    )
    .order_by(Provider.created_at.desc(), Provider.id)
    .limit(SHOWN)
    .subquery()
)
PROVIDERS = (
    select(FIRST_PROVIDERS, ProviderCategory.category)
    .outerjoin(ProviderCategory, ProviderCategory.provider_id == FIRST_PROVIDERS.c.id)
    .order_by(FIRST_PROVIDERS.c.name, FIRST_PROVIDERS.c.id, ProviderCategory.category)
)
"""The :data:`SHOWN` newest providers, by name, joined to their categories (one statement)."""
STORES = (
    select(Gsp.id, Gsp.name, Gsp.platform, Gsp.shop)
    .order_by(Gsp.created_at.desc(), Gsp.id)
    .limit(SHOWN)
)
"""The :data:`SHOWN` newest stores (name, platform, shop: never their keys or signing secrets)."""


def rows(session: Session, statement: Any) -> Any:
    """``statement`` (built once, at import) as Core rows on the session's connection."""
    return session.connection().execute(statement)


def pending_claims(session: Session) -> list[dict[str, Any]]:
    return [
        {
            **row._asdict(),
            "amount": str(from_minor(row.amount, row.currency)),
            "reserved": str(from_minor(row.reserved, row.currency)),
        }
        for row in rows(session, PENDING_CLAIMS)
    ]


def flags(session: Session) -> list[dict[str, Any]]:
    return [{**row._asdict(), "at": row.at.isoformat()} for row in rows(session, FLAGS)]


def providers(session: Session) -> list[dict[str, Any]]:
    """The providers with their categories and record (:data:`PROVIDERS`)."""
    shown: dict[str, dict[str, Any]] = {}
    for row in rows(session, PROVIDERS):
        provider = shown.get(row.id)
        if provider is None:
            record = {"rating": mean_rating(row.rating_total, row.reviews_count)}
            record |= {"reviews": row.reviews_count, "completed_services": row.completed_services}
            provider = {"id": row.id, "name": row.name, "region": row.region, "record": record}
            provider["categories"] = []
            shown[row.id] = provider
        if row.category is not None:
            provider["categories"].append(row.category)
    return list(shown.values())


def stores(session: Session) -> list[dict[str, Any]]:
    return [row._asdict() for row in rows(session, STORES)]
