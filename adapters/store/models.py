"""The store service's own small SQLite database (SQLAlchemy 2, typed models).

* ``delivery_keys`` — every delivery id seen (a unique column: the dedupe table);
* ``orders`` — the last known state of each order (newest snapshot, deletion flag);
* ``refunds`` — refund objects that arrived on their own, by order;
* ``data_requests`` — the answers gathered for customer data requests, for the store owner;
* ``products`` — the product catalog (product webhooks, ``ascc store sync-products``);
* ``order_line_products`` — the product facts each order line was first matched with.

Dedupe and the state change commit in one transaction (see :mod:`adapters.store.service`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class DeliveryKey(Base):
    """One id a delivery was known by (a storefront may give two: webhook id and event id)."""

    __tablename__ = "delivery_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(400), unique=True)
    topic: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime]


class OrderRecord(Base):
    """The last known state of one storefront order."""

    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("platform", "shop", "order_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    shop: Mapped[str] = mapped_column(String(255))
    order_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[str | None] = mapped_column(String(200))
    snapshot: Mapped[str | None] = mapped_column(Text)  # canonical Order JSON
    deleted: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime]


class RefundRecord(Base):
    """A refund object of an order, kept until (and after) the order itself is known."""

    __tablename__ = "refunds"
    __table_args__ = (UniqueConstraint("platform", "shop", "order_id", "refund_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    shop: Mapped[str] = mapped_column(String(255))
    order_id: Mapped[str] = mapped_column(String(200))
    refund_id: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)  # canonical Refund JSON


class DataRequestRecord(Base):
    """What the plugins answered to one customer data request."""

    __tablename__ = "data_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    shop: Mapped[str] = mapped_column(String(255))
    request_id: Mapped[str | None] = mapped_column(String(200))
    customer: Mapped[str] = mapped_column(Text)  # JSON
    answers: Mapped[str] = mapped_column(Text)  # JSON list, one entry per answering plugin
    received_at: Mapped[datetime]


class ProductRecord(Base):
    """One product of the catalog: its facts as of ``version`` (newest wins), or its deletion."""

    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("platform", "shop", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    shop: Mapped[str] = mapped_column(String(255))
    product_id: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(40))  # UTC time of the facts or the deletion
    deleted: Mapped[bool] = mapped_column(default=False)
    facts: Mapped[str] = mapped_column(Text)  # adapters.products.Product as JSON
    received_at: Mapped[datetime]


class LineProductRecord(Base):
    """The product facts an order line was matched with, the first time its product was known.

    Kept so that a later change to the catalog (a product re-typed, deleted) cannot change what
    an order already entitled: a voucher is never voided because the catalog changed.
    """

    __tablename__ = "order_line_products"
    __table_args__ = (UniqueConstraint("platform", "shop", "order_id", "line_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    shop: Mapped[str] = mapped_column(String(255))
    order_id: Mapped[str] = mapped_column(String(200))
    line_id: Mapped[str] = mapped_column(String(200))
    facts: Mapped[str] = mapped_column(Text)
