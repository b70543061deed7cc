"""What the provider console shows, scoped to the signed-in provider, in a few Core statements.

Every read starts from the signed-in provider's :class:`~center.parties.auth.Principal`: the
provider's own row, its cases (``vouchers.provider_id``, indexed), the incentives and claims
filtered by the provider's id; a case page goes through the voucher services'
``acting_voucher`` (another provider's case is the API's 404). The lists are read as row tuples
of the columns the pages show (no ORM entities, no per-row statements): the home page is four
statements, a case page five, whatever the number of cases.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy import case as when
from sqlalchemy.orm import Session

from ascc_plugin.money import from_minor
from ascc_plugin.vouchers import VoucherState
from center.channel import services as channel
from center.channel.frames import frame_json
from center.channel.models import Case
from center.incentives.models import Incentive
from center.incentives.states import IncentiveState
from center.insurance.models import Claim
from center.parties.auth import Kind, Principal
from center.parties.models import Customer, Provider
from center.parties.services import mean_rating
from center.vouchers import services as vouchers
from center.vouchers.models import Voucher

OPEN = (VoucherState.ASSIGNED, VoucherState.IN_SERVICE)
DONE = (VoucherState.COMPLETED, VoucherState.ASSESSED, VoucherState.REWARDED)
SHOWN = 50
FRAMES_SHOWN = 500


def stamp(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


PROVIDER = select(
    Provider.name, Provider.rating_total, Provider.reviews_count, Provider.completed_services
).where(Provider.id == bindparam("provider"))

IS_OPEN = when((Voucher.state.in_(OPEN), 1), else_=0)
RANKED = (
    select(
        Voucher.id,
        Voucher.program,
        Voucher.kind,
        Voucher.state,
        Voucher.updated_at,
        Customer.name,
        IS_OPEN.label("is_open"),
        func.row_number()
        .over(partition_by=IS_OPEN, order_by=Voucher.updated_at.desc())
        .label("rank"),
    )
    .outerjoin(Customer, Customer.seq == Voucher.customer_seq)
    .where(Voucher.provider_id == bindparam("provider"), Voucher.state.in_(OPEN + DONE))
    .subquery()
)
CASES = select(RANKED).where(RANKED.c.rank <= SHOWN).order_by(RANKED.c.rank)
"""The provider's open and finished cases, at most :data:`SHOWN` of each, the most recently
changed first, in one statement (a window ranks each group; ``vouchers.provider_id`` is
indexed)."""

INCENTIVES = (
    select(
        Incentive.id,
        Incentive.voucher_id,
        Incentive.amount,
        Incentive.currency,
        Incentive.state,
        Incentive.redeemable_at,
    )
    .where(Incentive.provider_id == bindparam("provider"))
    .order_by(Incentive.seq.desc())
    .limit(SHOWN)
)
CASE_INCENTIVES = INCENTIVES.where(Incentive.voucher_id == bindparam("voucher"))

CLAIMS = (
    select(Claim.id, Claim.amount, Claim.paid, Claim.currency, Claim.status)
    .where(Claim.provider_id == bindparam("provider"))
    .order_by(Claim.seq.desc())
    .limit(SHOWN)
)
CASE_CLAIMS = CLAIMS.where(Claim.voucher_id == bindparam("voucher"))

CONVERSATION = select(Case.last_seq, Case.arrangement).where(
    Case.voucher_id == bindparam("voucher")
)
"""Statements built once (at import): a request only binds its values (Core, on the
session's connection: no ORM entities)."""


def rows(session: Session, statement: Any, **values: Any) -> Any:
    """``statement`` run on the session's connection with ``values``, as Core rows."""
    return session.connection().execute(statement, values)


def provider_header(session: Session, provider_id: str) -> dict[str, Any]:
    """The provider's name and service record (one row)."""
    name, total, reviews, completed = rows(session, PROVIDER, provider=provider_id).one()
    record = {"rating": mean_rating(total, reviews), "reviews": reviews}
    return {"id": provider_id, "name": name, "record": {**record, "completed_services": completed}}


def cases(session: Session, provider_id: str) -> tuple[list[Any], list[Any]]:
    """The provider's open and finished cases (:data:`CASES`)."""
    shown: tuple[list[Any], list[Any]] = ([], [])
    for row in rows(session, CASES, provider=provider_id):
        shown[0 if row.is_open else 1].append(
            {
                "voucher_id": row.id,
                "program": row.program,
                "kind": row.kind,
                "state": VoucherState(row.state).value,
                "customer": {"name": row.name},
                "updated_at": stamp(row.updated_at),
            }
        )
    return shown


def home(session: Session, party: Principal) -> dict[str, Any]:
    """The console's first page: open cases, finished ones, incentives and claims."""
    assert party.kind == Kind.PROVIDER and party.id is not None
    open_cases, done_cases = cases(session, party.id)
    return {
        "provider": provider_header(session, party.id),
        "open_cases": open_cases,
        "done_cases": done_cases,
        "incentives": incentives(session, party.id),
        "claims": claims(session, party.id),
    }


def incentives(session: Session, provider_id: str, voucher_id: str | None = None) -> list[Any]:
    """The incentives of the provider's services (no tokens: the customer presents them)."""
    query = INCENTIVES if voucher_id is None else CASE_INCENTIVES
    found = rows(session, query, provider=provider_id, voucher=voucher_id)
    return [
        {
            "id": row.id,
            "voucher_id": row.voucher_id,
            "amount": str(from_minor(row.amount, row.currency)),
            "currency": row.currency,
            "state": IncentiveState(row.state).value,
            "redeemable_at": stamp(row.redeemable_at) or "",
        }
        for row in found
    ]


def claims(session: Session, provider_id: str, voucher_id: str | None = None) -> list[Any]:
    """The provider's cost claims (amount, status, what was paid)."""
    query = CLAIMS if voucher_id is None else CASE_CLAIMS
    found = rows(session, query, provider=provider_id, voucher=voucher_id)
    return [
        {
            "id": row.id,
            "amount": str(from_minor(row.amount, row.currency)),
            "paid": str(from_minor(row.paid, row.currency)),
            "currency": row.currency,
            "status": row.status,
        }
        for row in found
    ]


def conversation_state(session: Session, voucher_id: str) -> tuple[int, Any]:
    """The case's last seq (0: no frame yet, or no case) and its agreed arrangement."""
    found = rows(session, CONVERSATION, voucher=voucher_id).first()
    return (0, None) if found is None else (int(found.last_seq or 0), found.arrangement)


def case(session: Session, party: Principal, voucher_id: str) -> dict[str, Any]:
    """One case of the provider's (the API's 404 for any other id): the voucher without its
    token, the conversation, the arrangement, its claims and its incentive."""
    voucher = vouchers.acting_voucher(session, voucher_id, party, Kind.PROVIDER)
    assert party.id is not None
    frames = channel.frames_after(session, voucher.id, 0, FRAMES_SHOWN)
    head, arrangement = conversation_state(session, voucher.id)
    return {
        "voucher": vouchers.voucher_json(voucher, viewer=party),
        "frames": [frame_json(frame) for frame in frames],
        "head": head,
        "arrangement": arrangement,
        "claims": claims(session, party.id, voucher.id),
        "incentives": incentives(session, party.id, voucher.id),
        "currency": voucher.currency or "",
    }
