"""The store deliveries already processed: the idempotency record of signed deliveries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from center.infra.db import Base, UtcDateTime


class ProcessedEvent(Base):
    """A store delivery (``webhook-id``) already processed, with the answer it was given.

    Stored in the same transaction as its effect, so a replay finds either nothing (and redoes
    the work) or this row (and gets the same answer back, its holder secrets unsealed).
    """

    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("gsp_id", "webhook_id"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    gsp_id: Mapped[str] = mapped_column(ForeignKey("gsps.id"))
    webhook_id: Mapped[str] = mapped_column(String(255))
    body_digest: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict[str, object]] = mapped_column(JSON)
    sealed_secrets: Mapped[str | None] = mapped_column(Text)  # center.deliveries.sealing
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime)
