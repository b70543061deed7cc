"""Running counts and time-weighted occupancy of one replication (no per-record storage).

Counts only grow; the warm-up is removed by subtracting the snapshot taken when it ends.
:class:`Occupancy` integrates the number waiting and in service of a provider class over time
(the time-averages L and Lq of Little's law), restarted at the end of the warm-up.
"""

from __future__ import annotations

COUNTS = (
    "orders",
    "vouchers",
    "vouchers_voided",
    "vouchers_delivered",
    "delivered_twice",
    "refund_events",
    "activations",
    "claims_on_voided",
    "claims_on_expired",
    "unserved",
    "arrivals",
    "abandoned",
    "services",
    "incentives_issued",
    "incentives_cents",
    "incentives_pair_capped",
    "incentives_program_capped",
    "incentives_released",
    "incentives_lapsed",
    "incentives_redeemed",
    "incentives_redeemed_cents",
    "premiums_cents",
    "premiums_reversed_cents",
    "claims",
    "claims_paid_cents",
    "score_count",
    "score_sum",
)


class Counters:
    """Every count of a replication, as attributes named in ``COUNTS``."""

    __slots__ = COUNTS

    orders: int
    vouchers: int
    vouchers_voided: int
    vouchers_delivered: int
    delivered_twice: int
    refund_events: int
    activations: int
    claims_on_voided: int
    claims_on_expired: int
    unserved: int
    arrivals: int
    abandoned: int
    services: int
    incentives_issued: int
    incentives_cents: int
    incentives_pair_capped: int
    incentives_program_capped: int
    incentives_released: int
    incentives_lapsed: int
    incentives_redeemed: int
    incentives_redeemed_cents: int
    premiums_cents: int
    premiums_reversed_cents: int
    claims: int
    claims_paid_cents: int
    score_sum: int
    score_count: int

    def __init__(self) -> None:
        for name in COUNTS:
            setattr(self, name, 0)

    def snapshot(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in COUNTS}


class Occupancy:
    """Customers waiting (``queued``) and in service (``busy``) at one provider class."""

    __slots__ = ("area_busy", "area_queued", "busy", "last", "queued", "since")

    def __init__(self) -> None:
        self.queued = self.busy = 0
        self.area_queued = self.area_busy = 0.0
        self.last = self.since = 0.0

    def change(self, now: float, queued: int, busy: int) -> None:
        """Integrate up to ``now``, then add ``queued`` and ``busy`` (±1 or 0)."""
        span = now - self.last
        self.area_queued += self.queued * span
        self.area_busy += self.busy * span
        self.last = now
        self.queued += queued
        self.busy += busy

    def restart(self, now: float) -> None:
        """Forget the areas so far (the warm-up): integrate from ``now`` on."""
        self.change(now, 0, 0)
        self.area_queued = self.area_busy = 0.0
        self.since = now
