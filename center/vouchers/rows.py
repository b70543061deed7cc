"""Core statements on the ingest hot path: built once per dialect, one round trip each.

The ORM's unit of work costs more than the database on ``POST /api/v1/events`` (profiled in
``benchmarks/profile_center_ingest.py``), so ingest writes its rows with SQLAlchemy Core, and
builds each statement once (:class:`center.infra.db.PerDialect`):

* :func:`upsert_customer` — ``INSERT … ON CONFLICT DO UPDATE … RETURNING seq``;
* :func:`insert_vouchers` — one ``executemany`` (audit rows: :func:`center.audit.trail.record`);
* :func:`order_known` — whether the hub holds any voucher of an order;
* :func:`order_vouchers` — an order's vouchers, read without the ORM.

On PostgreSQL a first delivery of a new order writes all of them in one statement instead
(:mod:`center.vouchers.fresh`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Dialect, Insert, Table, bindparam, select
from sqlalchemy.orm import Session

from center.infra.db import PerDialect, on_conflict_insert
from center.parties.models import Customer
from center.vouchers.models import Voucher

VOUCHERS: Table = Voucher.__table__  # type: ignore[assignment]
CUSTOMERS: Table = Customer.__table__  # type: ignore[assignment]
CUSTOMER_FIELDS = ("gsp_id", "customer_key", "email", "name", "phone")


def customer_upsert(dialect: Dialect) -> Insert:
    statement = on_conflict_insert(dialect, CUSTOMERS).values(
        {name: bindparam(name) for name in CUSTOMER_FIELDS}
    )
    return statement.on_conflict_do_update(
        index_elements=["gsp_id", "customer_key"],
        set_={
            "email": statement.excluded.email,
            "name": statement.excluded.name,
            "phone": statement.excluded.phone,
        },
    ).returning(CUSTOMERS.c.seq)


UPSERT_CUSTOMER = PerDialect(customer_upsert)
INSERT_VOUCHERS = VOUCHERS.insert()
ORDER_KNOWN = (
    select(VOUCHERS.c.seq)
    .where(VOUCHERS.c.gsp_id == bindparam("gsp_id"), VOUCHERS.c.order_id == bindparam("order_id"))
    .limit(1)
)


def upsert_customer(
    session: Session,
    gsp_id: str,
    key: str,
    email: str | None,
    name: str | None,
    phone: str | None,
) -> int:
    """The customer's ``seq``, the row made or refreshed with what the store says now."""
    connection = session.connection()
    values = {"gsp_id": gsp_id, "customer_key": key, "email": email, "name": name, "phone": phone}
    return int(connection.execute(UPSERT_CUSTOMER.of(connection.dialect), values).scalar_one())


def insert_rows(session: Session, statement: Insert, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.connection().execute(statement, list(rows))


def insert_vouchers(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    insert_rows(session, INSERT_VOUCHERS, rows)


ORDER_VOUCHERS = select(VOUCHERS).where(
    VOUCHERS.c.gsp_id == bindparam("gsp_id"), VOUCHERS.c.order_id == bindparam("order_id")
)


def order_vouchers(session: Session, gsp_id: str, order_id: str) -> dict[str, Voucher]:
    """The order's vouchers by id, read with one Core statement into detached objects (never
    added to the session: reading them costs no unit of work, changing them writes nothing)."""
    found = session.connection().execute(ORDER_VOUCHERS, {"gsp_id": gsp_id, "order_id": order_id})
    return {row.id: Voucher(**row._mapping) for row in found}


def order_known(session: Session, gsp_id: str, order_id: str) -> bool:
    """Whether the store's order has any voucher here (one indexed look-up)."""
    found = session.connection().execute(ORDER_KNOWN, {"gsp_id": gsp_id, "order_id": order_id})
    return found.first() is not None
