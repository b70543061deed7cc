"""Reading and writing the store state inside one caller-owned transaction.

A delivery is the hot path of the store service, so its statements are Core statements built
once (no ORM entity is loaded, no unit of work flushed) and each is sent only when needed:
the dedupe keys are claimed by one ``INSERT … ON CONFLICT DO NOTHING``, the order and its
refunds are read once (:meth:`StateRecords.load`) and what was read is what
:meth:`StateRecords.save` compares with, so only what changed is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, Table, bindparam, select, update
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Session

from adapters.store.models import DeliveryKey, OrderRecord, RefundRecord
from adapters.store.state import OrderState
from adapters.updates import Snapshot
from ascc_plugin.in_lists import InList
from ascc_plugin.models import GspRef, Order, Refund

KEYS: Table = DeliveryKey.__table__  # type: ignore[assignment]
ORDERS: Table = OrderRecord.__table__  # type: ignore[assignment]
REFUNDS: Table = RefundRecord.__table__  # type: ignore[assignment]

SEEN = InList(lambda keys: select(KEYS.c.id).where(KEYS.c.key.in_(keys)).limit(1))
CLAIM = insert(KEYS).on_conflict_do_nothing(index_elements=[KEYS.c.key])


def of_the_order(table: Table) -> list[ColumnElement[bool]]:
    """The rows of one order of one shop (bound as ``platform``, ``shop``, ``order_id``)."""
    return [table.c[name] == bindparam(name) for name in ("platform", "shop", "order_id")]


LOAD_ORDER = select(ORDERS.c.id, ORDERS.c.snapshot, ORDERS.c.version, ORDERS.c.deleted).where(
    *of_the_order(ORDERS)
)
LOAD_REFUNDS = select(REFUNDS.c.id, REFUNDS.c.refund_id, REFUNDS.c.body).where(
    *of_the_order(REFUNDS)
)
ADD_ORDER, ADD_REFUND = ORDERS.insert(), REFUNDS.insert()
CHANGE_ORDER = update(ORDERS).where(ORDERS.c.id == bindparam("row_id"))
CHANGE_REFUND = update(REFUNDS).where(REFUNDS.c.id == bindparam("row_id"))


@dataclass(frozen=True)
class Loaded:
    """An order's stored state as read, with what :meth:`StateRecords.save` compares it with."""

    order_id: str
    state: OrderState
    row_id: int | None = None  # the ``orders`` row; ``None`` when nothing of the order is kept
    refund_rows: dict[str, tuple[int, Refund]] = field(default_factory=dict)  # by refund id

    @property
    def first_seen(self) -> bool:
        """No snapshot of the order was kept before, so none of its lines has frozen facts
        (:mod:`adapters.store.catalog` freezes them only for an order with a snapshot)."""
        return self.state.snapshot is None


class StateRecords:
    """The store state of one shop, read and written through ``session``'s connection."""

    def __init__(self, session: Session, gsp: GspRef) -> None:
        self.session = session
        self.gsp = gsp
        self.connection: Connection = session.connection()

    def seen(self, keys: Sequence[str]) -> bool:
        """Whether a delivery known by any of ``keys`` was already taken."""
        return any(
            self.connection.execute(statement, values).first() is not None
            for statement, values in SEEN.batches(list(keys))
        )

    def claim(self, keys: Iterable[str], topic: str, now: datetime) -> bool:
        """Record ``keys``; ``False`` when any of them was already taken (a duplicate delivery:
        the caller rolls its transaction back, which undoes the keys recorded here)."""
        rows = [
            {"key": key, "topic": topic[:100], "received_at": now} for key in dict.fromkeys(keys)
        ]
        return self.connection.execute(CLAIM, rows).rowcount == len(rows)

    def load(self, order_id: str) -> Loaded:
        """The stored state of ``order_id`` (empty when nothing is known of it)."""
        where = self._where(order_id)
        refund_rows = {}
        for row_id, refund_id, body in self.connection.execute(LOAD_REFUNDS, where):
            refund_rows[refund_id] = (row_id, Refund.model_validate_json(body))
        refunds = tuple(refund for _, refund in refund_rows.values())
        row = self.connection.execute(LOAD_ORDER, where).first()
        if row is None:
            return Loaded(order_id, OrderState(refunds=refunds), None, refund_rows)
        row_id, snapshot_json, version, deleted = row
        snapshot = None
        if snapshot_json is not None and version is not None:
            snapshot = Snapshot(Order.model_validate_json(snapshot_json), version)
        return Loaded(order_id, OrderState(snapshot, refunds, deleted), row_id, refund_rows)

    def save(self, loaded: Loaded, state: OrderState, now: datetime) -> None:
        """Store ``state`` as the last known state of ``loaded``'s order: the order row, and
        the refunds that are new or changed since :meth:`load` read them."""
        values: dict[str, object] = {"deleted": state.deleted, "updated_at": now}
        if state.snapshot is not None and state.snapshot is not loaded.state.snapshot:
            values["snapshot"] = state.snapshot.order.model_dump_json()
            values["version"] = state.snapshot.version
        if loaded.row_id is None:
            self.connection.execute(ADD_ORDER, {**self._where(loaded.order_id), **values})
        else:
            self.connection.execute(CHANGE_ORDER, {"row_id": loaded.row_id, **values})
        self._save_refunds(loaded, state.refunds)

    def _where(self, order_id: str) -> dict[str, str]:
        return {"platform": self.gsp.platform, "shop": self.gsp.shop, "order_id": order_id}

    def _save_refunds(self, loaded: Loaded, refunds: tuple[Refund, ...]) -> None:
        """Insert the new refunds, update the changed ones (one statement each at most)."""
        added, changed = [], []
        for refund in refunds:
            row_id, stored = loaded.refund_rows.get(refund.id, (None, None))
            if refund is stored:
                continue  # the object read: unchanged
            body = refund.model_dump_json()
            if row_id is None:
                added.append({**self._where(loaded.order_id), "refund_id": refund.id, "body": body})
            else:
                changed.append({"row_id": row_id, "body": body})
        if added:
            self.connection.execute(ADD_REFUND, added)
        if changed:
            self.connection.execute(CHANGE_REFUND, changed)
