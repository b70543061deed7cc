"""Policies and cost claims.

A provider files a claim on a voucher it served (in service or after): ``net = amount −
deductible``. One conditional ``UPDATE coverages SET paid = paid + net WHERE paid + net <=
limit`` approves it at once when it fits the voucher's remaining coverage — so parallel claims
can never pay more than the limit in total — else it waits for the operator, and its
``min(net, remaining)`` is held in the reserve. The operator's decision locks the coverage row
(``SELECT … FOR UPDATE``; SQLite's writer lock serialises there) and pays ``min(net,
remaining)``. Every step is one balanced ledger transaction in the same database transaction.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ascc_plugin import rewards
from ascc_plugin.money import from_minor, to_minor
from ascc_plugin.vouchers import VoucherState
from center.infra.problems import Conflict, InvalidInput, NotFound, Unauthorized
from center.insurance.models import Claim, Coverage, Policy
from center.insurance.premiums import forget_policies
from center.insurance.states import ClaimState, plan
from center.ledger import accounts
from center.ledger.services import Posting, post, transfer
from center.parties import keys
from center.parties.auth import Kind, Principal
from center.vouchers.services import acting_voucher

NO_CLAIM = "no claim with this id is visible to you"
SERVED = (
    VoucherState.IN_SERVICE,
    VoucherState.COMPLETED,
    VoucherState.ASSESSED,
    VoucherState.REWARDED,
)


def minor(amount: Decimal, currency: str, field: str) -> int:
    try:
        value = to_minor(amount, currency)
    except ValueError as exc:
        raise InvalidInput(f"{field}: {exc}", field=field) from None
    if value < 0:
        raise InvalidInput(f"{field}: must not be negative", field=field)
    return value


def add_policy(
    session: Session,
    *,
    policy_id: str,
    insurer: str,
    currency: str,
    coverage_limit: Decimal,
    deductible: Decimal,
    now: datetime,
    premium_fixed: Decimal | None = None,
    premium_rate: Decimal | None = None,
) -> dict[str, Any]:
    """Register a policy (fixed premium per voucher, or a rate of the covered unit's price)."""
    if (premium_fixed is None) == (premium_rate is None):
        raise InvalidInput("give exactly one of a fixed premium and a premium rate")
    if premium_rate is not None and not Decimal(0) <= premium_rate <= Decimal(1):
        raise InvalidInput("premium_rate: a fraction from 0 to 1 of the unit's price")
    if session.get(Policy, policy_id) is not None:
        raise Conflict(f"a policy {policy_id!r} is already registered")
    policy = Policy(
        id=policy_id,
        insurer=insurer,
        currency=currency,
        premium_fixed=None if premium_fixed is None else minor(premium_fixed, currency, "premium"),
        premium_rate=None if premium_rate is None else str(premium_rate),
        coverage_limit=minor(coverage_limit, currency, "coverage_limit"),
        deductible=minor(deductible, currency, "deductible"),
        created_at=now,
    )
    session.add(policy)
    session.flush()
    forget_policies(session)
    return policy_json(policy)


def policy_json(policy: Policy) -> dict[str, Any]:
    cur = policy.currency
    fixed = policy.premium_fixed
    return {
        "policy_id": policy.id,
        "insurer": policy.insurer,
        "currency": cur,
        "premium_fixed": None if fixed is None else str(from_minor(fixed, cur)),
        "premium_rate": policy.premium_rate,
        "coverage_limit": str(from_minor(policy.coverage_limit, cur)),
        "deductible": str(from_minor(policy.deductible, cur)),
    }


def file_claim(
    session: Session,
    voucher_id: str,
    principal: Principal,
    amount: Decimal,
    currency: str | None,
    description: str,
    idempotency_key: str | None,
    now: datetime,
) -> Claim:
    """The assigned provider's cost claim on the voucher's coverage (see the module doc)."""
    voucher = acting_voucher(session, voucher_id, principal, Kind.PROVIDER)
    if idempotency_key is not None:
        earlier = session.scalar(
            select(Claim).where(
                Claim.provider_id == principal.id, Claim.idempotency_key == idempotency_key
            )
        )
        if earlier is not None:
            return same_claim(earlier, voucher.id, amount, description)
    if voucher.state not in SERVED:
        raise Conflict(f"a voucher in state {voucher.state.value!r} has no service to claim for")
    coverage = session.get(Coverage, voucher.id)
    if coverage is None or coverage.reversed:
        raise Conflict("the voucher's program carries no insurance policy")
    if currency is not None and currency != coverage.currency:
        raise InvalidInput(f"currency: the policy pays in {coverage.currency}", field="currency")
    claimed = minor(amount, coverage.currency, "amount")
    net = max(0, claimed - coverage.deductible)
    approved = pay(session, coverage, net)
    claim = Claim(
        id=keys.new_party_id("clm"),
        voucher_id=voucher.id,
        policy_id=coverage.policy_id,
        provider_id=str(principal.id),
        gsp_id=voucher.gsp_id,
        amount=claimed,
        currency=coverage.currency,
        description=description,
        status=ClaimState.APPROVED if approved else ClaimState.PENDING,
        paid=net if approved else 0,
        reserved=0 if approved else min(net, coverage.limit - coverage.paid),
        decided_by="rule" if approved else None,
        idempotency_key=idempotency_key,
        filed_at=now,
        decided_at=now if approved else None,
    )
    session.add(claim)
    session.flush()
    legs = paid_legs(claim, claim.paid) if approved else reserve_legs(claim, claim.reserved)
    post(session, posting(claim, "claim.approved" if approved else "claim.reserved", legs), now)
    return claim


def same_claim(earlier: Claim, voucher_id: str, amount: Decimal, description: str) -> Claim:
    """A replayed filing (same idempotency key): the first claim, if it asked the same."""
    same = (earlier.voucher_id, earlier.description) == (voucher_id, description)
    if not same or from_minor(earlier.amount, earlier.currency) != amount:
        raise Conflict("this Idempotency-Key was used for another claim")
    return earlier


def pay(session: Session, coverage: Coverage, net: int) -> bool:
    """Add ``net`` to what the coverage paid, if it still fits the limit (one statement)."""
    result = session.execute(
        update(Coverage)
        .where(
            Coverage.voucher_id == coverage.voucher_id,
            Coverage.reversed.is_(False),
            Coverage.paid + net <= Coverage.limit,
        )
        .values(paid=Coverage.paid + net)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def decide(
    session: Session,
    claim_id: str,
    principal: Principal,
    approve: bool,
    note: str | None,
    now: datetime,
) -> Claim:
    """The operator approves (paying ``min(net, remaining)``) or rejects a pending claim."""
    if principal.kind != Kind.ADMIN:
        raise Unauthorized("deciding a claim needs the operator's key")
    claim = find_claim(session, claim_id)
    if claim is None:
        raise NotFound(NO_CLAIM)
    sources, target = plan(approve, claim.status)
    coverage = session.scalars(
        select(Coverage)
        .where(Coverage.voucher_id == claim.voucher_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    net = max(0, claim.amount - coverage.deductible)
    paid = min(net, coverage.limit - coverage.paid) if approve else 0
    result = session.execute(
        update(Claim)
        .where(Claim.seq == claim.seq, Claim.status.in_(sources))
        .values(status=target, paid=paid, decided_by="operator", note=note, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("the claim was decided meanwhile")
    if paid:
        pay(session, coverage, paid)
    legs = [*reserve_legs(claim, -claim.reserved), *paid_legs(claim, paid)]
    post(session, posting(claim, "claim.decided", legs), now)
    session.refresh(claim)
    return claim


def reserve_legs(claim: Claim, amount: int) -> list[tuple[str, int]]:
    """Hold ``amount`` in the policy's reserve (a negative amount releases it)."""
    return transfer(
        amount,
        accounts.policy(claim.policy_id, "incurred"),
        accounts.policy(claim.policy_id, "reserve"),
    )


def paid_legs(claim: Claim, amount: int) -> list[tuple[str, int]]:
    return transfer(
        amount,
        accounts.policy(claim.policy_id, "claims"),
        accounts.provider(claim.provider_id, "receivable"),
    )


def posting(claim: Claim, kind: str, legs: list[tuple[str, int]]) -> Posting:
    return Posting(
        kind, claim.id, claim.currency, legs, claim.gsp_id, claim.provider_id, claim.policy_id
    )


def find_claim(session: Session, claim_id: str) -> Claim | None:
    """The claim of that id; ``None`` also for text no claim id can be (NUL, too long)."""
    if len(claim_id) > 40 or not claim_id.isprintable():
        return None
    return session.scalar(select(Claim).where(Claim.id == claim_id))


def visible_claim(session: Session, claim_id: str, principal: Principal) -> Claim:
    """The claim if ``principal`` filed it, is its store, or is the operator; else 404."""
    if principal.kind == Kind.ANONYMOUS:
        raise Unauthorized("this operation needs a key")
    claim = find_claim(session, claim_id)
    visible = claim is not None and (
        principal.kind == Kind.ADMIN
        or principal.is_(Kind.PROVIDER, claim.provider_id)
        or principal.is_(Kind.GSP, claim.gsp_id)
    )
    if claim is None or not visible:
        raise NotFound(NO_CLAIM)
    return claim


def as_model(claim: Claim) -> rewards.ClaimDecision:
    cur = claim.currency
    return rewards.ClaimDecision(
        id=claim.id,
        voucher_id=claim.voucher_id,
        policy_id=claim.policy_id,
        provider_id=claim.provider_id,
        status=claim.status,
        amount=from_minor(claim.amount, cur),
        paid=from_minor(claim.paid, cur),
        currency=cur,
        decided_by="operator" if claim.decided_by == "operator" else "rule",
        at=claim.decided_at or claim.filed_at,
    )


def claim_json(claim: Claim) -> dict[str, Any]:
    return {
        **as_model(claim).model_dump(mode="json"),
        "description": claim.description,
        "reserved": str(from_minor(claim.reserved, claim.currency)),
        "note": claim.note,
        "filed_at": claim.filed_at.isoformat(),
    }
