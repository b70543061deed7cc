"""Core statements on the ingest hot path: one round trip each, no unit of work.

The ORM's unit of work costs more than the database on ``POST /api/v1/events`` (profiled in
``benchmarks/profile_center_ingest.py``), so ingest writes its rows with SQLAlchemy Core:

* :func:`claim_delivery` — ``INSERT … ON CONFLICT DO NOTHING RETURNING`` of the delivery id
  with its answer: a concurrent replay waits for the first transaction on the unique index
  and then finds its row, on PostgreSQL and on SQLite, without an error-and-retry;
* :func:`upsert_customer` — ``INSERT … ON CONFLICT DO UPDATE … RETURNING seq``;
* :func:`insert_vouchers` / :func:`insert_audit` — one ``executemany`` each.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from center.parties.models import Customer
from center.records.models import AuditEvent
from center.vouchers.models import ProcessedEvent, Voucher

VOUCHERS: Table = Voucher.__table__  # type: ignore[assignment]
CUSTOMERS: Table = Customer.__table__  # type: ignore[assignment]
AUDIT: Table = AuditEvent.__table__  # type: ignore[assignment]
PROCESSED: Table = ProcessedEvent.__table__  # type: ignore[assignment]


def upsert(session: Session, table: Table) -> postgresql.Insert | sqlite.Insert:
    """The dialect's ``INSERT`` that knows ``ON CONFLICT`` (PostgreSQL or SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def claim_delivery(
    session: Session,
    gsp_id: str,
    webhook_id: str,
    digest: str,
    answer: dict[str, Any],
    sealed_secrets: str | None,
    now: datetime,
) -> ProcessedEvent | None:
    """Record the delivery with its answer; ``None`` if new, else the row stored first."""
    values = {
        "gsp_id": gsp_id,
        "webhook_id": webhook_id,
        "body_digest": digest,
        "response": answer,
        "sealed_secrets": sealed_secrets,
        "processed_at": now,
    }
    statement = (
        upsert(session, PROCESSED)
        .values(values)
        .on_conflict_do_nothing(index_elements=["gsp_id", "webhook_id"])
        .returning(PROCESSED.c.seq)
    )
    if session.connection().execute(statement).first() is not None:
        return None
    return session.scalar(
        select(ProcessedEvent).where(
            ProcessedEvent.gsp_id == gsp_id, ProcessedEvent.webhook_id == webhook_id
        )
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
    statement = upsert(session, CUSTOMERS).values(
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


def insert_audit(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    insert_rows(session, AUDIT.insert(), rows)
