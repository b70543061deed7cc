"""What the model tells an observer of its decisions (the e2e mode's bridge to the real code).

The model (:mod:`simulator.engine`, :mod:`simulator.cases`) calls these at the moments it
decides something; in model mode ``Replication.observer`` is ``None`` and nothing is called.
The e2e mode (:mod:`simulator.e2e.bridge`) turns each call into real traffic: a signed storefront
webhook, a customer's or a provider's request to the hub. An observer draws no random number
from the model's streams, so a run with an observer makes the same decisions as one without.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ascc_plugin.models import Order

if TYPE_CHECKING:
    from simulator.world import ProviderUnit, VoucherRec


class Observer(Protocol):
    def order_placed(
        self, store: int, order: Order, info: list[tuple[int, int]], customer: int
    ) -> None:
        """A store's order, paid (``info``: per line the product index and the unit cents)."""

    def vouchers_issued(self, store: int, order: Order, recs: list[VoucherRec]) -> None:
        """The vouchers the model issued for the order (its expectation of the hub's)."""

    def order_changed(self, store: int, order: Order, changed: Order, cancel: bool) -> None:
        """The order was cancelled or had one unit refunded (``changed`` is its new state)."""

    def voided(self, rec: VoucherRec) -> None:
        """The model voided ``rec`` (its order no longer entitles it)."""

    def case_started(self, rec: VoucherRec, unit: ProviderUnit) -> None:
        """The customer activated ``rec`` and chose ``unit``."""

    def served(self, rec: VoucherRec, unit: ProviderUnit, score: int) -> None:
        """``unit`` served ``rec`` and the customer gave ``score``."""

    def incentive_issued(self, rec: VoucherRec, unit: ProviderUnit) -> None:
        """The model issued an incentive for ``rec``'s service by ``unit``."""

    def incentive_released(self, rec: VoucherRec, unit: ProviderUnit) -> None:
        """The customer handed ``rec``'s incentive to ``unit``, who served."""

    def incentive_redeemed(self, rec: VoucherRec, unit: ProviderUnit) -> None:
        """``unit`` redeems ``rec``'s incentive (after the hold)."""

    def incentive_lapsed(self, rec: VoucherRec) -> None:
        """``rec``'s incentive was not released in time."""

    def claimed(
        self, rec: VoucherRec, unit: ProviderUnit, cost_cents: int, paid_cents: int
    ) -> None:
        """``unit`` claimed ``cost_cents`` on ``rec``'s insurance; the policy pays
        ``paid_cents``."""

    def frame_sent(self, rec: VoucherRec, unit: ProviderUnit, index: int) -> None:
        """Frame ``index`` of ``rec``'s conversation leaves (even: the customer's, odd: the
        provider's)."""
