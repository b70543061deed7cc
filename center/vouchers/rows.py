"""Core statements on the ingest hot path: one round trip each, no unit of work.

The ORM's unit of work costs more than the database on ``POST /api/v1/events`` (profiled in
``benchmarks/profile_center_ingest.py``), so ingest writes its rows with SQLAlchemy Core:

* :func:`upsert_customer` — ``INSERT … ON CONFLICT DO UPDATE … RETURNING seq``;
* :func:`insert_vouchers` — one ``executemany`` (audit rows: :func:`center.audit.trail.record`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Insert, Table
from sqlalchemy.orm import Session

from center.infra.db import dialect_insert
from center.parties.models import Customer
from center.vouchers.models import Voucher

VOUCHERS: Table = Voucher.__table__  # type: ignore[assignment]
CUSTOMERS: Table = Customer.__table__  # type: ignore[assignment]


def upsert_customer(
    session: Session,
    gsp_id: str,
    key: str,
    email: str | None,
    name: str | None,
    phone: str | None,
) -> int:
    """The customer's ``seq``, the row made or refreshed with what the store says now."""
    statement = dialect_insert(session, CUSTOMERS).values(
        gsp_id=gsp_id, customer_key=key, email=email, name=name, phone=phone
    )
    returning = statement.on_conflict_do_update(
        index_elements=["gsp_id", "customer_key"],
        set_={
            "email": statement.excluded.email,
            "name": statement.excluded.name,
            "phone": statement.excluded.phone,
        },
    ).returning(CUSTOMERS.c.seq)
    return int(session.connection().execute(returning).scalar_one())


def insert_rows(session: Session, statement: Insert, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        session.connection().execute(statement, list(rows))


def insert_vouchers(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    insert_rows(session, VOUCHERS.insert(), rows)
