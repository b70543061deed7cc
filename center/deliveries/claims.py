"""Idempotency claims of signed store deliveries: one row per (store, ``webhook-id``).

:func:`claim_delivery` is ``INSERT … ON CONFLICT DO NOTHING RETURNING`` of the delivery id with
its answer, in the same transaction as the delivery's effect: a concurrent replay waits for the
first transaction on the unique index and then finds its row (:func:`stored_claim`), on
PostgreSQL and on SQLite, without an error-and-retry. Events (``POST /api/v1/events``) and
privacy requests (``POST /api/v1/privacy``) both claim here. The statements are built once per
dialect (:data:`CLAIM`, :data:`STORED`) and executed with bound parameters.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from center.deliveries.models import ProcessedEvent
from center.infra.db import PerDialect, on_conflict_insert
from center.infra.problems import Conflict

PROCESSED: Table = ProcessedEvent.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class StoredClaim:
    """A delivery claimed first: its body's digest, its answer, its sealed secrets."""

    body_digest: str
    response: dict[str, Any]
    sealed_secrets: str | None
    processed_at: datetime


def body_digest(body: bytes) -> str:
    """The SHA-256 (hex) of a delivery's exact bytes: a replay must carry the same body."""
    return hashlib.sha256(body).hexdigest()


CLAIM = PerDialect(
    lambda dialect: (
        on_conflict_insert(dialect, PROCESSED)
        .values(
            {
                name: bindparam(name)
                for name in (
                    "gsp_id",
                    "webhook_id",
                    "body_digest",
                    "response",
                    "sealed_secrets",
                    "processed_at",
                )
            }
        )
        .on_conflict_do_nothing(index_elements=["gsp_id", "webhook_id"])
        .returning(PROCESSED.c.seq)
    )
)
"""``INSERT … ON CONFLICT DO NOTHING RETURNING seq``, one statement per dialect."""

STORED = select(
    PROCESSED.c.body_digest,
    PROCESSED.c.response,
    PROCESSED.c.sealed_secrets,
    PROCESSED.c.processed_at,
).where(
    PROCESSED.c.gsp_id == bindparam("gsp_id"),
    PROCESSED.c.webhook_id == bindparam("webhook_id"),
)


def claim_delivery(
    session: Session,
    gsp_id: str,
    webhook_id: str,
    digest: str,
    answer: dict[str, Any],
    sealed_secrets: str | None,
    now: datetime,
) -> StoredClaim | None:
    """Record the delivery with its answer; ``None`` if new, else the claim stored first."""
    values = {
        "gsp_id": gsp_id,
        "webhook_id": webhook_id,
        "body_digest": digest,
        "response": answer,
        "sealed_secrets": sealed_secrets,
        "processed_at": now,
    }
    connection = session.connection()
    if connection.execute(CLAIM.of(connection.dialect), values).first() is not None:
        return None
    found = stored_claim(session, gsp_id, webhook_id)
    assert found is not None  # the conflicting row is committed: this statement sees it
    return found


def stored_claim(session: Session, gsp_id: str, webhook_id: str) -> StoredClaim | None:
    """The delivery's claim as stored (read by a new statement, so a committed winner shows)."""
    row = session.connection().execute(STORED, {"gsp_id": gsp_id, "webhook_id": webhook_id})
    found = row.first()
    return None if found is None else StoredClaim(*found)


def same_body(done: StoredClaim, digest: str) -> StoredClaim:
    """``done`` if it was claimed with this body; 409 when the id came with another body."""
    if digest and done.body_digest != digest:
        raise Conflict("webhook-id was already used for a different body")
    return done
