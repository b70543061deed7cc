"""The channel's tables: one case per assigned voucher, its frame log, and handshake tickets.

``cases.last_seq`` is the per-case counter row: a frame's ``seq`` is taken from it in the
transaction that stores the frame, under the row's lock, so seqs run 1, 2, 3 … with no holes (a
database sequence would leave one on every rollback, which a client would read as a gap).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from center.infra.db import Base, UtcDateTime


class Case(Base):
    """The conversation of one voucher, opened when a provider is first assigned."""

    __tablename__ = "cases"

    voucher_id: Mapped[str] = mapped_column(ForeignKey("vouchers.id"), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    arrangement: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """The appointment both parties accepted (the accepted proposal's body and seq)."""


class CaseFrame(Base):
    """One stored frame of a case's log (``typing`` is never stored)."""

    __tablename__ = "case_frames"
    __table_args__ = (
        UniqueConstraint("voucher_id", "seq"),
        UniqueConstraint("voucher_id", "client_msg_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    voucher_id: Mapped[str] = mapped_column(ForeignKey("cases.voucher_id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str] = mapped_column(String(16))
    sender_id: Mapped[str | None] = mapped_column(String(64))
    client_msg_id: Mapped[str | None] = mapped_column(String(64))
    reply_to: Mapped[int | None] = mapped_column(Integer)
    """For ``accept`` / ``decline``: the seq of the proposal answered."""
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class CaseTicket(Base):
    """A single-use, short-lived WebSocket ticket (only its digest is kept)."""

    __tablename__ = "case_tickets"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    voucher_id: Mapped[str] = mapped_column(ForeignKey("cases.voucher_id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    party_id: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
