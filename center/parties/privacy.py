"""Privacy requests over the hub's records of one store's customers (erasure, access).

The store forwards Shopify's mandatory ``customers/redact``, ``customers/data_request`` and
``shop/redact``. A customer is found by the store's customer id, by e-mail, or as the buyer of
one of the named orders. Erasure blanks name, e-mail and phone and forgets the lookup key;
vouchers, their states and their history stay (they are the store's and providers' records).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ascc_plugin.models import Customer as CustomerJson
from center.parties.models import Customer
from center.vouchers.models import Voucher


def matching_customers(
    session: Session, gsp_id: str, given: CustomerJson | None, order_ids: Sequence[str]
) -> list[Customer]:
    """The store's customer rows named by id, e-mail or one of ``order_ids``."""
    conditions = []
    if given is not None and given.id:
        conditions.append(Customer.customer_key == f"id:{given.id}")
    if given is not None and given.email:
        conditions.append(Customer.email == given.email.strip().lower())
    if order_ids:
        buyers = select(Voucher.customer_seq).where(
            Voucher.gsp_id == gsp_id, Voucher.order_id.in_(list(order_ids))
        )
        conditions.append(Customer.seq.in_(buyers))
    if not conditions:
        return []
    query = select(Customer).where(Customer.gsp_id == gsp_id, or_(*conditions))
    return list(session.scalars(query))


def redact(customers: Sequence[Customer]) -> int:
    """Blank the personal data of ``customers``; returns how many there were."""
    for row in customers:
        row.email = row.name = row.phone = None
        row.customer_key = f"redacted:{row.seq}"
    return len(customers)


def redact_store(session: Session, gsp_id: str) -> int:
    """Blank every customer of one store (``shop/redact``, after the app was uninstalled)."""
    return redact(list(session.scalars(select(Customer).where(Customer.gsp_id == gsp_id))))


def customer_data(session: Session, gsp_id: str, customers: Sequence[Customer]) -> dict[str, Any]:
    """What the hub holds on ``customers``: their contact data and their vouchers."""
    seqs = [row.seq for row in customers]
    vouchers = session.scalars(
        select(Voucher).where(Voucher.gsp_id == gsp_id, Voucher.customer_seq.in_(seqs))
    )
    return {
        "source": "ascc vouchers",
        "customers": [{"email": c.email, "name": c.name, "phone": c.phone} for c in customers],
        "vouchers": [
            {"id": v.id, "program": v.program, "order_id": v.order_id, "state": v.state}
            for v in vouchers
        ],
    }
