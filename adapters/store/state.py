"""The last known state of one order, merged from deliveries in any order (pure functions).

Storefront webhooks arrive late, twice, out of order or coalesced, so the store service never
trusts the order of events. It keeps, per order:

* the newest **snapshot** (an order body), newest by :func:`adapters.updates.version_of`;
* every **refund** seen on its own (a Shopify refund object, a WooCommerce refund object), by id;
* whether the order was **deleted** (WooCommerce ``order.deleted``, until ``order.restored``).

Merging is commutative and idempotent for snapshots and refunds, so any interleaving of the
same deliveries ends in the same state, and the host is asked to reconcile on that state.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.updates import OrderUpdate, Snapshot
from ascc_plugin.models import Order, Refund


@dataclass(frozen=True)
class OrderState:
    snapshot: Snapshot | None = None
    refunds: tuple[Refund, ...] = ()
    deleted: bool = False


def merge(state: OrderState, update: OrderUpdate) -> OrderState:
    """The state after ``update``: newest snapshot, union of refunds, deletion as told."""
    snapshot = state.snapshot
    if update.snapshot is not None and (
        snapshot is None or update.snapshot.version > snapshot.version
    ):
        snapshot = update.snapshot
    deleted = state.deleted if update.deleted is None else update.deleted
    return OrderState(snapshot, union(state.refunds, update.refunds), deleted)


def union(known: tuple[Refund, ...], new: tuple[Refund, ...]) -> tuple[Refund, ...]:
    """Refunds by id; of two versions of one refund, the one taking back more units wins."""
    by_id = {refund.id: refund for refund in known}
    for refund in new:
        old = by_id.get(refund.id)
        if old is None or units(refund) > units(old):
            by_id[refund.id] = refund
    return tuple(sorted(by_id.values(), key=lambda r: (r.created_at, r.id)))


def units(refund: Refund) -> int:
    return sum(line.quantity for line in refund.lines)


def current_order(state: OrderState) -> Order | None:
    """The order as it stands now, or ``None`` while only refunds of it are known."""
    if state.snapshot is None:
        return None
    order = state.snapshot.order
    refunds = union(order.refunds, state.refunds)
    return order.model_copy(
        update={"refunds": refunds, "cancelled": order.cancelled or state.deleted}
    )
