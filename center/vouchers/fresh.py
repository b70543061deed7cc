"""A first delivery for an order the hub holds no voucher of: claimed and written at once.

Most events are an order's first: nothing to read, reconcile or void. :func:`write_first`
writes such a delivery without the ORM and without reading the order's vouchers first:

* on PostgreSQL in **one statement** (:data:`FIRST_DELIVERY`, data-modifying CTEs): the order
  is checked for vouchers, the delivery claimed (``ON CONFLICT DO NOTHING``) only if it has
  none, and the customer upsert and the voucher and audit inserts run only if the claim did
  (they read its ``RETURNING``). With ``BEGIN``, the outbox's subscriber query and ``COMMIT``
  that is four round trips per event;
* on SQLite with one prepared statement each (an in-process call, no network).

The answer is the caller's, computed as for an order without vouchers; when the order turns
out to have some (:data:`KNOWN`) nothing was written and the caller reconciles as before. A
delivery claimed before is found either way and given back (:class:`StoredClaim`) to replay. A
concurrent first delivery of the same order loses on the vouchers' unique ids and is retried
by ``Database.run``; then the order is known.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

from sqlalchemy import text
from sqlalchemy.orm import Session

from center.audit.trail import INSERT_AUDIT, Change
from center.deliveries.claims import StoredClaim, claim_delivery, stored_claim
from center.vouchers import rows

KNOWN: Final = "known"
WRITTEN: Final = "written"
Outcome = Literal["known", "written"] | StoredClaim
"""What :func:`write_first` did: nothing (the order is known), everything, or nothing because
the delivery was claimed before (its stored claim, to replay)."""


@dataclass(frozen=True)
class FirstDelivery:
    """Everything a first delivery writes: the claim, the customer, the vouchers, the audit."""

    gsp_id: str
    order_id: str
    webhook_id: str
    digest: str
    answer: dict[str, Any]
    sealed: str | None
    now: datetime
    customer: dict[str, Any] | None  # rows.CUSTOMER_FIELDS but gsp_id; None for a guest
    vouchers: Sequence[dict[str, Any]]  # rows of center.vouchers.models.Voucher, no customer
    changes: Sequence[Change]  # the vouchers' ``issue`` changes, in the same order


def write_first(
    session: Session,
    gsp_id: str,
    order_id: str,
    webhook_id: str,
    prepare: Callable[[], FirstDelivery],
) -> Outcome:
    """Write the delivery ``prepare`` makes if the order has no voucher yet (see the module
    docstring); ``prepare`` is called at most once, and may have been called already (the
    API view mints before its transaction)."""
    if session.get_bind().dialect.name == "postgresql":
        return write_in_one_statement(session, prepare())
    if rows.order_known(session, gsp_id, order_id):
        return stored_claim(session, gsp_id, webhook_id) or KNOWN
    return write_statement_by_statement(session, prepare())


def write_statement_by_statement(session: Session, first: FirstDelivery) -> Outcome:
    done = claim_delivery(
        session, first.gsp_id, first.webhook_id, first.digest, first.answer, first.sealed, first.now
    )
    if done is not None:
        return done
    customer_seq = None
    if first.customer is not None:
        customer = first.customer
        customer_seq = rows.upsert_customer(
            session,
            first.gsp_id,
            customer["customer_key"],
            customer["email"],
            customer["name"],
            customer["phone"],
        )
    rows.insert_vouchers(session, [{**v, "customer_seq": customer_seq} for v in first.vouchers])
    if first.changes:
        session.connection().execute(INSERT_AUDIT, [change.row() for change in first.changes])
    return WRITTEN


FIRST_DELIVERY = text(
    """
WITH known AS (
  SELECT EXISTS (
    SELECT 1 FROM vouchers
    WHERE gsp_id = CAST(:gsp_id AS text) AND order_id = CAST(:order_id AS text)
  ) AS yes
), claim AS (
  INSERT INTO processed_events
    (gsp_id, webhook_id, body_digest, response, sealed_secrets, processed_at)
  SELECT CAST(:gsp_id AS text), CAST(:webhook_id AS text), CAST(:digest AS text),
         CAST(:answer AS json), CAST(:sealed AS text), CAST(:now AS timestamptz)
  FROM known WHERE NOT known.yes
  ON CONFLICT (gsp_id, webhook_id) DO NOTHING
  RETURNING seq
), customer AS (
  INSERT INTO customers (gsp_id, customer_key, email, name, phone)
  SELECT CAST(:gsp_id AS text), CAST(:customer_key AS text), CAST(:email AS text),
         CAST(:name AS text), CAST(:phone AS text)
  FROM claim WHERE CAST(:customer_key AS text) IS NOT NULL
  ON CONFLICT (gsp_id, customer_key) DO UPDATE
    SET email = excluded.email, name = excluded.name, phone = excluded.phone
  RETURNING seq
), wanted AS (
  SELECT * FROM json_to_recordset(CAST(:vouchers AS json)) AS r(
    id text, program text, kind text, order_id text, line_id text, unit integer, state text,
    valid_until timestamptz, token text, holder_digest text, currency text, unit_price bigint,
    detail text, n integer)
), issued AS (
  INSERT INTO vouchers
    (id, gsp_id, customer_seq, provider_id, program, kind, order_id, line_id, unit, state,
     valid_until, token, holder_digest, currency, unit_price, notes, created_at, updated_at)
  SELECT w.id, CAST(:gsp_id AS text), (SELECT seq FROM customer), NULL, w.program, w.kind,
         w.order_id, w.line_id, w.unit, w.state, w.valid_until, w.token, w.holder_digest,
         w.currency, w.unit_price, NULL, CAST(:now AS timestamptz), CAST(:now AS timestamptz)
  FROM wanted w WHERE EXISTS (SELECT 1 FROM claim)
  ORDER BY w.n
  RETURNING id
), audited AS (
  INSERT INTO audit_events
    (voucher_id, action, from_state, to_state, actor_kind, actor_id, detail, at)
  SELECT w.id, 'issue', NULL, w.state, 'gsp', CAST(:gsp_id AS text), w.detail,
         CAST(:now AS timestamptz)
  FROM wanted w WHERE EXISTS (SELECT 1 FROM issued)
  ORDER BY w.n
)
SELECT (SELECT yes FROM known), (SELECT seq FROM claim),
       EXISTS (SELECT 1 FROM processed_events
               WHERE gsp_id = CAST(:gsp_id AS text) AND webhook_id = CAST(:webhook_id AS text))
"""
)
"""The whole first delivery in one PostgreSQL statement, built once (parameters bound)."""


def write_in_one_statement(session: Session, first: FirstDelivery) -> Outcome:
    customer = first.customer or dict.fromkeys(("customer_key", "email", "name", "phone"))
    params = {
        "gsp_id": first.gsp_id,
        "order_id": first.order_id,
        "webhook_id": first.webhook_id,
        "digest": first.digest,
        "answer": json.dumps(first.answer),
        "sealed": first.sealed,
        "now": first.now.astimezone(UTC),
        **customer,
        "vouchers": json.dumps(voucher_records(first.vouchers, first.changes)),
    }
    known, claimed, claimed_before = session.connection().execute(FIRST_DELIVERY, params).one()
    if claimed is not None:
        return WRITTEN
    if known and not claimed_before:
        return KNOWN
    done = stored_claim(session, first.gsp_id, first.webhook_id)
    assert done is not None  # the claim conflicted with a committed row: this statement sees it
    return done


def voucher_records(
    vouchers: Sequence[dict[str, Any]], changes: Sequence[Change]
) -> list[dict[str, Any]]:
    """The vouchers as the statement's JSON records (with their audit detail and position)."""
    return [
        {
            "id": v["id"],
            "program": v["program"],
            "kind": v["kind"],
            "order_id": v["order_id"],
            "line_id": v["line_id"],
            "unit": v["unit"],
            "state": str(v["state"].value),
            "valid_until": v["valid_until"].astimezone(UTC).isoformat(),
            "token": v["token"],
            "holder_digest": v["holder_digest"],
            "currency": v["currency"],
            "unit_price": v["unit_price"],
            "detail": change.detail,
            "n": n,
        }
        for n, (v, change) in enumerate(zip(vouchers, changes, strict=True))
    ]
