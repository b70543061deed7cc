"""The audit trail: one row per voucher state change (who, when, from → to)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from center.infra.db import Base, UtcDateTime


class AuditEvent(Base):
    """A state change of one voucher; ``from_state`` is empty for the issue itself."""

    __tablename__ = "audit_events"
    # reports find one action's events in a period (issue → redeem → complete times)
    __table_args__ = (Index("ix_audit_events_action_at", "action", "at"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    voucher_id: Mapped[str] = mapped_column(ForeignKey("vouchers.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Tells the unit of work to insert vouchers before their audit events (never loaded).
    voucher: Mapped[object] = relationship("Voucher", lazy="raise", viewonly=False)
