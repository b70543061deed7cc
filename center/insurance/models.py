"""Policies, the coverage of each insured voucher, and claims against it (money in minor units)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from center.infra.db import Base, UtcDateTime


class Policy(Base):
    """An insurance policy the operator registered; programs name it (``insurance_policy``)."""

    __tablename__ = "policies"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    insurer: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    premium_fixed: Mapped[int | None] = mapped_column(BigInteger)
    premium_rate: Mapped[str | None] = mapped_column(String(24))
    """A decimal fraction of the covered unit's price, as text (exact; no float, no NUMERIC)."""
    coverage_limit: Mapped[int] = mapped_column(BigInteger)
    deductible: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Coverage(Base):
    """One insured voucher: its premium, its limit, what claims have been paid against it."""

    __tablename__ = "coverages"

    voucher_id: Mapped[str] = mapped_column(ForeignKey("vouchers.id"), primary_key=True)
    policy_id: Mapped[str] = mapped_column(ForeignKey("policies.id"), index=True)
    gsp_id: Mapped[str] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(String(3))
    premium: Mapped[int] = mapped_column(BigInteger)
    limit: Mapped[int] = mapped_column(BigInteger)
    deductible: Mapped[int] = mapped_column(BigInteger)
    paid: Mapped[int] = mapped_column(BigInteger, default=0)
    reversed: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class Claim(Base):
    """A provider's cost claim on one voucher's coverage."""

    __tablename__ = "claims"
    __table_args__ = (UniqueConstraint("provider_id", "idempotency_key"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(40), unique=True)
    voucher_id: Mapped[str] = mapped_column(ForeignKey("vouchers.id"), index=True)
    policy_id: Mapped[str] = mapped_column(String(64), index=True)
    provider_id: Mapped[str] = mapped_column(String(40), index=True)
    gsp_id: Mapped[str] = mapped_column(String(40))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)
    paid: Mapped[int] = mapped_column(BigInteger, default=0)
    reserved: Mapped[int] = mapped_column(BigInteger, default=0)
    decided_by: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    filed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
