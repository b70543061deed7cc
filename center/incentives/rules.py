"""Whether an assessment earns an incentive, and how much: the schedule and anti-collusion.

In order, the first rule that refuses gives the reason (the assessment is recorded anyway):

1. the program's ``incentive`` schedule has a non-zero amount for the score;
2. the order's currency is known;
3. the provider's contact e-mail is not the customer's (refused and flagged for the operator);
4. the program's ``incentive_cap``: at most that many incentives per 30 days (per store);
5. at most ``incentive_pair_limit`` incentives per (customer, provider) per
   ``incentive_pair_days``.

One incentive per service voucher is a unique constraint. The caller holds the provider's row
(its rating was just updated) and the program's row locked, so rules 4–5 hold under concurrency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from ascc_plugin.money import to_minor
from ascc_plugin.programs import Program
from center.incentives.models import Flag, Incentive
from center.incentives.states import IncentiveState
from center.parties.models import Customer
from center.settings import RewardRules
from center.vouchers.models import Voucher

CAP_WINDOW = timedelta(days=30)
COUNTED = (IncentiveState.ISSUED, IncentiveState.RELEASED, IncentiveState.REDEEMED)


@dataclass(frozen=True)
class Served:
    """The provider who served: its id and contact e-mail."""

    id: str
    email: str | None


@dataclass(frozen=True)
class Decision:
    """The incentive due (minor units), or ``None`` and the reason."""

    amount: int | None
    reason: str | None = None


def decide(
    session: Session,
    voucher: Voucher,
    score: int,
    program: Program | None,
    provider: Served,
    rules: RewardRules,
    now: datetime,
) -> Decision:
    reward = program.incentive.get(score) if program else None
    if program is None or not reward:
        return Decision(None, f"the program gives no incentive for a score of {score}")
    if voucher.currency is None:
        return Decision(None, "the order's currency is not known")
    since = now - timedelta(days=rules.incentive_pair_days)
    email, pairs = customer_and_pairs(session, voucher, provider.id, since)
    if same_person(email, provider):
        flag(session, voucher, provider, "same-email", "provider and customer share an e-mail", now)
        return Decision(None, "the provider's contact e-mail is the customer's: flagged")
    if (
        program.incentive_cap is not None
        and issued_for_program(session, voucher, now - CAP_WINDOW) >= program.incentive_cap
    ):
        return Decision(
            None, f"the program's cap of {program.incentive_cap} per 30 days is reached"
        )
    if pairs >= rules.incentive_pair_limit:
        return Decision(
            None,
            f"at most {rules.incentive_pair_limit} incentives per customer and provider "
            f"in {rules.incentive_pair_days} days",
        )
    return Decision(to_minor(reward, voucher.currency))


def customer_and_pairs(
    session: Session, voucher: Voucher, provider_id: str, since: datetime
) -> tuple[str | None, int]:
    """The customer's e-mail and the incentives of this (customer, provider) pair since
    ``since``, in one round trip; a guest has neither."""
    if voucher.customer_seq is None:
        return None, 0
    params = {"customer": voucher.customer_seq, "provider": provider_id, "since": since}
    row = session.connection().execute(CUSTOMER_AND_PAIRS, params).first()
    return (row[0], int(row[1])) if row is not None else (None, 0)


CUSTOMER_AND_PAIRS = select(
    Customer.email,
    select(func.count())
    .where(
        Incentive.customer_seq == bindparam("customer"),
        Incentive.provider_id == bindparam("provider"),
        Incentive.issued_at > bindparam("since", type_=Incentive.issued_at.type),
        Incentive.state.in_(COUNTED),
    )
    .scalar_subquery(),
).where(Customer.seq == bindparam("customer"))
"""Built once: the hot path binds values only."""


def same_person(email: str | None, provider: Served) -> bool:
    email = (email or "").strip().lower()
    return bool(email) and email == (provider.email or "").strip().lower()


def issued_for_program(session: Session, voucher: Voucher, since: datetime) -> int:
    query = select(func.count()).where(
        Incentive.gsp_id == voucher.gsp_id,
        Incentive.program == voucher.program,
        Incentive.issued_at > since,
        Incentive.state.in_(COUNTED),
    )
    return int(session.scalar(query) or 0)


def flag(
    session: Session, voucher: Voucher, provider: Served, kind: str, detail: str, now: datetime
) -> None:
    session.add(
        Flag(
            kind=kind,
            voucher_id=voucher.id,
            gsp_id=voucher.gsp_id,
            provider_id=provider.id,
            detail=detail,
            at=now,
        )
    )
