"""Premiums: accrued when a voucher of an insured program is issued, reversed when it is voided.

:func:`subscribe` puts :func:`on_changes` on the database's voucher change feed
(:mod:`center.audit.trail`), so ingest knows nothing of insurance: in the issuing transaction
the new vouchers' programs are looked up (one query joining vouchers to their stores'
programs); each voucher whose program names a registered policy of the order's currency gets a
:class:`~center.insurance.models.Coverage` row and a ``premium.accrued`` ledger transaction.
A void before service reverses it (``premium.reversed``). A policy of another currency than
the order's covers nothing (a ledger transaction never mixes currencies).

Ingest pays for this only where insurance exists: whether any policy is registered is known per
process for :data:`POLICIES_TTL` seconds (registering one in this process is seen at once; from
another process — ``ascc center add-policy`` — within that time), and only then are the new
vouchers' programs looked up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ascc_plugin.in_lists import InList
from center.audit.trail import Change, feed
from center.infra.caches import engine_cache
from center.infra.db import Database
from center.insurance.models import Coverage, Policy
from center.ledger import accounts
from center.ledger.services import Posting, post, transfer
from center.vouchers.models import GspProgram, Voucher


def subscribe(database: Database) -> None:
    feed(database).subscribe(on_changes)


POLICIES_TTL = 5.0


def any_policy(session: Session) -> bool:
    """Whether any policy is registered (kept per process for :data:`POLICIES_TTL` seconds)."""
    known = engine_cache(session.get_bind(), "policies", POLICIES_TTL)  # type: ignore[arg-type]
    found = known.get("any")
    if found is None:
        found = session.scalar(select(Policy.id).limit(1)) is not None
        known.put("any", found)
    return bool(found)


def forget_policies(session: Session) -> None:
    """Read the policies again next time (this process just registered one)."""
    engine_cache(session.get_bind(), "policies", POLICIES_TTL).discard("any")  # type: ignore[arg-type]


def on_changes(session: Session, changes: Sequence[Change]) -> None:
    issued = [c.voucher_id for c in changes if c.action == "issue"]
    if issued and not any_policy(session):
        issued = []
    voided = [c.voucher_id for c in changes if c.action == "void"]
    if issued:
        accrue(session, issued, changes[0].at)
    if voided:
        reverse(session, voided, changes[0].at)


def premium(policy: Policy, unit_price: int | None) -> int | None:
    """The premium of one voucher in minor units (a rate applies to the unit's price)."""
    if policy.premium_fixed is not None:
        return policy.premium_fixed
    if policy.premium_rate is None or unit_price is None:
        return None
    exact = Decimal(policy.premium_rate) * unit_price
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


ISSUED = InList(
    lambda ids: (
        select(
            Voucher.id, Voucher.gsp_id, Voucher.currency, Voucher.unit_price, GspProgram.definition
        )
        .join(
            GspProgram,
            (GspProgram.gsp_id == Voucher.gsp_id) & (GspProgram.program_id == Voucher.program),
        )
        .where(Voucher.id.in_(ids))
    )
)
"""The new vouchers with their programs' definitions (columns only: no entities to load)."""

POLICIES = InList(lambda ids: select(Policy).where(Policy.id.in_(ids)))


def accrue(session: Session, voucher_ids: Sequence[str], now: datetime) -> None:
    rows = [  # through the session: it flushes first (the programs may be pending there)
        row
        for statement, values in ISSUED.batches(list(dict.fromkeys(voucher_ids)))
        for row in session.execute(statement, values)
    ]
    named = {
        row.id: str(row.definition["insurance_policy"])
        for row in rows
        if row.definition.get("insurance_policy")
    }
    if not named:
        return
    policies = {
        policy.id: policy
        for statement, values in POLICIES.batches(sorted(set(named.values())))
        for policy in session.scalars(statement, values)
    }
    for row in rows:
        policy = policies.get(named.get(row.id, ""))
        if policy is not None and policy.currency == row.currency:
            cover(session, Covered(row.id, row.gsp_id, row.unit_price), policy, now)


@dataclass(frozen=True)
class Covered:
    """What a premium needs of a new voucher."""

    voucher_id: str
    gsp_id: str
    unit_price: int | None


def cover(session: Session, voucher: Covered, policy: Policy, now: datetime) -> None:
    amount = premium(policy, voucher.unit_price)
    if amount is None:
        return
    session.add(
        Coverage(
            voucher_id=voucher.voucher_id,
            policy_id=policy.id,
            gsp_id=voucher.gsp_id,
            currency=policy.currency,
            premium=amount,
            limit=policy.coverage_limit,
            deductible=policy.deductible,
            paid=0,
            reversed=False,
            at=now,
        )
    )
    legs = transfer(
        amount,
        accounts.gsp(voucher.gsp_id, "premium-expense"),
        accounts.policy(policy.id, "premiums"),
    )
    posting = Posting(
        "premium.accrued",
        voucher.voucher_id,
        policy.currency,
        legs,
        voucher.gsp_id,
        policy_id=policy.id,
    )
    post(session, posting, now)


def reverse(session: Session, voucher_ids: Sequence[str], now: datetime) -> None:
    covered = session.scalars(
        select(Coverage).where(Coverage.voucher_id.in_(voucher_ids), Coverage.reversed.is_(False))
    ).all()
    for coverage in covered:
        session.execute(
            update(Coverage)
            .where(Coverage.voucher_id == coverage.voucher_id)
            .values(reversed=True)
            .execution_options(synchronize_session=False)
        )
        legs = transfer(
            coverage.premium,
            accounts.policy(coverage.policy_id, "premiums"),
            accounts.gsp(coverage.gsp_id, "premium-expense"),
        )
        posting = Posting(
            "premium.reversed",
            coverage.voucher_id,
            coverage.currency,
            legs,
            coverage.gsp_id,
            policy_id=coverage.policy_id,
        )
        post(session, posting, now)
