"""Which stores have the hub deliver their vouchers, and the deliveries still to make.

A :class:`Handover` keeps the holder secret sealed (Fernet, :mod:`center.deliveries.sealing`)
until its channel has taken it: it is the only copy besides the customer's, so it is never
dropped, only removed once delivered.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from center.infra.db import Base, UtcDateTime

PENDING, DELIVERED = "pending", "delivered"


class HubDeliveryStore(Base):
    """A store's choice: the hub delivers its new vouchers to its customers."""

    __tablename__ = "hub_delivery_stores"

    gsp_id: Mapped[str] = mapped_column(ForeignKey("gsps.id"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Handover(Base):
    """One voucher to hand to its customer through one channel."""

    __tablename__ = "handovers"
    __table_args__ = (
        UniqueConstraint("voucher_id", "channel"),
        Index("ix_handovers_due", "state", "next_attempt_at"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    voucher_id: Mapped[str] = mapped_column(ForeignKey("vouchers.id"))
    gsp_id: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(64))
    sealed_secret: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))
