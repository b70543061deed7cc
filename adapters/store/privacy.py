"""The store state's answers to privacy requests (a plugin: the hooks reach every plugin alike).

Shopify requires apps to act on ``customers/data_request``, ``customers/redact`` and
``shop/redact``. The store service calls the ``ascc_customer_data_request``,
``ascc_customer_redact`` and ``ascc_shop_redact`` hooks; this plugin is how the store state
itself (the stored order snapshots) takes part. Handlers do the same for their own records.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from adapters.store.models import (
    DataRequestRecord,
    LineProductRecord,
    OrderRecord,
    ProductRecord,
    RefundRecord,
)
from ascc_plugin.hooks import hookimpl
from ascc_plugin.models import Customer, GspRef, Order


class StatePrivacy:
    """Privacy hooks over the orders this store service keeps."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    @hookimpl
    def ascc_customer_redact(
        self, gsp: GspRef, customer: Customer, order_ids: Sequence[str]
    ) -> None:
        with self.sessions.begin() as session:
            for record, order in _matching(session, gsp, customer, order_ids):
                record.snapshot = order.model_copy(update={"customer": None}).model_dump_json()

    @hookimpl
    def ascc_shop_redact(self, gsp: GspRef) -> None:
        with self.sessions.begin() as session:
            for model in (
                OrderRecord,
                RefundRecord,
                DataRequestRecord,
                ProductRecord,
                LineProductRecord,
            ):
                session.execute(
                    delete(model).where(model.platform == gsp.platform, model.shop == gsp.shop)
                )

    @hookimpl
    def ascc_customer_data_request(
        self, gsp: GspRef, customer: Customer, order_ids: Sequence[str]
    ) -> dict[str, Any] | None:
        with self.sessions.begin() as session:
            orders = [
                order.model_dump(mode="json")
                for _record, order in _matching(session, gsp, customer, order_ids)
            ]
        return {"source": "store state", "orders": orders} if orders else None


def _matching(
    session: Session, gsp: GspRef, customer: Customer, order_ids: Sequence[str]
) -> Iterator[tuple[OrderRecord, Order]]:
    """Stored orders named in ``order_ids`` or whose customer is ``customer`` (id or email)."""
    records = session.scalars(
        select(OrderRecord).where(
            OrderRecord.platform == gsp.platform,
            OrderRecord.shop == gsp.shop,
            OrderRecord.snapshot.is_not(None),
        )
    )
    wanted = set(order_ids)
    for record in records:
        order = Order.model_validate_json(record.snapshot or "")
        if record.order_id in wanted or _same_person(order.customer, customer):
            yield record, order


def _same_person(held: Customer | None, asked: Customer) -> bool:
    if held is None:
        return False
    if asked.id is not None and held.id == asked.id:
        return True
    return asked.email is not None and (held.email or "").lower() == asked.email.lower()
