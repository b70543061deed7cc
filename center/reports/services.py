"""The report of one period, scoped to the caller (operator: all; a store: its own; a
provider: its own), built from a handful of grouped queries on indexed columns:

* satisfaction per provider (``assessments``, by ``at``): count, mean, CSAT (% of scores 4–5);
* incentives issued / released / redeemed / lapsed in the period, count and amount per currency;
* insurance from the ledger itself: premiums earned and claims paid in the period, the reserve
  at the period's end, the loss ratio (paid ÷ earned) — so they equal what the ledger says;
* service times (p50/p90, nearest rank): issue → redeem and redeem → complete, for the
  redemptions and completions in the period (``audit_events`` by action and time).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from ascc_plugin.money import from_minor
from center.assessments.models import Assessment
from center.audit.models import AuditEvent
from center.incentives.models import Incentive
from center.ledger.models import LedgerEntry
from center.parties.auth import Kind, Principal
from center.vouchers.models import Voucher

STAMPS = {
    "issued": Incentive.issued_at,
    "released": Incentive.released_at,
    "redeemed": Incentive.redeemed_at,
    "lapsed": Incentive.ended_at,
}
LAPSED = (Incentive.state == "lapsed",)


@dataclass(frozen=True)
class Scope:
    """Whose report: ``kind`` ``all``, ``gsp`` or ``provider`` and the party's id."""

    kind: str
    id: str | None = None

    @classmethod
    def of(cls, principal: Principal) -> Scope:
        if principal.kind == Kind.GSP:
            return cls("gsp", principal.id)
        if principal.kind == Kind.PROVIDER:
            return cls("provider", principal.id)
        return cls("all")

    def where(self, gsp: Any, provider: Any) -> list[ColumnElement[bool]]:
        if self.kind == "gsp":
            return [gsp == self.id]
        if self.kind == "provider":
            return [provider == self.id]
        return []


def build(session: Session, scope: Scope, start: datetime, end: datetime) -> dict[str, Any]:
    providers = satisfaction(session, scope, start, end)
    count = sum(p["count"] for p in providers)
    total = sum(p["mean"] * p["count"] for p in providers)
    happy = sum(p["csat"] * p["count"] / 100 for p in providers)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "scope": {"kind": scope.kind, "id": scope.id},
        "satisfaction": {
            "count": count,
            "mean": round(total / count, 3) if count else None,
            "csat": round(100 * happy / count, 1) if count else None,
        },
        "providers": providers,
        "incentives": incentives(session, scope, start, end),
        "insurance": insurance(session, scope, start, end),
        "durations": durations(session, scope, start, end),
    }


def satisfaction(
    session: Session, scope: Scope, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    happy = func.sum(case((Assessment.score >= 4, 1), else_=0))
    query = (
        select(Assessment.provider_id, func.count(), func.sum(Assessment.score), happy)
        .where(
            Assessment.at >= start,
            Assessment.at < end,
            *scope.where(Assessment.gsp_id, Assessment.provider_id),
        )
        .group_by(Assessment.provider_id)
        .order_by(Assessment.provider_id)
    )
    return [
        {
            "provider_id": provider,
            "count": int(n),
            "mean": round(int(total) / int(n), 3),
            "csat": round(100 * int(good) / int(n), 1),
        }
        for provider, n, total, good in session.execute(query)
    ]


def incentives(session: Session, scope: Scope, start: datetime, end: datetime) -> dict[str, Any]:
    """Issued, released, redeemed and lapsed in the period, per currency: one scan of the
    incentives with a conditional count and sum per stamp."""
    within = {
        name: and_(stamp >= start, stamp < end, *LAPSED if name == "lapsed" else ())
        for name, stamp in STAMPS.items()
    }
    columns = []
    for name, condition in within.items():
        columns.append(func.sum(case((condition, 1), else_=0)).label(f"{name}_n"))
        columns.append(func.sum(case((condition, Incentive.amount), else_=0)).label(f"{name}_a"))
    query = (
        select(Incentive.currency, *columns)
        .where(or_(*within.values()), *scope.where(Incentive.gsp_id, Incentive.provider_id))
        .group_by(Incentive.currency)
        .order_by(Incentive.currency)
    )
    rows = session.execute(query).all()
    found: dict[str, Any] = {}
    for name in STAMPS:
        counted = [
            (row.currency, int(row._mapping[f"{name}_n"] or 0), row._mapping[f"{name}_a"])
            for row in rows
        ]
        counted = [(cur, n, int(a or 0)) for cur, n, a in counted if n]
        found[name] = {
            "count": sum(n for _, n, _ in counted),
            "amounts": {cur: str(from_minor(a, cur)) for cur, _, a in counted},
        }
    return found


def ledger_sums(
    session: Session, scope: Scope, start: datetime, end: datetime
) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    """``{(currency, purpose): debits − credits}`` of every ``policy:…`` account, in the
    period (``start`` … ``end``) and up to ``end`` — one statement."""
    in_period = case((LedgerEntry.at >= start, LedgerEntry.amount), else_=0)
    query = (
        select(
            LedgerEntry.currency,
            LedgerEntry.account,
            func.sum(in_period),
            func.sum(LedgerEntry.amount),
        )
        .where(
            LedgerEntry.account.like("policy:%"),
            LedgerEntry.at < end,
            *scope.where(LedgerEntry.gsp_id, LedgerEntry.provider_id),
        )
        .group_by(LedgerEntry.currency, LedgerEntry.account)
    )
    period: dict[tuple[str, str], int] = defaultdict(int)
    held: dict[tuple[str, str], int] = defaultdict(int)
    for currency, account, within, total in session.execute(query):
        purpose = (currency, account.rsplit(":", 1)[-1])
        period[purpose] += int(within or 0)
        held[purpose] += int(total or 0)
    return period, held


def insurance(
    session: Session, scope: Scope, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    period, held = ledger_sums(session, scope, start, end)
    currencies = sorted({cur for cur, _ in period} | {cur for cur, _ in held})
    rows = []
    for cur in currencies:
        earned, paid = -period[(cur, "premiums")], period[(cur, "claims")]
        rows.append(
            {
                "currency": cur,
                "premiums_earned": str(from_minor(earned, cur)),
                "claims_paid": str(from_minor(paid, cur)),
                "reserve": str(from_minor(-held[(cur, "reserve")], cur)),
                "loss_ratio": str(round(Decimal(paid) / Decimal(earned), 4)) if earned else None,
            }
        )
    return rows


def seconds_between(session: Session, later: Any, earlier: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def durations(session: Session, scope: Scope, start: datetime, end: datetime) -> dict[str, Any]:
    redeem, complete = aliased(AuditEvent), aliased(AuditEvent)
    scoped = scope.where(Voucher.gsp_id, Voucher.provider_id)
    to_redeem = (
        select(seconds_between(session, redeem.at, Voucher.created_at))
        .join(Voucher, Voucher.id == redeem.voucher_id)
        .where(redeem.action == "redeem", redeem.at >= start, redeem.at < end, *scoped)
    )
    to_complete = (
        select(seconds_between(session, complete.at, redeem.at))
        .join(redeem, and_(redeem.voucher_id == complete.voucher_id, redeem.action == "redeem"))
        .join(Voucher, Voucher.id == complete.voucher_id)
        .where(complete.action == "complete", complete.at >= start, complete.at < end, *scoped)
    )
    return {
        "issue_to_redeem": percentiles(list(session.scalars(to_redeem))),
        "redeem_to_complete": percentiles(list(session.scalars(to_complete))),
    }


def percentiles(seconds: Sequence[float | None]) -> dict[str, Any]:
    """Count, p50 and p90 in hours (nearest rank: the same answer on every database)."""
    values = sorted(float(s) for s in seconds if s is not None)

    def rank(p: float) -> float | None:
        if not values:
            return None
        return round(values[max(0, math.ceil(p * len(values)) - 1)] / 3600, 3)

    return {"count": len(values), "p50_hours": rank(0.5), "p90_hours": rank(0.9)}
