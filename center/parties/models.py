"""Parties of the hub: stores (GSPs), service providers, and the stores' customers.

API keys are never stored: only their SHA-256 digest (:mod:`center.parties.keys`). A GSP's
Standard Webhooks signing secret must be kept to verify its deliveries: it is stored encrypted
(:class:`center.infra.secrets.EncryptedText`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from center.infra.db import Base, UtcDateTime
from center.infra.secrets import EncryptedText


class Gsp(Base):
    """A store (goods-and-services provider) sending its order events to the hub."""

    __tablename__ = "gsps"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(32))
    shop: Mapped[str] = mapped_column(String(255), unique=True)
    key_digest: Mapped[str] = mapped_column(String(64), unique=True)
    signing_secret: Mapped[str] = mapped_column(EncryptedText)  # sealed at rest
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Provider(Base):
    """A registered service provider, with its public profile and its service record."""

    __tablename__ = "providers"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(100), index=True)
    capacity: Mapped[int] = mapped_column(Integer, default=10)
    description: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str | None] = mapped_column(String(320))
    """The provider's contact e-mail (lower-cased): an incentive between a provider and a
    customer of the same e-mail is refused and flagged."""
    key_digest: Mapped[str] = mapped_column(String(64), unique=True)
    rating_total: Mapped[int] = mapped_column(Integer, default=0)
    reviews_count: Mapped[int] = mapped_column(Integer, default=0)
    completed_services: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    categories: Mapped[list[ProviderCategory]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="ProviderCategory.category"
    )

    @property
    def category_names(self) -> list[str]:
        return [item.category for item in self.categories]


class ProviderCategory(Base):
    """One kind of program (repair, installation …) a provider serves."""

    __tablename__ = "provider_categories"

    provider_id: Mapped[str] = mapped_column(ForeignKey("providers.id"), primary_key=True)
    category: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class Customer(Base):
    """A store's customer, known by the store's customer id, else by e-mail."""

    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("gsp_id", "customer_key"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    gsp_id: Mapped[str] = mapped_column(ForeignKey("gsps.id"))
    customer_key: Mapped[str] = mapped_column(String(300))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))
