"""Vouchers and the programs each store offers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from ascc_plugin.vouchers import VoucherState
from center.infra.db import Base, UtcDateTime

STATE_ENUM = Enum(
    VoucherState,
    name="voucher_state",
    native_enum=False,
    length=20,
    values_callable=lambda states: [state.value for state in states],
    validate_strings=True,
)


class Voucher(Base):
    """One voucher: one unit of one order line under one program of one store."""

    __tablename__ = "vouchers"
    __table_args__ = (Index("ix_vouchers_gsp_order", "gsp_id", "order_id"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    gsp_id: Mapped[str] = mapped_column(ForeignKey("gsps.id"))
    customer_seq: Mapped[int | None] = mapped_column(ForeignKey("customers.seq"), index=True)
    provider_id: Mapped[str | None] = mapped_column(ForeignKey("providers.id"), index=True)
    program: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[str] = mapped_column(String(200))
    line_id: Mapped[str] = mapped_column(String(200))
    unit: Mapped[int] = mapped_column(Integer)
    state: Mapped[VoucherState] = mapped_column(STATE_ENUM, index=True)
    valid_until: Mapped[datetime] = mapped_column(UtcDateTime)
    token: Mapped[str | None] = mapped_column(Text)
    holder_digest: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str | None] = mapped_column(String(3))
    """The order's currency (incentives and premiums are in it); ``None`` before 0003."""
    unit_price: Mapped[int | None] = mapped_column(BigInteger)
    """The covered unit's price in minor units of ``currency`` (premium rates apply to it)."""
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class GspProgram(Base):
    """A program as its store last described it (the store's ``[[programs]]`` entry)."""

    __tablename__ = "gsp_programs"

    gsp_id: Mapped[str] = mapped_column(ForeignKey("gsps.id"), primary_key=True)
    program_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    kind: Mapped[str] = mapped_column(String(64))
    definition: Mapped[dict[str, object]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
