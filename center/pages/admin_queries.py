"""What the operator dashboard shows: the marketplace at a glance, read through the services.

The operator's scope is the whole marketplace (as in the API: ``GET /api/v1/records`` and
``/api/v1/reports`` with the operator key); the figures of the period come from the report
service (:func:`center.reports.services.build`), which reads insurance from the ledger itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ascc_plugin.vouchers import VoucherState
from center.api.rewards import flag_json
from center.incentives.models import Flag
from center.insurance.models import Claim
from center.insurance.services import claim_json
from center.insurance.states import ClaimState
from center.parties.models import Gsp, Provider
from center.parties.services import provider_json
from center.reports import services as reports
from center.vouchers.models import Voucher

PERIOD = timedelta(days=30)
SHOWN = 100
OPERATOR_SCOPE = reports.Scope("all")


def report(session: Session, now: datetime) -> dict[str, Any]:
    """The report of the last :data:`PERIOD` for the whole marketplace."""
    return reports.build(session, OPERATOR_SCOPE, now - PERIOD, now)


def counts(session: Session) -> dict[str, Any]:
    """Vouchers per state (every state listed, zeros included), stores and providers."""
    found = dict(session.execute(select(Voucher.state, func.count()).group_by(Voucher.state)).all())
    states = {state.value: int(found.get(state, 0)) for state in VoucherState}
    return {
        "vouchers": states,
        "total": sum(states.values()),
        "stores": int(session.scalar(select(func.count()).select_from(Gsp)) or 0),
        "providers": int(session.scalar(select(func.count()).select_from(Provider)) or 0),
    }


def dashboard(session: Session, now: datetime) -> dict[str, Any]:
    return {
        "counts": counts(session),
        "report": report(session, now),
        "pending_claims": pending_claims(session),
        "flags": flags(session),
        "providers": providers(session),
        "stores": stores(session),
    }


def pending_claims(session: Session) -> list[dict[str, Any]]:
    query = select(Claim).where(Claim.status == ClaimState.PENDING.value).order_by(Claim.seq)
    return [claim_json(claim) for claim in session.scalars(query.limit(SHOWN))]


def flags(session: Session) -> list[dict[str, Any]]:
    query = select(Flag).order_by(Flag.seq.desc()).limit(SHOWN)
    return [flag_json(flag) for flag in session.scalars(query)]


def providers(session: Session) -> list[dict[str, Any]]:
    query = select(Provider).order_by(Provider.name, Provider.id).limit(SHOWN)
    return [provider_json(provider) for provider in session.scalars(query)]


def stores(session: Session) -> list[dict[str, Any]]:
    """The stores (name, platform, shop: never their keys or signing secrets)."""
    query = select(Gsp.id, Gsp.name, Gsp.platform, Gsp.shop).order_by(Gsp.name).limit(SHOWN)
    return [row._asdict() for row in session.execute(query)]
