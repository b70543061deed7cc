"""The ledger's one table: an entry per leg of a transaction.

A transaction is one business event (``kind``, e.g. ``incentive.redeemed``) about one thing
(``ref``: an incentive, a voucher, a claim); its legs are the entries sharing ``(kind, ref)``,
written together by one ``INSERT`` and unique per account, so an event is posted at most once.
Amounts are integer minor units of the transaction's one currency; debits are positive,
credits negative, and a transaction's entries sum to zero. Each entry carries the parties the
transaction concerns (for scoped reports without a join). Balances are sums, never stored.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from center.infra.db import Base, UtcDateTime


class LedgerEntry(Base):
    """One leg: ``amount`` minor units debited (> 0) or credited (< 0) to ``account``."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        UniqueConstraint("kind", "ref", "account"),
        Index("ix_ledger_entries_account_at", "account", "at"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(64))
    account: Mapped[str] = mapped_column(String(160))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInteger)
    gsp_id: Mapped[str | None] = mapped_column(String(40), index=True)
    provider_id: Mapped[str | None] = mapped_column(String(40), index=True)
    policy_id: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
