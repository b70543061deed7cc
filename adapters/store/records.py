"""Reading and writing the store state inside one caller-owned transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from adapters.store.models import DeliveryKey, OrderRecord, RefundRecord
from adapters.store.state import OrderState
from adapters.updates import Snapshot
from ascc_plugin.models import GspRef, Order, Refund


class StateRecords:
    """The store state of one shop, read and written through ``session``."""

    def __init__(self, session: Session, gsp: GspRef) -> None:
        self.session = session
        self.gsp = gsp

    def seen(self, keys: Sequence[str]) -> bool:
        """Whether a delivery known by any of ``keys`` was already taken."""
        found = self.session.scalar(select(DeliveryKey.id).where(DeliveryKey.key.in_(keys)))
        return found is not None

    def remember(self, keys: Iterable[str], topic: str, now: datetime) -> None:
        for key in keys:
            self.session.add(DeliveryKey(key=key, topic=topic[:100], received_at=now))

    def _order(self, order_id: str) -> OrderRecord | None:
        return self.session.scalar(
            select(OrderRecord).where(
                OrderRecord.platform == self.gsp.platform,
                OrderRecord.shop == self.gsp.shop,
                OrderRecord.order_id == order_id,
            )
        )

    def _refunds(self, order_id: str) -> list[RefundRecord]:
        return list(
            self.session.scalars(
                select(RefundRecord).where(
                    RefundRecord.platform == self.gsp.platform,
                    RefundRecord.shop == self.gsp.shop,
                    RefundRecord.order_id == order_id,
                )
            )
        )

    def load(self, order_id: str) -> OrderState:
        """The stored state of ``order_id`` (empty when nothing is known of it)."""
        record = self._order(order_id)
        refunds = tuple(Refund.model_validate_json(r.body) for r in self._refunds(order_id))
        if record is None:
            return OrderState(refunds=refunds)
        snapshot = None
        if record.snapshot is not None and record.version is not None:
            snapshot = Snapshot(Order.model_validate_json(record.snapshot), record.version)
        return OrderState(snapshot, refunds, record.deleted)

    def save(self, order_id: str, state: OrderState, now: datetime) -> None:
        """Store ``state`` as the last known state of ``order_id``."""
        record = self._order(order_id)
        if record is None:
            record = OrderRecord(platform=self.gsp.platform, shop=self.gsp.shop, order_id=order_id)
            self.session.add(record)
        if state.snapshot is not None:
            record.snapshot = state.snapshot.order.model_dump_json()
            record.version = state.snapshot.version
        record.deleted = state.deleted
        record.updated_at = now
        self._save_refunds(order_id, state.refunds)

    def _save_refunds(self, order_id: str, refunds: tuple[Refund, ...]) -> None:
        stored = {r.refund_id: r for r in self._refunds(order_id)}
        for refund in refunds:
            body = refund.model_dump_json()
            if refund.id in stored:
                stored[refund.id].body = body
                continue
            self.session.add(
                RefundRecord(
                    platform=self.gsp.platform,
                    shop=self.gsp.shop,
                    order_id=order_id,
                    refund_id=refund.id,
                    body=body,
                )
            )
