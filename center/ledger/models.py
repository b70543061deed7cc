"""Ledger tables: transactions (one per business event) and their entries (one per leg).

Amounts are integer minor units of one currency per transaction; debits are positive, credits
negative, and a transaction's entries sum to zero. Balances are sums of entries, never stored.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from center.infra.db import Base, UtcDateTime


class LedgerTransaction(Base):
    """One business event (``kind``) about one thing (``ref``: an incentive, voucher, claim)."""

    __tablename__ = "ledger_transactions"
    __table_args__ = (UniqueConstraint("kind", "ref"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    gsp_id: Mapped[str | None] = mapped_column(String(40), index=True)
    provider_id: Mapped[str | None] = mapped_column(String(40), index=True)
    policy_id: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class LedgerEntry(Base):
    """One leg: ``amount`` minor units debited (> 0) or credited (< 0) to ``account``."""

    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_entries_account_at", "account", "at"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    transaction_seq: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.seq"), index=True)
    account: Mapped[str] = mapped_column(String(160))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
