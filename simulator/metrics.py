"""The figures of one finished replication: a flat ``{name: number}`` mapping.

These names are the keys of ``summary.json``'s ``metrics`` and the columns of a sweep's CSV
(the README lists them with their units). Money is in the stores' currency, times in hours
(latencies in milliseconds); counts cover the window after the warm-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.recording import LINK_COUNTS

if TYPE_CHECKING:
    from simulator.engine import Replication

Metrics = dict[str, float]
QUANTILES = (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))
COUNTED = (
    "orders",
    "vouchers",
    "vouchers_voided",
    "vouchers_delivered",
    "activations",
    "arrivals",
    "abandoned",
    "services",
    "claims_on_voided",
    "claims_on_expired",
    "incentives_issued",
    "incentives_pair_capped",
    "incentives_program_capped",
    "incentives_released",
    "incentives_lapsed",
    "incentives_redeemed",
    "claims",
)


def replication_metrics(rep: Replication) -> Metrics:
    """Every figure of ``rep`` (call after :meth:`Replication.run`)."""
    out: Metrics = {}
    out.update(_counts(rep))
    out.update(_queues(rep))
    out.update(_money(rep))
    out.update(_wireless(rep))
    out.update(_invariant(rep))
    return out


def _delta(rep: Replication, key: str) -> float:
    return float(getattr(rep.counters, key) - rep.stats.warm.get(key, 0))


def _counts(rep: Replication) -> Metrics:
    out = {key: _delta(rep, key) for key in COUNTED}
    scores = _delta(rep, "score_count")
    out["csat_mean"] = _delta(rep, "score_sum") / scores if scores else 0.0
    out["abandonment_rate"] = out["abandoned"] / out["arrivals"] if out["arrivals"] else 0.0
    return out


def _queues(rep: Replication) -> Metrics:
    stats = rep.stats
    window = stats.end - stats.warmup
    out: Metrics = {
        "wait_hours_mean": stats.waits.mean(),
        "service_hours_mean": stats.service_sum / stats.service_n if stats.service_n else 0.0,
        "sojourn_hours_mean": stats.sojourn_sum / stats.sojourn_n if stats.sojourn_n else 0.0,
        "arrivals_per_hour": _delta(rep, "arrivals") / window,
    }
    for label, q in QUANTILES:
        out[f"wait_hours_{label}"] = stats.waits.quantile(q)
    queued = busy = 0.0
    for cls in rep.provider_classes:
        occupancy = cls.occupancy
        out[f"utilisation.{cls.name}"] = occupancy.area_busy / (cls.servers * window)
        queued += occupancy.area_queued / window
        busy += occupancy.area_busy / window
    out["in_queue_mean"] = queued
    out["in_system_mean"] = queued + busy
    return out


def _money(rep: Replication) -> Metrics:
    premiums = _delta(rep, "premiums_cents") - _delta(rep, "premiums_reversed_cents")
    paid = _delta(rep, "claims_paid_cents")
    return {
        "incentives_amount": _delta(rep, "incentives_cents") / 100,
        "incentives_redeemed_amount": _delta(rep, "incentives_redeemed_cents") / 100,
        "premiums_written": _delta(rep, "premiums_cents") / 100,
        "premiums_reversed": _delta(rep, "premiums_reversed_cents") / 100,
        "premiums_earned": premiums / 100,
        "claims_paid": paid / 100,
        "loss_ratio": paid / premiums if premiums else 0.0,
    }


def _wireless(rep: Replication) -> Metrics:
    out: Metrics = {}
    totals = dict.fromkeys(LINK_COUNTS, 0.0)
    for name, link in sorted(rep.stats.links.items()):
        warm = rep.stats.warm_links.get(name, {})
        for key in LINK_COUNTS:
            value = float(getattr(link, key) - warm.get(key, 0))
            out[f"wireless.{name}.{key}"] = value
            totals[key] += value
        for label, q in QUANTILES:
            out[f"wireless.{name}.latency_ms_{label}"] = link.latency_ms.quantile(q)
        out[f"wireless.{name}.latency_ms_mean"] = link.latency_ms.mean()
    for key, value in totals.items():
        out[f"wireless.{key}"] = value
    out["lost"], out["duplicated"] = totals["lost"], totals["duplicated"]
    return out


def _invariant(rep: Replication) -> Metrics:
    """Every entitled voucher delivered exactly once (whole run, warm-up included)."""
    c = rep.counters
    unaccounted = c.vouchers - c.vouchers_delivered - rep.pending_deliveries
    forgotten = sum(link.forgotten for link in rep.stats.links.values())
    violations = abs(unaccounted) + c.delivered_twice + forgotten
    return {
        "vouchers_in_flight": float(rep.pending_deliveries),
        "invariant_violations": float(violations),
    }
