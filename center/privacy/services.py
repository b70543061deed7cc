"""Privacy requests over the hub's records of one store's customers (erasure, access).

The store forwards Shopify's mandatory ``customers/redact``, ``customers/data_request`` and
``shop/redact``. A customer is found by the store's customer id, by e-mail, or as the buyer of
one of the named orders. Erasure blanks name, e-mail and phone and forgets the lookup key;
vouchers, their states and their history stay (they are the store's and providers' records).

``gsp`` mode calls these functions in-process; ``center`` mode reaches them through
``POST /api/v1/privacy`` (:func:`answer_request`, idempotent per store delivery id).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ascc_plugin.models import Customer as CustomerJson
from center.deliveries.claims import claim_delivery, same_body
from center.parties.models import Customer
from center.vouchers.models import Voucher

RequestKind = Literal["customer_redact", "shop_redact", "customer_data_request"]


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


def store_customers(session: Session, gsp_id: str) -> list[Customer]:
    return list(session.scalars(select(Customer).where(Customer.gsp_id == gsp_id)))


def redact_store(session: Session, gsp_id: str) -> int:
    """Blank every customer of one store (``shop/redact``, after the app was uninstalled)."""
    return redact(store_customers(session, gsp_id))


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


def answer_request(
    session: Session,
    gsp_id: str,
    kind: RequestKind,
    given: CustomerJson | None,
    order_ids: Sequence[str],
    delivery: tuple[str, str, datetime],
) -> dict[str, Any]:
    """Run one privacy request of a store once per ``delivery`` (webhook id, body digest, time).

    The delivery id is claimed with the count of customers it names, before anything changes:
    a replay gets that first answer back (409 if the body differs) and redacts nothing again.
    A data request's answer carries personal data, which the hub does not copy into its
    delivery records: a replayed data request is answered with what the hub holds now.
    """
    webhook_id, digest, now = delivery
    if kind == "shop_redact":
        found = store_customers(session, gsp_id)
    else:
        found = matching_customers(session, gsp_id, given, order_ids)
    summary: dict[str, Any] = {"request": kind, "customers": len(found)}
    done = claim_delivery(session, gsp_id, webhook_id, digest, summary, None, now)
    if done is not None:
        same_body(done, digest)
    if kind == "customer_data_request":
        return {"request": kind, **customer_data(session, gsp_id, found)}
    if done is not None:
        return dict(done.response)
    redact(found)
    return summary
