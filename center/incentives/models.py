"""Incentive vouchers and the operator's flags (anti-collusion)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from center.incentives.states import IncentiveState
from center.infra.db import Base, UtcDateTime

STATE_ENUM = Enum(
    IncentiveState,
    name="incentive_state",
    native_enum=False,
    length=20,
    values_callable=lambda states: [state.value for state in states],
    validate_strings=True,
)


class Incentive(Base):
    """One incentive voucher: for one service voucher, to its holder, for its provider."""

    __tablename__ = "incentives"
    __table_args__ = (
        Index("ix_incentives_pair", "customer_seq", "provider_id", "issued_at"),
        Index("ix_incentives_program", "gsp_id", "program", "issued_at"),
        Index("ix_incentives_state_lapses", "state", "lapses_at"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(32), unique=True)
    voucher_id: Mapped[str] = mapped_column(ForeignKey("vouchers.id"), unique=True)
    gsp_id: Mapped[str] = mapped_column(String(40))
    provider_id: Mapped[str] = mapped_column(String(40), index=True)
    customer_seq: Mapped[int | None] = mapped_column(Integer)
    program: Mapped[str] = mapped_column(String(64))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    state: Mapped[IncentiveState] = mapped_column(STATE_ENUM)
    holder_digest: Mapped[str] = mapped_column(String(64))
    token: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    redeemable_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lapses_at: Mapped[datetime] = mapped_column(UtcDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    redeemed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """When it lapsed or was cancelled."""


class Flag(Base):
    """Something the operator should look at (``GET /api/v1/flags``)."""

    __tablename__ = "flags"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    voucher_id: Mapped[str] = mapped_column(String(32), index=True)
    gsp_id: Mapped[str] = mapped_column(String(40))
    provider_id: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
