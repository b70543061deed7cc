"""One assessment per service voucher (its primary key makes "once" a constraint)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from center.infra.db import Base, UtcDateTime


class Assessment(Base):
    """The holder's score (1–5) and comment for the provider who completed the service."""

    __tablename__ = "assessments"

    voucher_id: Mapped[str] = mapped_column(ForeignKey("vouchers.id"), primary_key=True)
    gsp_id: Mapped[str] = mapped_column(String(40), index=True)
    provider_id: Mapped[str] = mapped_column(String(40), index=True)
    program: Mapped[str] = mapped_column(String(64))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    comment_hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    incentive_reason: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
