"""The database manager's side: the records query (cursor-paginated).

A record is a voucher with its store, customer, provider and its history of state changes. A
store sees only its own records, a provider only its cases, the operator all of them: the scope
is applied here, from the authenticated party, before any filter the caller gave.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from center.audit.models import AuditEvent
from center.infra.web import decode_cursor, encode_cursor
from center.parties.models import Customer
from center.vouchers.models import Voucher


@dataclass(frozen=True)
class RecordFilter:
    gsp: str | None = None
    customer: str | None = None
    provider: str | None = None
    state: str | None = None
    since: datetime | None = None


def records_query(wanted: RecordFilter, after: int) -> Select[Voucher, Customer]:
    query = (
        select(Voucher, Customer)
        .outerjoin(Customer, Voucher.customer_seq == Customer.seq)
        .where(Voucher.seq > after)
        .order_by(Voucher.seq)
    )
    if wanted.gsp is not None:
        query = query.where(Voucher.gsp_id == wanted.gsp)
    if wanted.provider is not None:
        query = query.where(Voucher.provider_id == wanted.provider)
    if wanted.customer is not None:
        query = query.where(Customer.email == wanted.customer.strip().lower())
    if wanted.state is not None:
        query = query.where(Voucher.state == wanted.state)
    if wanted.since is not None:
        query = query.where(Voucher.updated_at >= wanted.since)
    return query


def list_records(
    session: Session, wanted: RecordFilter, cursor: str | None, limit: int
) -> dict[str, Any]:
    """One page ``{"items", "next_cursor"}`` of the records matching ``wanted``."""
    after = decode_cursor(cursor) if cursor else 0
    rows = session.execute(records_query(wanted, after).limit(limit + 1)).all()
    page = rows[:limit]
    history = histories(session, [voucher.id for voucher, _ in page])
    items = [record_json(v, c, history.get(v.id, [])) for v, c in page]
    next_cursor = encode_cursor(page[-1][0].seq) if len(rows) > limit else None
    return {"items": items, "next_cursor": next_cursor}


def histories(session: Session, voucher_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    if not voucher_ids:
        return found
    query = (
        select(AuditEvent).where(AuditEvent.voucher_id.in_(voucher_ids)).order_by(AuditEvent.seq)
    )
    for event in session.scalars(query):
        found.setdefault(event.voucher_id, []).append(event_json(event))
    return found


def event_json(event: AuditEvent) -> dict[str, Any]:
    return {
        "at": event.at.isoformat(),
        "action": event.action,
        "from": event.from_state,
        "to": event.to_state,
        "actor": {"kind": event.actor_kind, "id": event.actor_id},
        "detail": event.detail,
    }


def record_json(
    voucher: Voucher, customer: Customer | None, history: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "voucher_id": voucher.id,
        "gsp_id": voucher.gsp_id,
        "provider_id": voucher.provider_id,
        "program": voucher.program,
        "kind": voucher.kind,
        "order_id": voucher.order_id,
        "line_id": voucher.line_id,
        "unit": voucher.unit,
        "state": voucher.state.value,
        "valid_until": voucher.valid_until.isoformat(),
        "customer": None
        if customer is None
        else {"email": customer.email, "name": customer.name, "phone": customer.phone},
        "created_at": voucher.created_at.isoformat(),
        "updated_at": voucher.updated_at.isoformat(),
        "history": history,
    }
