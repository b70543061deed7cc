"""Idempotency claims of signed store deliveries: one row per (store, ``webhook-id``).

:func:`claim_delivery` is ``INSERT … ON CONFLICT DO NOTHING RETURNING`` of the delivery id with
its answer, in the same transaction as the delivery's effect: a concurrent replay waits for the
first transaction on the unique index and then finds its row, on PostgreSQL and on SQLite,
without an error-and-retry. Events (``POST /api/v1/events``) and privacy requests
(``POST /api/v1/privacy``) both claim here.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from center.deliveries.models import ProcessedEvent
from center.infra.db import dialect_insert
from center.infra.problems import Conflict

PROCESSED: Table = ProcessedEvent.__table__  # type: ignore[assignment]


def body_digest(body: bytes) -> str:
    """The SHA-256 (hex) of a delivery's exact bytes: a replay must carry the same body."""
    return hashlib.sha256(body).hexdigest()


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
        dialect_insert(session, PROCESSED)
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


def same_body(done: ProcessedEvent, digest: str) -> ProcessedEvent:
    """``done`` if it was claimed with this body; 409 when the id came with another body."""
    if digest and done.body_digest != digest:
        raise Conflict("webhook-id was already used for a different body")
    return done
