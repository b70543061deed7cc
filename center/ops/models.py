"""What the worker last did: one row per scheduled job (its lag is a metric)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from center.infra.db import Base, UtcDateTime


class JobRun(Base):
    """The last run of one scheduled job of ``ascc center worker``."""

    __tablename__ = "worker_job_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_run_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_count: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(String(300))
